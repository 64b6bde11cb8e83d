package vip

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

func TestParseEvent(t *testing.T) {
	Convey("Given a VIP message body", t, func() {
		Convey("a valid event parses with its account and time", func() {
			e, err := ParseEvent([]byte(`{"accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`))
			So(err, ShouldBeNil)
			So(e.AccountID, ShouldEqual, "10000")
			So(e.ReadAt.Equal(time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)), ShouldBeTrue)
		})
		Convey("fractional seconds, offsets and unknown fields are accepted", func() {
			e, err := ParseEvent([]byte(`{"readAt":"2024-03-01T14:30:00.123456+02:00","accountId":"7","via":"edge"}`))
			So(err, ShouldBeNil)
			So(e.ReadAt.UTC().Hour(), ShouldEqual, 12)
		})
		cases := []struct{ name, body string }{
			{"empty", ``},
			{"not JSON", `hello`},
			{"truncated JSON", `{"accountId":"10000","readAt":"2024-03-01T12:30:00Z"`},
			{"an array", `[1,2]`},
			{"two objects", `{"accountId":"1","readAt":"2024-03-01T12:30:00Z"}{}`},
			{"no accountId", `{"readAt":"2024-03-01T12:30:00Z"}`},
			{"numeric accountId", `{"accountId":10000,"readAt":"2024-03-01T12:30:00Z"}`},
			{"empty accountId", `{"accountId":"","readAt":"2024-03-01T12:30:00Z"}`},
			{"letters in accountId", `{"accountId":"10a00","readAt":"2024-03-01T12:30:00Z"}`},
			{"negative accountId", `{"accountId":"-1","readAt":"2024-03-01T12:30:00Z"}`},
			{"20-digit accountId", `{"accountId":"12345678901234567890","readAt":"2024-03-01T12:30:00Z"}`},
			{"no readAt", `{"accountId":"10000"}`},
			{"null readAt", `{"accountId":"10000","readAt":null}`},
			{"date only", `{"accountId":"10000","readAt":"2024-03-01"}`},
			{"no zone", `{"accountId":"10000","readAt":"2024-03-01T12:30:00"}`},
			{"unix time", `{"accountId":"10000","readAt":1709296200}`},
			{"duplicate accountId", `{"accountId":"1","accountId":"2","readAt":"2024-03-01T12:30:00Z"}`},
			{"duplicate readAt", `{"accountId":"1","readAt":"2024-03-01T12:30:00Z","readAt":"2025-03-01T12:30:00Z"}`},
			{"duplicate in an unknown field", `{"accountId":"1","readAt":"2024-03-01T12:30:00Z","x":{"a":1,"a":2}}`},
			{"accountId in another case", `{"AccountId":"1","readAt":"2024-03-01T12:30:00Z"}`},
			{"invalid UTF-8 in an unknown field", "{\"accountId\":\"1\",\"readAt\":\"2024-03-01T12:30:00Z\",\"via\":\"\xff\"}"},
			{"huge", `{"accountId":"1","readAt":"2024-03-01T12:30:00Z","pad":"` + strings.Repeat("x", MaxEventBytes) + `"}`},
		}
		for _, c := range cases {
			Convey("a message with "+c.name+" is malformed", func() {
				_, err := ParseEvent([]byte(c.body))
				So(errors.Is(err, ErrMalformed), ShouldBeTrue)
			})
		}
	})
}

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
	})
}

func BenchmarkParseEvent(b *testing.B) {
	body := []byte(`{"accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseEvent(body); err != nil {
			b.Fatal(err)
		}
	}
}
