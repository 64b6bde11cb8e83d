//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/systest"
)

// The Swarm-only stories of issue 9: accountservice's accounts live in the stack's PostgreSQL
// (deploy/docker-stack.yml, service postgres), shared by every replica and kept across a crash of
// the database.

// createAccounts creates n accounts through the edge, named prefix0…, and returns them; each
// acknowledged one is recorded for story 5 (redeploy_test.go).
func createAccounts(prefix string, n int) ([]systest.CreatedAccount, error) {
	var out []systest.CreatedAccount
	for i := range n {
		a, _, err := systest.CreateAccount(httpClient, edgeURL, prefix+strconv.Itoa(i))
		if err != nil {
			return out, err
		}
		if err := acknowledged.record(a); err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Issue 9, system story 3: accountservice scaled to 3, every account created through the edge is
// read back 10 times through the edge, and once from each replica directly: 0 misses.
func TestAccountsSharedByThreeReplicas(t *testing.T) {
	Convey("Given accountservice", t, func() {
		before, err := desiredReplicas("accountservice")
		So(err, ShouldBeNil)
		t.Cleanup(func() {
			if err := scale("accountservice", before); err != nil {
				t.Errorf("scaling accountservice back to %d: %v", before, err)
			}
			if err := waitReady("accountservice", 3*time.Minute); err != nil {
				t.Errorf("accountservice after scaling back: %v", err)
			}
		})

		Convey("When it is scaled to 3 replicas and 30 accounts are created through the edge", func() {
			So(scale("accountservice", 3), ShouldBeNil)
			So(waitReady("accountservice", 4*time.Minute), ShouldBeNil)
			replicas, err := swarm.Instances("accountservice")
			So(err, ShouldBeNil)
			So(len(replicas), ShouldEqual, 3)
			created, err := createAccounts(fmt.Sprintf("Shared_%d_", time.Now().UnixNano()%1_000_000), 30)
			So(err, ShouldBeNil)

			Convey("each reads back 10 times through the edge and from every replica, 0 misses", func() {
				var misses []string
				servedBy := map[string]int{}
				for round := range 10 {
					for _, c := range created {
						a, _, err := edgeAccount(c.ID)
						switch {
						case err != nil:
							misses = append(misses, fmt.Sprintf("round %d: %v", round, err))
						case a.Name != c.Name:
							misses = append(misses, fmt.Sprintf("round %d: %s reads as %q, created as %q", round, c.ID, a.Name, c.Name))
						default:
							servedBy[a.ServedBy]++
						}
					}
				}
				for _, inst := range replicas {
					for _, c := range created {
						status, body, err := swarm.Get(inst, systest.AccountservicePort, "/accounts/"+c.ID)
						var a systest.Account
						if err == nil && status == http.StatusOK {
							err = json.Unmarshal(body, &a)
						}
						if err != nil || status != http.StatusOK || a.Name != c.Name {
							misses = append(misses, fmt.Sprintf("replica %s: %s: %d %.200s %v", inst.Host, c.ID, status, body, err))
						}
					}
				}
				t.Logf("%d reads through the edge served by %v; %d direct reads from %d replicas",
					10*len(created), servedBy, len(replicas)*len(created), len(replicas))
				So(misses, ShouldBeEmpty)
			})
		})
	})
}

// outageAnswer is one answer of the load that runs while PostgreSQL is away.
type outageAnswer struct {
	method string
	status int
	body   string
	err    error
}

// Issue 9, system story 4: docker kill (SIGKILL) of the PostgreSQL container. Swarm starts a new
// one; every account acknowledged before or during the outage is there afterwards; during the
// outage reads and writes answer 503 with a JSON error (never a 500), and they recover without a
// restart of accountservice.
func TestPostgresKilled(t *testing.T) {
	Convey("Given accounts acknowledged through the edge and the running accountservice tasks", t, func() {
		So(waitReady("postgres", 3*time.Minute), ShouldBeNil)
		So(waitReady("accountservice", 3*time.Minute), ShouldBeNil)
		prefix := fmt.Sprintf("Killed_%d_", time.Now().UnixNano()%1_000_000)
		acked, err := createAccounts(prefix, 20)
		So(err, ShouldBeNil)
		services, err := runningTasks("accountservice")
		So(err, ShouldBeNil)
		killed, err := containersOf("postgres")
		So(err, ShouldBeNil)
		So(len(killed), ShouldEqual, 1)

		Convey("When its container is killed while reads and writes run through the edge", func() {
			var mu sync.Mutex
			var answers []outageAnswer
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() { // one POST and one GET at a time, until stopped
				defer close(done)
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					a, r, err := systest.CreateAccount(httpClient, edgeURL, prefix+"during_"+strconv.Itoa(i))
					mu.Lock()
					answers = append(answers, outageAnswer{http.MethodPost, r.Status, string(r.Body), transportErr(r, err)})
					if err == nil {
						acked = append(acked, a)
						if err := acknowledged.record(a); err != nil {
							t.Error(err)
						}
					}
					mu.Unlock()
					_, r, err = edgeAccount(acked[0].ID)
					mu.Lock()
					answers = append(answers, outageAnswer{http.MethodGet, r.Status, string(r.Body), transportErr(r, err)})
					mu.Unlock()
				}
			}()
			_, err := docker(30*time.Second, "kill", killed[0])
			So(err, ShouldBeNil)
			// Swarm notices the exit, waits its restart delay (5 s) and starts a new task.
			So(eventually(3*time.Minute, 2*time.Second, func() error {
				now, err := healthyTasks("postgres")
				if err != nil {
					return err
				}
				if len(now) != 1 || now[0].ContainerID == killed[0] {
					return fmt.Errorf("no new healthy postgres task yet: %+v", now)
				}
				return nil
			}), ShouldBeNil)
			// Recovered: a write through the edge is acknowledged again.
			So(eventually(time.Minute, time.Second, func() error {
				mu.Lock()
				defer mu.Unlock()
				n := len(answers)
				if n < 2 || answers[n-2].status != http.StatusCreated || answers[n-1].status != http.StatusOK {
					return fmt.Errorf("no write and read answered 201 and 200 since the restart yet (%d answers)", n)
				}
				return nil
			}), ShouldBeNil)
			close(stop)
			<-done

			Convey("every answer was a success or a 503 with a JSON error, some of them 503", func() {
				counts := map[string]int{}
				var bad []string
				for _, a := range answers {
					counts[fmt.Sprintf("%s %d", a.method, a.status)]++
					switch {
					case a.err != nil:
						bad = append(bad, fmt.Sprintf("%s: %v", a.method, a.err))
					case a.status == http.StatusOK || a.status == http.StatusCreated:
					case a.status == http.StatusServiceUnavailable:
						var e struct{ Error string }
						if json.Unmarshal([]byte(a.body), &e) != nil || e.Error == "" {
							bad = append(bad, fmt.Sprintf("%s 503 without a JSON error: %.200s", a.method, a.body))
						}
					default:
						bad = append(bad, fmt.Sprintf("%s %d: %.200s", a.method, a.status, a.body))
					}
				}
				t.Logf("answers during the outage: %v", counts)
				So(bad, ShouldBeEmpty)
				So(counts["POST 503"]+counts["GET 503"], ShouldBeGreaterThan, 0)

				Convey("every acknowledged account is there, and accountservice kept its tasks", func() {
					var missing []string
					for _, c := range acked {
						a, _, err := edgeAccount(c.ID)
						if err != nil {
							missing = append(missing, err.Error())
						} else if a.Name != c.Name {
							missing = append(missing, fmt.Sprintf("%s reads as %q, created as %q", c.ID, a.Name, c.Name))
						}
					}
					t.Logf("%d acknowledged accounts (20 before the kill) read back", len(acked))
					So(missing, ShouldBeEmpty)
					now, err := runningTasks("accountservice")
					So(err, ShouldBeNil)
					So(taskIDs(now), ShouldResemble, taskIDs(services))
				})
			})
		})
	})
}

// transportErr is err when no HTTP answer came back (a status is an answer, judged by the caller).
func transportErr(r systest.Response, err error) error {
	if r.Status != 0 {
		return nil
	}
	return err
}

func taskIDs(ts []task) []string {
	var out []string
	for _, tk := range ts {
		out = append(out, tk.ID)
	}
	slices.Sort(out)
	return out
}
