// Package storetest is the behaviour every account.Store must show. Each
// implementation runs the same suite from its own tests.
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
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
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
