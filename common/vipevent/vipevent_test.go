package vipevent

import (
	"errors"
	"strings"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

func TestEncode(t *testing.T) {
	Convey("Given a read of the VIP account", t, func() {
		at := time.Date(2024, 3, 1, 14, 30, 0, 123456789, time.FixedZone("CEST", 2*3600))

		Convey("the body is the JSON accountservice has always published: UTC, whole seconds", func() {
			body, err := Encode(Event{AccountID: "10000", ReadAt: at})
			So(err, ShouldBeNil)
			So(string(body), ShouldEqual, `{"accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`)
		})
		Convey("and Decode reads it back", func() {
			body, _ := Encode(Event{AccountID: "10000", ReadAt: at})
			e, err := Decode(body)
			So(err, ShouldBeNil)
			So(e.AccountID, ShouldEqual, "10000")
			So(e.ReadAt.Equal(at.Truncate(time.Second)), ShouldBeTrue)
		})
		Convey("an event id travels as id, and Decode reads it back", func() {
			body, err := Encode(Event{ID: "0193a4b2-7c1e-7d2f-8a3b-4c5d6e7f8091", AccountID: "10000", ReadAt: at})
			So(err, ShouldBeNil)
			So(string(body), ShouldEqual, `{"id":"0193a4b2-7c1e-7d2f-8a3b-4c5d6e7f8091","accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`)
			e, err := Decode(body)
			So(err, ShouldBeNil)
			So(e.ID, ShouldEqual, "0193a4b2-7c1e-7d2f-8a3b-4c5d6e7f8091")
		})
		Convey("an event id longer than MaxIDBytes is refused", func() {
			_, err := Encode(Event{ID: strings.Repeat("x", MaxIDBytes+1), AccountID: "10000", ReadAt: at})
			So(err, ShouldNotBeNil)
		})
		Convey("an account id that is not one is refused", func() {
			for _, id := range []string{"", "010000", "VIP"} {
				_, err := Encode(Event{AccountID: id, ReadAt: at})
				So(err, ShouldNotBeNil)
			}
		})
		Convey("a time RFC 3339 cannot write is refused", func() {
			_, err := Encode(Event{AccountID: "10000", ReadAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
			So(err, ShouldNotBeNil)
		})
	})
}

func TestDecode(t *testing.T) {
	Convey("Given a VIP message body", t, func() {
		Convey("a valid event parses with its account and time", func() {
			e, err := Decode([]byte(`{"accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`))
			So(err, ShouldBeNil)
			So(e.AccountID, ShouldEqual, "10000")
			So(e.ReadAt.Equal(time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)), ShouldBeTrue)
		})
		Convey("fractional seconds, offsets and unknown fields are accepted", func() {
			e, err := Decode([]byte(`{"readAt":"2024-03-01T14:30:00.123456+02:00","accountId":"7","via":"edge"}`))
			So(err, ShouldBeNil)
			So(e.ReadAt.UTC().Hour(), ShouldEqual, 12)
		})
		Convey("a message of an older producer, without id, is accepted with ID empty", func() {
			e, err := Decode([]byte(`{"accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`))
			So(err, ShouldBeNil)
			So(e.ID, ShouldEqual, "")
		})
		Convey("the largest account id is accepted", func() {
			_, err := Decode([]byte(`{"accountId":"18446744073709551615","readAt":"2024-03-01T12:30:00Z"}`))
			So(err, ShouldBeNil)
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
			{"leading zero in accountId", `{"accountId":"010000","readAt":"2024-03-01T12:30:00Z"}`},
			{"accountId beyond uint64", `{"accountId":"18446744073709551616","readAt":"2024-03-01T12:30:00Z"}`},
			{"empty id", `{"id":"","accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`},
			{"numeric id", `{"id":7,"accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`},
			{"an id beyond MaxIDBytes", `{"id":"` + strings.Repeat("x", MaxIDBytes+1) + `","accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`},
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
			{"huge", `{"accountId":"1","readAt":"2024-03-01T12:30:00Z","pad":"` + strings.Repeat("x", MaxBytes) + `"}`},
		}
		for _, c := range cases {
			Convey("a message with "+c.name+" is malformed", func() {
				_, err := Decode([]byte(c.body))
				So(errors.Is(err, ErrMalformed), ShouldBeTrue)
			})
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	body := []byte(`{"accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}
