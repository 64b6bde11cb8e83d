package systest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// CreatedAccount is accountservice's answer to POST /api/accounts.
type CreatedAccount struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// CreateAccount POSTs an account named name to the edge at edgeURL with
// client; anything but a 201 with an id is an error (with the status, so a
// caller can tell a 503 from a 500).
func CreateAccount(client *http.Client, edgeURL, name string) (CreatedAccount, Response, error) {
	var a CreatedAccount
	body, err := json.Marshal(map[string]string{"name": name})
	if err != nil {
		return a, Response{}, err
	}
	req, err := http.NewRequest(http.MethodPost, edgeURL+"/api/accounts", strings.NewReader(string(body)))
	if err != nil {
		return a, Response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	r, err := Do(client, req)
	if err != nil {
		return a, r, err
	}
	if r.Status != http.StatusCreated {
		return a, r, fmt.Errorf("POST /api/accounts through the edge: status %d: %.300s", r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, &a); err != nil || a.ID == "" {
		return a, r, fmt.Errorf("POST /api/accounts: no account id in %.300s (%v)", r.Body, err)
	}
	return a, r, nil
}

// ConcurrentCreates is how many accounts ConcurrentCreatesThroughTheEdge
// creates at once.
const ConcurrentCreates = 200

// ConcurrentCreatesThroughTheEdge: 200 POST /api/accounts sent at once
// through the edge each answer 201, with 200 distinct ids, and each account
// reads back through the edge with its name (issue 9, system story 1). On
// Swarm this runs against the shared PostgreSQL store; on the landscape
// against its own PostgreSQL cluster.
func ConcurrentCreatesThroughTheEdge(t *testing.T, env Environment) {
	edge := env.EdgeURL()
	Convey("Given the edge of the "+env.Name(), t, func() {
		prefix := fmt.Sprintf("Concurrent_%d_", time.Now().UnixNano()%1_000_000)
		// One connection per request: the edge sees 200 at once, not a pool's worth. The default
		// transport: the suites set it up for the edge (its CA, its access token).
		client := &http.Client{Timeout: 30 * time.Second}
		defer client.CloseIdleConnections()

		Convey(fmt.Sprintf("When %d accounts are POSTed at the same time", ConcurrentCreates), func() {
			created := make([]CreatedAccount, ConcurrentCreates)
			errs := make([]error, ConcurrentCreates)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range ConcurrentCreates {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					created[i], _, errs[i] = CreateAccount(client, edge, fmt.Sprintf("%s%d", prefix, i))
				}()
			}
			close(start)
			wg.Wait()

			Convey("each answers 201 with an id of its own", func() {
				var failed []string
				ids := map[string]string{}
				for i, err := range errs {
					if err != nil {
						failed = append(failed, err.Error())
						continue
					}
					if other, dup := ids[created[i].ID]; dup {
						failed = append(failed, fmt.Sprintf("id %s given to %s and %s", created[i].ID, other, created[i].Name))
					}
					ids[created[i].ID] = created[i].Name
				}
				So(failed, ShouldBeEmpty)
				So(len(ids), ShouldEqual, ConcurrentCreates)

				Convey("and each reads back through the edge with its name", func() {
					var missing []string
					for _, c := range created {
						a, _, err := ReadAccount(client, edge, c.ID)
						if err != nil {
							missing = append(missing, err.Error())
						} else if a.Name != c.Name {
							missing = append(missing, fmt.Sprintf("account %s reads as %q, created as %q", c.ID, a.Name, c.Name))
						}
					}
					So(missing, ShouldBeEmpty)
				})
			})
		})
	})
}
