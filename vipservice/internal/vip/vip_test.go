package vip

import (
	"sync"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

func TestStats(t *testing.T) {
	Convey("Given stats counted from many goroutines", t, func() {
		var s Stats
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 100 {
					s.Received()
				}
				s.Rejected()
			})
		}
		wg.Wait()
		So(s.Snapshot(), ShouldResemble, StatsSnapshot{Received: 800, Rejected: 8})

		Convey("every message handled counts once, duplicates too", func() {
			s.Duplicate()
			So(s.Handled(), ShouldEqual, 809)
		})
	})
}
