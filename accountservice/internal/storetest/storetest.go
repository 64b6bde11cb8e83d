// Package storetest is the behaviour every account.Store, and the
// account.Outbox each of them also is, must show. Each implementation runs
// the same suite from its own tests.
package storetest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/account"
)

// Harness opens stores for the suite.
type Harness struct {
	// Open returns a new, empty store; the suite does not close it.
	Open func(t *testing.T) account.Store
	// Reopen closes s and opens the same data again. Nil for stores that
	// do not persist; the persistence specs are skipped then.
	Reopen func(t *testing.T, s account.Store) account.Store
	// OpenShared opens n stores on one new, empty database, all at the same
	// time, as n replicas starting together would. Nil for stores that
	// cannot be shared between processes; the shared-store specs are
	// skipped then.
	OpenShared func(t *testing.T, n int) []account.Store
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	runSingle(t, h)
	runOutbox(t, h)
	if h.OpenShared != nil {
		runShared(t, h)
		runSharedOutbox(t, h)
	}
}

func runSingle(t *testing.T, h Harness) {
	ctx := context.Background()

	Convey("Given an empty store", t, func() {
		s := h.Open(t)

		Convey("an unknown id is ErrNotFound", func() {
			_, err := s.Get(ctx, "10000")
			So(errors.Is(err, account.ErrNotFound), ShouldBeTrue)
		})

		Convey("Create hands out the first id and the account can be read back", func() {
			created, err := s.Create(ctx, "Alice")
			So(err, ShouldBeNil)
			So(created, ShouldResemble, account.Account{ID: "10000", Name: "Alice"})

			got, err := s.Get(ctx, created.ID)
			So(err, ShouldBeNil)
			So(got, ShouldResemble, created)
		})

		Convey("an account created before seeding is not overwritten by the seed", func() {
			early, err := s.Create(ctx, "Early")
			So(err, ShouldBeNil)
			So(early.ID, ShouldEqual, "10000")

			seeded, err := s.Seed(ctx, account.SeedAccounts(3))
			So(err, ShouldBeNil)
			So(seeded, ShouldBeTrue)

			got, _ := s.Get(ctx, "10000")
			So(got.Name, ShouldEqual, "Early")
			got, _ = s.Get(ctx, "10002")
			So(got.Name, ShouldEqual, "Person_2")

			next, err := s.Create(ctx, "Next")
			So(err, ShouldBeNil)
			So(next.ID, ShouldEqual, "10003")
		})

		Convey("concurrent creates get distinct ids", func() {
			const n = 20
			ids := make([]string, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					a, err := s.Create(ctx, "Concurrent_"+strconv.Itoa(i))
					ids[i], errs[i] = a.ID, err
				})
			}
			wg.Wait()
			seen := map[string]bool{}
			for i := range n {
				So(errs[i], ShouldBeNil)
				So(seen[ids[i]], ShouldBeFalse)
				seen[ids[i]] = true
			}
			So(seen, ShouldHaveLength, n)
		})

		Convey("a cancelled context is an error, not a result", func() {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err := s.Get(cctx, "10000")
			So(errors.Is(err, context.Canceled), ShouldBeTrue)
			_, err = s.Create(cctx, "Nobody")
			So(errors.Is(err, context.Canceled), ShouldBeTrue)
		})
	})

	Convey("Given a store seeded with the 100 demo accounts", t, func() {
		s := h.Open(t)
		seeded, err := s.Seed(ctx, account.SeedAccounts(100))
		So(err, ShouldBeNil)
		So(seeded, ShouldBeTrue)

		Convey("ids 10000..10099 are Person_0..Person_99", func() {
			first, err := s.Get(ctx, "10000")
			So(err, ShouldBeNil)
			So(first.Name, ShouldEqual, "Person_0")
			last, err := s.Get(ctx, "10099")
			So(err, ShouldBeNil)
			So(last.Name, ShouldEqual, "Person_99")
			_, err = s.Get(ctx, "10100")
			So(errors.Is(err, account.ErrNotFound), ShouldBeTrue)
		})

		Convey("Create continues after the seeded ids", func() {
			a, err := s.Create(ctx, "Zed")
			So(err, ShouldBeNil)
			So(a.ID, ShouldEqual, "10100")
		})

		Convey("seeding again changes nothing", func() {
			again, err := s.Seed(ctx, []account.Account{{ID: "10000", Name: "Changed"}, {ID: "20000", Name: "New"}})
			So(err, ShouldBeNil)
			So(again, ShouldBeFalse)
			got, _ := s.Get(ctx, "10000")
			So(got.Name, ShouldEqual, "Person_0")
			_, err = s.Get(ctx, "20000")
			So(errors.Is(err, account.ErrNotFound), ShouldBeTrue)
		})

		if h.Reopen != nil {
			Convey("after a reopen, created accounts remain and the seed is not applied again", func() {
				created, err := s.Create(ctx, "Survivor")
				So(err, ShouldBeNil)

				s = h.Reopen(t, s)
				again, err := s.Seed(ctx, []account.Account{{ID: created.ID, Name: "Overwritten"}})
				So(err, ShouldBeNil)
				So(again, ShouldBeFalse)

				got, err := s.Get(ctx, created.ID)
				So(err, ShouldBeNil)
				So(got.Name, ShouldEqual, "Survivor")

				next, err := s.Create(ctx, "After")
				So(err, ShouldBeNil)
				So(next.ID, ShouldNotEqual, created.ID)
				So(next.ID, ShouldEqual, "10101")
			})
		}
	})
}

