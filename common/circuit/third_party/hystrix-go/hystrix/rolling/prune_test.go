package rolling

// goblog: tests of the once-a-second pruning and the Timing's one lock (not upstream's).

import (
	"sync"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

func TestPruneOnceASecond(t *testing.T) {
	Convey("Given a rolling number holding a second past its 10 s window", t, func() {
		n := NewNumber()
		n.Increment(1)
		now := time.Now().Unix()
		n.Buckets[now-11] = &numberBucket{Value: 1}
		n.pruned = now

		Convey("an update in the same second leaves it (nothing can have aged since the last pruning)", func() {
			n.pruned = time.Now().Unix()
			n.Increment(1)
			if n.pruned == time.Now().Unix() { // the second did not turn meanwhile
				So(n.Buckets, ShouldContainKey, now-11)
			}
		})
		Convey("the first update of a later second drops it", func() {
			n.pruned = 0 // as if the last pruning was long ago
			n.UpdateMax(5)
			So(n.Buckets, ShouldNotContainKey, now-11)
		})
	})

	Convey("Given a timing holding a second past its 60 s window", t, func() {
		r := NewTiming()
		now := time.Now().Unix()
		old := &timingBucket{}
		old.add(time.Second)
		r.Buckets[now-61] = old

		Convey("the first Add of a later second drops it", func() {
			r.pruned = 0
			r.Add(2 * time.Millisecond)
			So(r.Buckets, ShouldNotContainKey, now-61)
			So(r.Percentile(100), ShouldEqual, 2)
		})
	})

	Convey("Timings added at once from many goroutines are all counted", t, func() {
		r := NewTiming()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 500 {
					r.Add(time.Millisecond)
				}
			})
		}
		wg.Wait()
		count, _, _, _ := r.window()
		So(count, ShouldEqual, 4000)
	})
}
