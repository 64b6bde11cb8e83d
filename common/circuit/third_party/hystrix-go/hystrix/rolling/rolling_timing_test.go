package rolling

import (
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

func TestOrdinal(t *testing.T) {
	Convey("given a new rolling timing", t, func() {

		r := NewTiming()

		Convey("Mean() should be 0", func() {
			So(r.Mean(), ShouldEqual, 0)
		})

		Convey("and given a set of lengths and percentiles", func() {
			var ordinalTests = []struct {
				length   int
				perc     float64
				expected int64
			}{
				{1, 0, 1},
				{2, 0, 1},
				{2, 50, 1},
				{2, 51, 2},
				{5, 30, 2},
				{5, 40, 2},
				{5, 50, 3},
				{11, 25, 3},
				{11, 50, 6},
				{11, 75, 9},
				{11, 100, 11},
			}

			Convey("each should generate the expected ordinal", func() {

				for _, s := range ordinalTests {
					So(r.ordinal(s.length, s.perc), ShouldEqual, s.expected)
				}
			})
		})

		Convey("after adding 2 timings", func() {
			r.Add(100 * time.Millisecond)
			time.Sleep(2 * time.Second)
			r.Add(200 * time.Millisecond)

			Convey("the mean should be the average of the timings", func() {
				So(r.Mean(), ShouldEqual, 150)
			})
		})

		Convey("after adding many timings", func() {
			durations := []int{1, 1004, 1004, 1004, 1004, 1004, 1004, 1004, 1004, 1004, 1005, 1005, 1005, 1005, 1005, 1005, 1005, 1005, 1005, 1005, 1005, 1005, 1005, 1005, 1006, 1006, 1006, 1006, 1007, 1007, 1007, 1008, 1015}
			for _, d := range durations {
				r.Add(time.Duration(d) * time.Millisecond)
			}

			Convey("calculates correct percentiles", func() {
				So(r.Percentile(0), ShouldEqual, 1)
				So(r.Percentile(75), ShouldEqual, 1006)
				So(r.Percentile(99), ShouldEqual, 1015)
				So(r.Percentile(100), ShouldEqual, 1015)
			})
		})
	})
}

// goblog: a bucket keeps a bounded sample; the mean and the extremes stay exact.
func TestTimingSample(t *testing.T) {
	Convey("given a rolling timing", t, func() {
		r := NewTiming()

		Convey("after 20000 timings in one second, 1% of them slow", func() {
			now := time.Now().Unix()
			for i := 0; i < 20000; i++ {
				d := 2 * time.Millisecond
				if i%100 == 0 {
					d = 1000 * time.Millisecond
				}
				if i == 7 {
					d = 1 * time.Millisecond
				}
				if i == 8 {
					d = 5000 * time.Millisecond
				}
				r.Add(d)
			}
			if time.Now().Unix() != now {
				t.Skip("the timings spread over two seconds: the bound is per second")
			}

			Convey("the second keeps at most SamplesPerBucket of them", func() {
				for _, b := range r.Buckets {
					So(len(b.Durations), ShouldBeLessThanOrEqualTo, SamplesPerBucket)
				}
				So(len(r.SortedDurations()), ShouldBeLessThanOrEqualTo, SamplesPerBucket)
			})
			Convey("the mean counts every timing", func() {
				// (199 * 1000 + 5000 + 1 + 19799 * 2) / 20000 = 12.2 ms
				So(r.Mean(), ShouldEqual, 12)
			})
			Convey("the 0th and 100th percentiles are the exact extremes", func() {
				So(r.Percentile(0), ShouldEqual, 1)
				So(r.Percentile(100), ShouldEqual, 5000)
			})
			Convey("the median comes from the sample", func() {
				So(r.Percentile(50), ShouldEqual, 2)
			})
		})

		Convey("a second older than the window is dropped when a reader sorts, without a new timing", func() {
			r.Add(time.Millisecond)
			for ts := range r.Buckets {
				r.Buckets[ts-61] = r.Buckets[ts]
				delete(r.Buckets, ts)
			}
			So(r.SortedDurations(), ShouldBeEmpty)
			So(r.Buckets, ShouldBeEmpty)
		})
	})
}
