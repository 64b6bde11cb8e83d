package vip

import (
	"strconv"
	"sync"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

func TestSeenIDs(t *testing.T) {
	Convey("Given a window of 3 ids", t, func() {
		s := NewSeenIDs(3)

		Convey("an id is new once, then seen", func() {
			So(s.FirstTime("a"), ShouldBeTrue)
			So(s.FirstTime("a"), ShouldBeFalse)
			So(s.FirstTime("b"), ShouldBeTrue)
		})

		Convey("the oldest id is forgotten when a fourth comes; the others are still seen", func() {
			for _, id := range []string{"a", "b", "c", "d"} {
				So(s.FirstTime(id), ShouldBeTrue)
			}
			So(s.FirstTime("b"), ShouldBeFalse)
			So(s.FirstTime("c"), ShouldBeFalse)
			So(s.FirstTime("d"), ShouldBeFalse)
			So(s.FirstTime("a"), ShouldBeTrue) // out of the window: counted again
		})
	})

	Convey("Concurrent deliveries of the same ids count each once", t, func() {
		s := NewSeenIDs(100)
		var mu sync.Mutex
		firsts := 0
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for i := range 50 {
					if s.FirstTime(strconv.Itoa(i)) {
						mu.Lock()
						firsts++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		So(firsts, ShouldEqual, 50)
	})
}
