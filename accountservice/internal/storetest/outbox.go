package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/account"
)

// lease is long enough never to end during a spec that does not wait for it.
const lease = time.Hour

// notifications returns n notifications of the VIP account, oldest first,
// read a second apart from readAt on; every other one was read in a trace.
func notifications(n int, readAt time.Time) []account.Notification {
	out := make([]account.Notification, n)
	for i := range out {
		out[i] = account.Notification{
			ID:        uuid.Must(uuid.NewV7()).String(),
			AccountID: account.VIPID,
			ReadAt:    readAt.Add(time.Duration(i) * time.Second),
		}
		if i%2 == 0 {
			out[i].Trace = fmt.Sprintf("4bf92f3577b34da6a3ce929d0e0e%04x-00f067aa0ba902b7-1", i)
		}
	}
	return out
}

func outboxOf(s account.Store) account.Outbox {
	o, ok := s.(account.Outbox)
	So(ok, ShouldBeTrue) // every store keeps the VIP outbox
	return o
}

func ids(ns []account.Notification) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

// sameNotifications compares what a store returned with what was added:
// ids and account ids exactly, times as instants (a database may hand them
// back in another zone, or with microseconds only).
func sameNotifications(got, want []account.Notification) {
	So(ids(got), ShouldResemble, ids(want))
	for i := range got {
		So(got[i].AccountID, ShouldEqual, want[i].AccountID)
		So(got[i].ReadAt, ShouldHappenWithin, time.Microsecond, want[i].ReadAt)
		So(got[i].Trace, ShouldEqual, want[i].Trace) // the publish joins the read's trace
	}
}

