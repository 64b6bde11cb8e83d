//go:build integration

package pgstore_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/pgstore"
	"github.com/goblog/accountservice/internal/storetest"
)

// These tests need a real PostgreSQL server: `make test-integration-go`
// starts a throwaway cluster (scripts/ensure-postgres.sh run) and exports its
// URL in GOBLOG_TEST_POSTGRES_URL and its directory in GOBLOG_TEST_POSTGRES_DIR.

// ensureScript is scripts/ensure-postgres.sh from this package's directory.
const ensureScript = "../../../scripts/ensure-postgres.sh"

func adminURL(t *testing.T) string {
	t.Helper()
	u := serverURL()
	if u == "" {
		t.Fatalf("no PostgreSQL: set %s, or run the tests through `bash scripts/ensure-postgres.sh run -- go test -tags integration …` (make test-integration-go does)", envURL)
	}
	return u
}

// openAtOnce opens n stores on dbURL concurrently, as n replicas starting together.
func openAtOnce(t *testing.T, dbURL string, n int) []*pgstore.Store {
	t.Helper()
	stores := make([]*pgstore.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			stores[i], errs[i] = pgstore.Open(ctx, dbURL)
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("opening store %d of %d at once: %v", i+1, n, errs[i])
		}
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	return stores
}

func TestStore(t *testing.T) {
	admin := adminURL(t)
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) account.Store { return open(t, freshDatabase(t, admin)) },
		Reopen: func(t *testing.T, s account.Store) account.Store {
			ps := s.(*pgstore.Store)
			dbURL := pgstore.Pool(ps).Config().ConnString()
			if err := ps.Close(); err != nil {
				t.Fatal(err)
			}
			return open(t, dbURL)
		},
		OpenShared: func(t *testing.T, n int) []account.Store {
			var out []account.Store
			for _, s := range openAtOnce(t, freshDatabase(t, admin), n) {
				out = append(out, s)
			}
			return out
		},
	})
}

func TestMigrations(t *testing.T) {
	admin := adminURL(t)
	ctx := context.Background()

	Convey("Given three replicas starting at once on a fresh database", t, func() {
		dbURL := freshDatabase(t, admin)
		openAtOnce(t, dbURL, 3)
		conn, err := pgx.Connect(ctx, dbURL)
		So(err, ShouldBeNil)
		defer func() { _ = conn.Close(ctx) }()

		Convey("each migration is recorded as applied exactly once", func() {
			rows, err := conn.Query(ctx, `SELECT version_id, count(*) FROM accountservice_schema_version
				WHERE version_id > 0 AND is_applied GROUP BY version_id ORDER BY version_id`)
			So(err, ShouldBeNil)
			counts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Version, Count int64 }])
			So(err, ShouldBeNil)
			files, err := filepath.Glob("migrations/*.sql") // 00001_…, 00002_…: one version each
			So(err, ShouldBeNil)
			want := make([]struct{ Version, Count int64 }, len(files))
			for i := range want {
				want[i].Version, want[i].Count = int64(i+1), 1
			}
			So(len(want), ShouldBeGreaterThanOrEqualTo, 2)
			So(counts, ShouldResemble, want)
		})

		Convey("a later start changes nothing and keeps the data", func() {
			_, err := conn.Exec(ctx, `INSERT INTO accounts (id, name) VALUES (424242, 'Kept')`)
			So(err, ShouldBeNil)
			s := open(t, dbURL)
			got, err := s.Get(ctx, "424242")
			So(err, ShouldBeNil)
			So(got.Name, ShouldEqual, "Kept")
		})
	})
}

func TestCommitIsSynchronous(t *testing.T) {
	admin := adminURL(t)
	dbURL := freshDatabase(t, admin)
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	// The server's default is set to off for this database; the store's
	// sessions must still commit synchronously.
	if _, err := conn.Exec(context.Background(), `ALTER DATABASE `+pgx.Identifier{conn.Config().Database}.Sanitize()+` SET synchronous_commit = off`); err != nil {
		t.Fatal(err)
	}
	s := open(t, dbURL)
	var setting string
	if err := pgstore.Pool(s).QueryRow(context.Background(), `SHOW synchronous_commit`).Scan(&setting); err != nil {
		t.Fatal(err)
	}
	if setting != "on" {
		t.Fatalf("synchronous_commit in the store's sessions = %q, want on: a 201 must mean the commit is flushed", setting)
	}
}

func TestSlowDatabase(t *testing.T) {
	admin := adminURL(t)
	ctx := context.Background()

	Convey("Given a store with a 300 ms query timeout and a table locked by another session", t, func() {
		dbURL := freshDatabase(t, admin)
		s := open(t, dbURL, pgstore.WithQueryTimeout(300*time.Millisecond))
		_, err := s.Seed(ctx, account.SeedAccounts(3))
		So(err, ShouldBeNil)

		conn, err := pgx.Connect(ctx, dbURL)
		So(err, ShouldBeNil)
		defer func() { _ = conn.Close(ctx) }()
		tx, err := conn.Begin(ctx)
		So(err, ShouldBeNil)
		_, err = tx.Exec(ctx, `LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE`)
		So(err, ShouldBeNil)

		Convey("a read and a create end with ErrUnavailable instead of waiting for the lock", func() {
			_, err := s.Get(ctx, "10000")
			So(errors.Is(err, account.ErrUnavailable), ShouldBeTrue)
			So(errors.Is(err, context.DeadlineExceeded), ShouldBeTrue)
			_, err = s.Create(ctx, "Blocked")
			So(errors.Is(err, account.ErrUnavailable), ShouldBeTrue)

			Convey("and work again once the lock is released", func() {
				So(tx.Rollback(ctx), ShouldBeNil)
				got, err := s.Get(ctx, "10000")
				So(err, ShouldBeNil)
				So(got.Name, ShouldEqual, "Person_0")
			})
		})
		_ = tx.Rollback(ctx)
	})
}

