// Package bus consumes Spring Cloud Bus events: the config server announces
// on the topic exchange springCloudBus that configuration changed
// (RefreshRemoteApplicationEvent), and every service whose id matches the
// event's destination pattern reloads its configuration.
package bus

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/goblog/common/strictjson"
)

// RefreshEventType is the type of the event that asks services to reload their configuration.
const RefreshEventType = "RefreshRemoteApplicationEvent"

// DefaultExchange is the exchange Spring Cloud Bus publishes on (config_event_bus).
const DefaultExchange = "springCloudBus"

// Event is a Spring Cloud Bus RemoteApplicationEvent as serialized on the bus:
// {"type":"RefreshRemoteApplicationEvent","timestamp":1700000000000,
// "originService":"configserver:8888:…","destinationService":"accountservice:**","id":"…"}.
type Event struct {
	Type               string `json:"type"`
	OriginService      string `json:"originService"`
	DestinationService string `json:"destinationService"`
	ID                 string `json:"id"`
	Timestamp          int64  `json:"timestamp"` // epoch milliseconds
}

// IsRefresh reports whether the event asks for a configuration reload.
func (e Event) IsRefresh() bool { return e.Type == RefreshEventType }

// wireEvent accepts what Jackson may write: the timestamp as any JSON number,
// or as a string holding one.
type wireEvent struct {
	Type               *string        `json:"type"`
	OriginService      string         `json:"originService"`
	DestinationService string         `json:"destinationService"`
	ID                 string         `json:"id"`
	Timestamp          jsontext.Value `json:"timestamp"`
}

// ParseEvent decodes one bus message. The body must be a JSON object with a
// non-empty string "type"; events of types other than RefreshEventType are
// returned, not errors (the bus also carries AckRemoteApplicationEvent and
// others). The body is decoded by common/strictjson's rule (valid UTF-8, no
// duplicate names, names matched case included, nothing after the object);
// unknown fields are ignored, as Spring Cloud Bus adds some between versions.
func ParseEvent(body []byte) (Event, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return Event{}, errors.New("bus event: not a JSON object")
	}
	var w wireEvent
	if err := strictjson.Unmarshal(trimmed, &w, strictjson.IgnoreUnknownMembers()); err != nil {
		return Event{}, fmt.Errorf("bus event: invalid JSON: %w", err)
	}
	if w.Type == nil || *w.Type == "" {
		return Event{}, errors.New(`bus event: missing "type"`)
	}
	ev := Event{Type: *w.Type, OriginService: w.OriginService, DestinationService: w.DestinationService, ID: w.ID}
	if len(w.Timestamp) > 0 && w.Timestamp.Kind() != 'n' {
		ts, err := parseTimestamp(w.Timestamp)
		if err != nil {
			return Event{}, fmt.Errorf("bus event: invalid timestamp %s: %w", w.Timestamp, err)
		}
		ev.Timestamp = ts
	}
	return ev, nil
}

// parseTimestamp reads a JSON number, or a JSON string holding one, as epoch
// milliseconds.
func parseTimestamp(v jsontext.Value) (int64, error) {
	n := string(v)
	switch v.Kind() {
	case '0':
	case '"':
		unquoted, err := jsontext.AppendUnquote(nil, v)
		if err != nil {
			return 0, err
		}
		n = string(unquoted)
	default:
		return 0, errors.New("not a number")
	}
	if i, err := strconv.ParseInt(n, 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(f) || f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, errors.New("out of range")
	}
	return int64(f), nil
}

// ServiceID returns the bus id of a service instance, "app:profile:port",
// which destination patterns are matched against.
func ServiceID(app, profile string, port int) string {
	return fmt.Sprintf("%s:%s:%d", app, profile, port)
}