func runOutbox(t *testing.T, h Harness) {
	ctx := context.Background()
	readAt := time.Date(2026, 11, 30, 11, 0, 0, 0, time.UTC)

	Convey("Given an empty outbox", t, func() {
		o := outboxOf(h.Open(t))

		Convey("nothing is pending", func() {
			got, err := o.Claim(ctx, "relay-a", 10, lease)
			So(err, ShouldBeNil)
			So(got, ShouldBeEmpty)
		})

		Convey("added notifications are claimed oldest first, at most limit at a time", func() {
			added := notifications(5, readAt)
			for _, n := range []int{3, 0, 4, 1, 2} { // the order of adding does not matter
				So(o.Add(ctx, added[n]), ShouldBeNil)
			}
			got, err := o.Claim(ctx, "relay-a", 3, lease)
			So(err, ShouldBeNil)
			sameNotifications(got, added[:3])

			Convey("a second relay skips what the first one leased", func() {
				got, err := o.Claim(ctx, "relay-b", 10, lease)
				So(err, ShouldBeNil)
				sameNotifications(got, added[3:])
			})

			Convey("the same relay gets its leased ones again (a retry)", func() {
				got, err := o.Claim(ctx, "relay-a", 10, lease)
				So(err, ShouldBeNil)
				sameNotifications(got, added)
			})

			Convey("removed ones are gone, unknown ids are ignored", func() {
				So(o.Remove(ctx, added[0].ID, added[2].ID, uuid.Must(uuid.NewV7()).String()), ShouldBeNil)
				got, err := o.Claim(ctx, "relay-a", 10, lease)
				So(err, ShouldBeNil)
				sameNotifications(got, []account.Notification{added[1], added[3], added[4]})
			})
		})

		Convey("adding the same id twice keeps one", func() {
			n := notifications(1, readAt)[0]
			So(o.Add(ctx, n), ShouldBeNil)
			So(o.Add(ctx, n), ShouldBeNil)
			got, err := o.Claim(ctx, "relay-a", 10, lease)
			So(err, ShouldBeNil)
			So(got, ShouldHaveLength, 1)
		})

		Convey("a lease that ends frees the notification for another relay", func() {
			n := notifications(1, readAt)[0]
			So(o.Add(ctx, n), ShouldBeNil)
			got, err := o.Claim(ctx, "crashed-relay", 10, time.Millisecond)
			So(err, ShouldBeNil)
			So(got, ShouldHaveLength, 1)
			got = nil
			deadline := time.Now().Add(10 * time.Second)
			for len(got) == 0 && time.Now().Before(deadline) { // until the lease ends
				got, err = o.Claim(ctx, "relay-b", 10, lease)
				So(err, ShouldBeNil)
			}
			So(ids(got), ShouldResemble, []string{n.ID})
		})

		Convey("Trim deletes what is too old, then the oldest beyond the cap, and counts each", func() {
			added := notifications(6, readAt) // read at +0s … +5s
			for _, n := range added {
				So(o.Add(ctx, n), ShouldBeNil)
			}
			trimmed, err := o.Trim(ctx, 3, readAt.Add(2*time.Second)) // +0s and +1s are too old
			So(err, ShouldBeNil)
			So(trimmed, ShouldResemble, account.Trimmed{TooOld: 2, OverCap: 1})
			got, err := o.Claim(ctx, "relay-a", 10, lease)
			So(err, ShouldBeNil)
			sameNotifications(got, added[3:])

			Convey("and a second Trim finds nothing to do", func() {
				trimmed, err := o.Trim(ctx, 3, readAt.Add(2*time.Second))
				So(err, ShouldBeNil)
				So(trimmed, ShouldResemble, account.Trimmed{})
			})
		})

		Convey("a cancelled context is an error", func() {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			So(errors.Is(o.Add(cctx, notifications(1, readAt)[0]), context.Canceled), ShouldBeTrue)
			_, err := o.Claim(cctx, "relay-a", 1, lease)
			So(errors.Is(err, context.Canceled), ShouldBeTrue)
		})
	})

	if h.Reopen != nil {
		Convey("Given a notification in the outbox, after a reopen (a crash of accountservice)", t, func() {
			s := h.Open(t)
			n := notifications(1, readAt)[0]
			So(outboxOf(s).Add(ctx, n), ShouldBeNil)
			_, err := outboxOf(s).Claim(ctx, "crashed-relay", 10, time.Millisecond) // it was being published
			So(err, ShouldBeNil)
			s = h.Reopen(t, s)

			Convey("it is still pending", func() {
				o := outboxOf(s)
				var got []account.Notification
				deadline := time.Now().Add(10 * time.Second)
				for len(got) == 0 && time.Now().Before(deadline) { // until the lease ends
					got, err = o.Claim(ctx, "new-relay", 10, lease)
					So(err, ShouldBeNil)
				}
				sameNotifications(got, []account.Notification{n})
			})
		})
	}
}

// runSharedOutbox holds what only a shared outbox can get wrong: two
// replicas' relays publishing the same notification.
func runSharedOutbox(t *testing.T, h Harness) {
	ctx := context.Background()
	Convey("Given two stores on one database and 40 pending notifications", t, func() {
		stores := h.OpenShared(t, 2)
		added := notifications(40, time.Now())
		for _, n := range added {
			So(outboxOf(stores[0]).Add(ctx, n), ShouldBeNil)
		}

		Convey("two relays claiming at the same time never get the same notification", func() {
			claimed := make([][]account.Notification, 2)
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i, s := range stores {
				owner, o := []string{"relay-a", "relay-b"}[i], outboxOf(s)
				wg.Go(func() {
					for {
						got, err := o.Claim(ctx, owner+"-"+uuid.NewString(), 3, lease)
						if err != nil || len(got) == 0 {
							errs[i] = err
							return
						}
						claimed[i] = append(claimed[i], got...)
					}
				})
			}
			wg.Wait()
			So(errs[0], ShouldBeNil)
			So(errs[1], ShouldBeNil)
			seen := map[string]bool{}
			for _, c := range claimed {
				for _, n := range c {
					So(seen[n.ID], ShouldBeFalse)
					seen[n.ID] = true
				}
			}
			So(seen, ShouldHaveLength, len(added))
		})
	})
}
