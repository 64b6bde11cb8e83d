package metricCollector

// goblog: the update's one clock read (MetricResult.Time; not upstream's).

import (
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

func TestUpdateTime(t *testing.T) {
	Convey("Given the default collector", t, func() {
		d := newDefaultMetricCollector("update-time").(*DefaultMetricCollector)
		now := time.Now()

		Convey("an update with a Time counts every number in that second", func() {
			then := now.Add(-30 * time.Second)
			d.Update(MetricResult{Attempts: 1, Successes: 1, Time: then})
			So(d.NumRequests().Sum(then), ShouldEqual, 1)
			So(d.Successes().Sum(then), ShouldEqual, 1)
			So(d.NumRequests().Sum(now), ShouldEqual, 0)
		})

		Convey("an update without one counts now", func() {
			d.Update(MetricResult{Attempts: 1, Failures: 1, Errors: 1})
			So(d.NumRequests().Sum(time.Now()), ShouldEqual, 1)
			So(d.Failures().Sum(time.Now()), ShouldEqual, 1)
		})
	})
}
