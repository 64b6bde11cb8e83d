package aggregate

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestStore(t *testing.T) {
	Convey("Given a store with two hosts reporting one command", t, func() {
		clock := &fakeClock{t: time.Unix(1000, 0)}
		s := NewStore(10*time.Second, clock.Now)
		cmd := func(n string) Event {
			return decode(t, `{"type":"HystrixCommand","name":"quotes-service","rollingCountSuccess":`+n+`}`)
		}
		So(s.Put("accountservice", "10.0.0.1:8181", cmd("1")), ShouldBeTrue)
		So(s.Put("accountservice", "10.0.0.2:8181", cmd("2")), ShouldBeTrue)

		Convey("Then the merge covers both hosts", func() {
			m := s.Merged("accountservice")
			So(m, ShouldHaveLength, 1)
			So(m[0]["reportingHosts"], ShouldEqual, json.Number("2"))
			So(m[0]["rollingCountSuccess"], ShouldEqual, json.Number("3"))
		})

		Convey("When a host sends a newer event, only its latest one counts", func() {
			s.Put("accountservice", "10.0.0.1:8181", cmd("5"))
			So(s.Merged("accountservice")[0]["rollingCountSuccess"], ShouldEqual, json.Number("7"))
		})

		Convey("When one host goes quiet past staleAfter, its data is dropped", func() {
			clock.Advance(6 * time.Second)
			s.Put("accountservice", "10.0.0.2:8181", cmd("2"))
			clock.Advance(6 * time.Second)
			m := s.Merged("accountservice")
			So(m, ShouldHaveLength, 1)
			So(m[0]["reportingHosts"], ShouldEqual, json.Number("1"))
			So(m[0]["rollingCountSuccess"], ShouldEqual, json.Number("2"))

			Convey("And when every host is quiet, the command disappears", func() {
				clock.Advance(11 * time.Second)
				So(s.Merged("accountservice"), ShouldBeEmpty)
			})
		})

		Convey("When a host is dropped, it no longer counts", func() {
			s.DropHost("accountservice", "10.0.0.1:8181")
			m := s.Merged("accountservice")
			So(m[0]["reportingHosts"], ShouldEqual, json.Number("1"))
			So(m[0]["rollingCountSuccess"], ShouldEqual, json.Number("2"))
		})

		Convey("When another cluster reports, merging one cluster ignores it and merging both sums by host", func() {
			s.Put("other", "10.0.0.9:8181", cmd("10"))
			s.Put("other", "10.0.0.1:8181", cmd("1")) // the same host listed in both clusters counts once
			So(s.Merged("accountservice")[0]["reportingHosts"], ShouldEqual, json.Number("2"))
			m := s.Merged("accountservice", "other")
			So(m[0]["reportingHosts"], ShouldEqual, json.Number("3"))
			So(m[0]["rollingCountSuccess"], ShouldEqual, json.Number("13"))
		})

		Convey("When events of several commands and pools arrive, they come out sorted by type and name", func() {
			s.Put("accountservice", "10.0.0.1:8181", decode(t, `{"type":"HystrixThreadPool","name":"imageservice"}`))
			s.Put("accountservice", "10.0.0.1:8181", decode(t, `{"type":"HystrixCommand","name":"imageservice"}`))
			m := s.Merged("accountservice")
			So(m, ShouldHaveLength, 3)
			So([]any{m[0]["name"], m[1]["name"], m[2]["type"]}, ShouldResemble, []any{"imageservice", "quotes-service", "HystrixThreadPool"})
		})

		Convey("When an event has no type or name, it is refused", func() {
			So(s.Put("accountservice", "10.0.0.1:8181", decode(t, `{"name":"x"}`)), ShouldBeFalse)
			So(s.Put("accountservice", "10.0.0.1:8181", decode(t, `{"type":"HystrixCommand","name":""}`)), ShouldBeFalse)
			So(s.Merged("accountservice"), ShouldHaveLength, 1)
		})
	})
}