// clusterControl returns a function running scripts/ensure-postgres.sh
// start or stop on the tests' cluster.
func clusterControl(t *testing.T) func(cmd string) {
	dir := os.Getenv("GOBLOG_TEST_POSTGRES_DIR")
	if dir == "" {
		t.Fatal("GOBLOG_TEST_POSTGRES_DIR is not set: this test stops and starts the cluster there (scripts/ensure-postgres.sh run exports it)")
	}
	return func(cmd string) {
		t.Helper()
		out, err := exec.Command("bash", ensureScript, cmd, dir).CombinedOutput()
		if err != nil {
			t.Fatalf("ensure-postgres.sh %s: %v\n%s", cmd, err, out)
		}
	}
}

// TestOpenWaitsForTheDatabase: a replica starting before PostgreSQL waits
// for it (retrying) instead of failing, and opens once it is there.
func TestOpenWaitsForTheDatabase(t *testing.T) {
	admin := adminURL(t)
	cluster := clusterControl(t)
	dbURL := freshDatabase(t, admin)
	cluster("stop")
	started := false
	defer func() {
		if !started {
			cluster("start")
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type result struct {
		s   *pgstore.Store
		err error
	}
	log, hook := logtest.NewNullLogger()
	opened := make(chan result, 1)
	go func() {
		s, err := pgstore.Open(ctx, dbURL, pgstore.WithLogger(log))
		opened <- result{s, err}
	}()
	// Polled every 50 ms: Open must say it is retrying, and not return.
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for retrying := false; !retrying; {
		select {
		case r := <-opened:
			t.Fatalf("Open returned while the server was down: %v", r.err)
		case <-ctx.Done():
			t.Fatal("Open did not log a retry while the server was down")
		case <-poll.C:
			for _, e := range hook.AllEntries() {
				retrying = retrying || e.Level == logrus.WarnLevel && e.Message == "PostgreSQL is not reachable yet; retrying"
			}
		}
	}
	cluster("start")
	started = true
	r := <-opened
	if r.err != nil {
		t.Fatalf("Open after the server started: %v", r.err)
	}
	t.Cleanup(func() { _ = r.s.Close() })
	if _, err := r.s.Create(ctx, "After the wait"); err != nil {
		t.Fatalf("Create on the store opened after the wait: %v", err)
	}
}

// TestOutage stops the PostgreSQL server under an open store and starts it
// again: the store must fail fast with ErrUnavailable meanwhile and recover
// by itself.
func TestOutage(t *testing.T) {
	admin := adminURL(t)
	cluster := clusterControl(t)
	ctx := context.Background()

	Convey("Given a store with data and the server stopped under it", t, func() {
		s := open(t, freshDatabase(t, admin), pgstore.WithQueryTimeout(2*time.Second))
		_, err := s.Seed(ctx, account.SeedAccounts(100))
		So(err, ShouldBeNil)
		before, err := s.Create(ctx, "Acknowledged before the outage")
		So(err, ShouldBeNil)

		cluster("stop")
		restarted := false
		defer func() {
			if !restarted {
				cluster("start") // the next tests need the server
			}
		}()

		Convey("reads, creates and the health check fail with ErrUnavailable, within the caller's deadline", func() {
			deadline, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			_, err := s.Get(deadline, "10000")
			So(errors.Is(err, account.ErrUnavailable), ShouldBeTrue)
			_, err = s.Create(deadline, "During the outage")
			So(errors.Is(err, account.ErrUnavailable), ShouldBeTrue)
			So(errors.Is(s.Check(deadline), account.ErrUnavailable), ShouldBeTrue)
			So(deadline.Err(), ShouldBeNil) // answered before the caller gave up

			Convey("and once the server is back the same store serves again, the data intact", func() {
				cluster("start")
				restarted = true
				// Polled every 100 ms for up to 30 s: the pool reconnects on use.
				var got account.Account
				err := errors.New("not tried")
				poll := time.NewTicker(100 * time.Millisecond)
				defer poll.Stop()
				for giveUp := time.Now().Add(30 * time.Second); time.Now().Before(giveUp); <-poll.C {
					if got, err = s.Get(ctx, before.ID); err == nil {
						break
					}
				}
				So(err, ShouldBeNil)
				So(got, ShouldResemble, before)
				after, err := s.Create(ctx, "After the outage")
				So(err, ShouldBeNil)
				So(after.ID, ShouldNotEqual, before.ID)
				So(s.Check(ctx), ShouldBeNil)
			})
		})
	})
}
