//go:build e2e

package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/systest"
)

// Issue 9, system story 5: `make down` then `make up` keeps every account. The stories that create
// accounts through the edge (2, 3 and 4 of issue 9) write each acknowledged one (201) to
// acknowledgedFile; `make e2e-redeploy` runs `make down` and `make up` and then this suite again
// with E2E_REDEPLOYED=1 and only TestAcknowledgedAccountsSurviveRedeploy, which reads every one of
// them back through the edge.
var (
	// acknowledgedFile is relative to this package's directory, where go test runs.
	acknowledgedFile = env("E2E_ACKNOWLEDGED_FILE", "../.run/e2e-acknowledged.txt")
	redeployed       = os.Getenv("E2E_REDEPLOYED") == "1"
)

// acknowledgedLog is the file of acknowledged accounts, one "id name" line each (a name has no
// newline). A nil *acknowledgedLog records nothing: the run after a redeploy reads the file the
// previous run wrote and must not empty it.
type acknowledgedLog struct {
	mu sync.Mutex
	f  *os.File
}

// newAcknowledgedLog creates (or empties) the file at path, and the directory it is in.
func newAcknowledgedLog(path string) (*acknowledgedLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("the directory of the acknowledged accounts' file: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating the acknowledged accounts' file: %w", err)
	}
	return &acknowledgedLog{f: f}, nil
}

// record appends the accounts to the file. A write error fails the story that acknowledged them:
// story 5 would otherwise check fewer accounts than were acknowledged, silently.
func (l *acknowledgedLog) record(accounts ...systest.CreatedAccount) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, a := range accounts {
		fmt.Fprintf(&b, "%s %s\n", a.ID, a.Name)
	}
	if _, err := l.f.WriteString(b.String()); err != nil {
		return fmt.Errorf("recording acknowledged accounts in %s: %w", l.f.Name(), err)
	}
	return nil
}

func (l *acknowledgedLog) close() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}

// readAcknowledged reads the file newAcknowledgedLog wrote.
func readAcknowledged(path string) ([]systest.CreatedAccount, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("the accounts the last make e2e acknowledged (make e2e writes them): %w", err)
	}
	defer f.Close()
	var out []systest.CreatedAccount
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		id, name, ok := strings.Cut(sc.Text(), " ")
		if !ok || id == "" {
			return nil, fmt.Errorf("%s: line %d is not \"id name\": %q", path, len(out)+1, sc.Text())
		}
		out = append(out, systest.CreatedAccount{ID: id, Name: name})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, errors.New(path + " lists no account: run make e2e first")
	}
	return out, nil
}

// Issue 9, system story 5. make e2e-redeploy: make down, make up, then this test alone.
func TestAcknowledgedAccountsSurviveRedeploy(t *testing.T) {
	if !redeployed {
		t.Skip("story 5 runs in make e2e-redeploy (make down, make up, then E2E_REDEPLOYED=1); it reads the accounts this run acknowledges")
	}
	Convey("Given the accounts the last make e2e saw acknowledged, and a stack that make down and make up replaced", t, func() {
		acked, err := readAcknowledged(acknowledgedFile)
		So(err, ShouldBeNil)
		So(waitReady("accountservice", 3*time.Minute), ShouldBeNil)
		// The edge routes once its JVM has found accountservice: the first read may take a while.
		So(eventually(swarm.Bounds().FirstRead, time.Second, func() error {
			_, _, err := edgeAccount(acked[0].ID)
			return err
		}), ShouldBeNil)

		Convey("each reads back through the edge with its name", func() {
			var missing []string
			for _, c := range acked {
				a, _, err := edgeAccount(c.ID)
				if err != nil {
					missing = append(missing, err.Error())
				} else if a.Name != c.Name {
					missing = append(missing, fmt.Sprintf("%s reads as %q, created as %q", c.ID, a.Name, c.Name))
				}
			}
			t.Logf("%d acknowledged accounts read back after make down and make up, %d missing", len(acked), len(missing))
			So(missing, ShouldBeEmpty)
		})
	})
}