// runShared holds what only a store shared by several replicas can get
// wrong: ids handed out twice, writes one replica cannot see, a seed applied
// by each replica.
func runShared(t *testing.T, h Harness) {
	ctx := context.Background()

	Convey("Given three stores opened at once on one fresh database", t, func() {
		stores := h.OpenShared(t, 3)
		So(stores, ShouldHaveLength, 3)

		Convey("seeding through all three at once seeds once, and each sees the seed", func() {
			seeded := make([]bool, len(stores))
			errs := make([]error, len(stores))
			var wg sync.WaitGroup
			for i, s := range stores {
				wg.Go(func() { seeded[i], errs[i] = s.Seed(ctx, account.SeedAccounts(100)) })
			}
			wg.Wait()
			times := 0
			for i := range stores {
				So(errs[i], ShouldBeNil)
				if seeded[i] {
					times++
				}
			}
			So(times, ShouldEqual, 1)
			for _, s := range stores {
				got, err := s.Get(ctx, "10099")
				So(err, ShouldBeNil)
				So(got.Name, ShouldEqual, "Person_99")
			}

			Convey("and the next account, whichever store creates it, is 10100", func() {
				a, err := stores[2].Create(ctx, "First after the seed")
				So(err, ShouldBeNil)
				So(a.ID, ShouldEqual, "10100")
			})
		})

		Convey("an account created through one is read through the others", func() {
			created, err := stores[0].Create(ctx, "Shared")
			So(err, ShouldBeNil)
			for _, s := range stores[1:] {
				got, err := s.Get(ctx, created.ID)
				So(err, ShouldBeNil)
				So(got, ShouldResemble, created)
			}
		})

		Convey("two stores creating accounts concurrently hand out distinct ids, each readable through the other", func() {
			const perStore = 25
			a, b := stores[0], stores[1]
			created := make([]account.Account, 2*perStore)
			errs := make([]error, 2*perStore)
			var wg sync.WaitGroup
			for i := range created {
				s := a
				if i%2 == 1 {
					s = b
				}
				wg.Go(func() { created[i], errs[i] = s.Create(ctx, "Replica_"+strconv.Itoa(i)) })
			}
			wg.Wait()
			seen := map[string]bool{}
			for i, c := range created {
				So(errs[i], ShouldBeNil)
				So(seen[c.ID], ShouldBeFalse)
				seen[c.ID] = true
				other := b
				if i%2 == 1 {
					other = a
				}
				got, err := other.Get(ctx, c.ID)
				So(err, ShouldBeNil)
				So(got.Name, ShouldEqual, "Replica_"+strconv.Itoa(i))
			}
			So(seen, ShouldHaveLength, 2*perStore)
		})
	})
}
