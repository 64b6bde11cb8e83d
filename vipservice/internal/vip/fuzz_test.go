package vip

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParseVIPEvent: ParseEvent never panics, fails only with ErrMalformed,
// and what it accepts is valid and survives a JSON round trip.
func FuzzParseVIPEvent(f *testing.F) {
	f.Add([]byte(`{"accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`))
	f.Add([]byte(`{"accountId":"10000","readAt":"2024-03-01T12:30:00.5+02:00","x":[1,{"y":null}]}`))
	f.Add([]byte(`{"accountId":10000}`))
	f.Add([]byte(`{"accountId":"1","readAt":"2024-02-30T25:00:00Z"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"accountId":"\u0031","readAt":"2024-03-01T12:30:00Z"} `))
	f.Add([]byte(`{"accountId":"1","accountId":"2","readAt":"2024-03-01T12:30:00Z"}`))
	f.Add([]byte(`{"ACCOUNTID":"1","readAt":"2024-03-01T12:30:00Z"}`))
	f.Add([]byte("{\"accountId\":\"1\",\"readAt\":\"2024-03-01T12:30:00Z\",\"via\":\"\xff\"}"))
	f.Add([]byte(`{"accountId":"1","readAt":"2024-03-01T12:30:00Z","x":{"a":1,"a":2}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := ParseEvent(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !accountID.MatchString(e.AccountID) {
			t.Fatalf("accepted an invalid event %+v", e)
		}
		again, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("marshalling accepted event %+v: %v", e, err)
		}
		back, err := ParseEvent(again)
		if err != nil {
			t.Fatalf("round trip of %s failed: %v", again, err)
		}
		if back.AccountID != e.AccountID || !back.ReadAt.Equal(e.ReadAt) {
			t.Fatalf("round trip changed %+v into %+v", e, back)
		}
	})
}
