package storemetrics_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/memstore"
	"github.com/goblog/accountservice/internal/storemetrics"
	"github.com/goblog/accountservice/internal/storetest"
)

// closable is memstore with the Check and Close main's stores have.
type closable struct{ *memstore.Store }

func (closable) Check(context.Context) error { return nil }
func (closable) Close() error                { return nil }

func wrapped(reg prometheus.Registerer) storemetrics.Store {
	return storemetrics.Wrap(closable{memstore.New()}, "memory", reg)
}

// TestStore: the measured store behaves as the store it wraps.
func TestStore(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: func(*testing.T) account.Store { return wrapped(prometheus.NewRegistry()) },
	})
}

func TestMetrics(t *testing.T) {
	Convey("Given a measured store", t, func() {
		reg := prometheus.NewRegistry()
		s := wrapped(reg)
		ctx := context.Background()

		Convey("every operation is observed under its name, the store kind beside it", func() {
			acc, err := s.Create(ctx, "Ada")
			So(err, ShouldBeNil)
			_, err = s.Get(ctx, acc.ID)
			So(err, ShouldBeNil)
			_, err = s.Get(ctx, "99999999")
			So(err, ShouldNotBeNil) // not found: timed all the same
			So(s.Check(ctx), ShouldBeNil)

			counts := map[string]uint64{}
			mfs, err := reg.Gather()
			So(err, ShouldBeNil)
			for _, mf := range mfs {
				for _, m := range mf.GetMetric() {
					labels := map[string]string{}
					for _, l := range m.GetLabel() {
						labels[l.GetName()] = l.GetValue()
					}
					So(labels["store"], ShouldEqual, "memory")
					counts[labels["operation"]] = m.GetHistogram().GetSampleCount()
				}
			}
			So(counts, ShouldResemble, map[string]uint64{
				"read": 2, "create": 1, "check": 1, "seed": 0,
				"outbox_add": 0, "outbox_claim": 0, "outbox_remove": 0, "outbox_trim": 0,
			})
		})
	})
}
