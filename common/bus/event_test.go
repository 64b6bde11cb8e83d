package bus

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// springRefresh is a RefreshRemoteApplicationEvent as Spring Cloud Bus writes it.
const springRefresh = `{"type":"RefreshRemoteApplicationEvent","timestamp":1700000000123,` +
	`"originService":"configserver:8888:5f3c1a","destinationService":"accountservice:**",` +
	`"id":"0b6f6c1e-4b0a-4d7e-9f57-2a3a2b6a1c11"}`

func TestParseEvent(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		want    Event
		wantErr bool
	}{
		{name: "Spring's refresh event", body: springRefresh, want: Event{
			Type: RefreshEventType, Timestamp: 1700000000123, OriginService: "configserver:8888:5f3c1a",
			DestinationService: "accountservice:**", ID: "0b6f6c1e-4b0a-4d7e-9f57-2a3a2b6a1c11",
		}},
		{name: "unknown fields and surrounding space", body: " \n{\"type\":\"AckRemoteApplicationEvent\",\"ackId\":\"x\",\"event\":\"y\"}\n",
			want: Event{Type: "AckRemoteApplicationEvent"}},
		{name: "only a type", body: `{"type":"RefreshRemoteApplicationEvent"}`, want: Event{Type: RefreshEventType}},
		{name: "timestamp as a float", body: `{"type":"T","timestamp":1.7e12}`, want: Event{Type: "T", Timestamp: 1700000000000}},
		{name: "timestamp as a numeric string", body: `{"type":"T","timestamp":"42"}`, want: Event{Type: "T", Timestamp: 42}},
		{name: "empty body", body: "", wantErr: true},
		{name: "null", body: "null", wantErr: true},
		{name: "array", body: `[{"type":"T"}]`, wantErr: true},
		{name: "string", body: `"RefreshRemoteApplicationEvent"`, wantErr: true},
		{name: "truncated", body: springRefresh[:40], wantErr: true},
		{name: "trailing garbage", body: springRefresh + "x", wantErr: true},
		{name: "missing type", body: `{"destinationService":"**"}`, wantErr: true},
		{name: "empty type", body: `{"type":""}`, wantErr: true},
		{name: "null type", body: `{"type":null}`, wantErr: true},
		{name: "numeric type", body: `{"type":1}`, wantErr: true},
		{name: "destination not a string", body: `{"type":"T","destinationService":5}`, wantErr: true},
		{name: "timestamp not a number", body: `{"type":"T","timestamp":"soon"}`, wantErr: true},
		{name: "timestamp null", body: `{"type":"T","timestamp":null}`, want: Event{Type: "T"}},
		{name: "timestamp an object", body: `{"type":"T","timestamp":{}}`, wantErr: true},
		{name: "duplicate type", body: `{"type":"RefreshRemoteApplicationEvent","type":"AckRemoteApplicationEvent"}`, wantErr: true},
		{name: "duplicate destination", body: `{"type":"T","destinationService":"a:**","destinationService":"**"}`, wantErr: true},
		{name: "type in another case", body: `{"Type":"RefreshRemoteApplicationEvent"}`, wantErr: true},
		{name: "destination in another case", body: `{"type":"T","DestinationService":"**"}`, want: Event{Type: "T"}},
		{name: "invalid UTF-8 in the destination", body: "{\"type\":\"T\",\"destinationService\":\"a\xff:**\"}", wantErr: true},
		{name: "invalid UTF-8 in an unknown field", body: "{\"type\":\"T\",\"x\":\"\xff\"}", wantErr: true},
		{name: "timestamp out of range", body: `{"type":"T","timestamp":1e300}`, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseEvent([]byte(c.body))
			if c.wantErr {
				if err == nil {
					t.Fatalf("ParseEvent(%q) = %+v, want an error", c.body, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEvent(%q): %v", c.body, err)
			}
			if got != c.want {
				t.Fatalf("ParseEvent(%q) = %+v, want %+v", c.body, got, c.want)
			}
		})
	}
}

func FuzzParseEvent(f *testing.F) {
	for _, seed := range []string{
		springRefresh, `{"type":"AckRemoteApplicationEvent"}`, `{}`, `null`, `[]`, `{"type":1}`,
		`{"type":"T","timestamp":-1e19}`, `{"type":"T","timestamp":"9223372036854775808"}`, "\xff\xfe{",
		`{"type":"A","type":"B"}`, `{"TYPE":"T"}`, "{\"type\":\"T\",\"destinationService\":\"\xff\"}",
		`{"type":"T","timestamp":"1e3"}`, `{"type":"T","timestamp":null}`, `{"type":"T"} {}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := ParseEvent(body)
		if err != nil {
			return
		}
		if ev.Type == "" {
			t.Fatalf("ParseEvent(%q) accepted an event without a type", body)
		}
		if !json.Valid(body) || !utf8.Valid(body) {
			t.Fatalf("ParseEvent(%q) accepted invalid JSON", body)
		}
		// Whatever the destination, matching must not panic.
		_ = MatchDestination(ev.DestinationService, "accountservice:dev:6767")
	})
}
