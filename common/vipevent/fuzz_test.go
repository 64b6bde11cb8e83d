package vipevent

import (
	"errors"
	"testing"
	"time"

	"github.com/goblog/common/accountid"
)

// FuzzDecode: Decode never panics, fails only with ErrMalformed, and what it
// accepts is valid and survives Encode and Decode again (readAt to the second,
// the event id unchanged).
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`))
	f.Add([]byte(`{"accountId":"10000","readAt":"2024-03-01T12:30:00.5+02:00","x":[1,{"y":null}]}`))
	f.Add([]byte(`{"accountId":10000}`))
	f.Add([]byte(`{"accountId":"1","readAt":"2024-02-30T25:00:00Z"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"accountId":"\u0031","readAt":"2024-03-01T12:30:00Z"} `))
	f.Add([]byte(`{"accountId":"1","readAt":"0000-01-01T00:30:00+01:00"}`))
	f.Add([]byte(`{"accountId":"1","accountId":"2","readAt":"2024-03-01T12:30:00Z"}`))
	f.Add([]byte(`{"ACCOUNTID":"1","readAt":"2024-03-01T12:30:00Z"}`))
	f.Add([]byte("{\"accountId\":\"1\",\"readAt\":\"2024-03-01T12:30:00Z\",\"via\":\"\xff\"}"))
	f.Add([]byte(`{"accountId":"1","readAt":"2024-03-01T12:30:00Z","x":{"a":1,"a":2}}`))
	f.Add([]byte(`{"id":"0193a4b2-7c1e-7d2f-8a3b-4c5d6e7f8091","accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`))
	f.Add([]byte(`{"id":"","accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := Decode(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if _, err := accountid.Parse(e.AccountID); err != nil {
			t.Fatalf("accepted an invalid event %+v: %v", e, err)
		}
		again, err := Encode(e)
		if err != nil {
			if y := e.ReadAt.UTC().Year(); y < 0 || y > 9999 {
				return // an offset moved it out of RFC 3339's years
			}
			t.Fatalf("encoding accepted event %+v: %v", e, err)
		}
		back, err := Decode(again)
		if err != nil {
			t.Fatalf("round trip of %s failed: %v", again, err)
		}
		if back.ID != e.ID || back.AccountID != e.AccountID || !back.ReadAt.Equal(e.ReadAt.Truncate(time.Second)) {
			t.Fatalf("round trip changed %+v into %+v", e, back)
		}
	})
}
