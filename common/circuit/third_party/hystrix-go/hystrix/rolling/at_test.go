package rolling

// goblog: tests of the updates at a given time (not upstream's).

import (
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

func TestUpdatesAtAGivenTime(t *testing.T) {
	Convey("Given a time 30 seconds ago", t, func() {
		now := time.Now()
		then := now.Add(-30 * time.Second)

		Convey("IncrementAt and UpdateMaxAt count in its second, outside the 10 s window of now", func() {
			n := NewNumber()
			n.IncrementAt(2, then)
			So(n.Buckets, ShouldContainKey, then.Unix())
			So(n.Sum(then), ShouldEqual, 2)
			So(n.Sum(now), ShouldEqual, 0)

			m := NewNumber()
			m.UpdateMaxAt(7, then)
			So(m.Max(then), ShouldEqual, 7)
			So(m.Max(now), ShouldEqual, 0)
		})

		Convey("IncrementAt of 0 makes no bucket, as Increment", func() {
			n := NewNumber()
			n.IncrementAt(0, then)
			So(n.Buckets, ShouldBeEmpty)
		})

		Convey("AddAt records in its second", func() {
			r := NewTiming()
			r.AddAt(time.Second, then)
			So(r.Buckets, ShouldContainKey, then.Unix())
		})
	})
}
