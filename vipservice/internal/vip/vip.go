// Package vip holds the VIP notification: the event accountservice publishes
// when the VIP account is read, its validation, and the counts vipservice keeps.
package vip

import (
	"errors"
	"fmt"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/goblog/common/strictjson"
)

// MaxEventBytes bounds the size of one event message.
const MaxEventBytes = 64 << 10

// ErrMalformed is wrapped by every error of ParseEvent.
var ErrMalformed = errors.New("malformed VIP event")

var accountID = regexp.MustCompile(`^[0-9]{1,19}$`)

// Event is one VIP notification: {"accountId":"10000","readAt":"2024-01-02T15:04:05Z"}.
type Event struct {
	AccountID string    `json:"accountId"`
	ReadAt    time.Time `json:"readAt"`
}

type wireEvent struct {
	AccountID *string `json:"accountId"`
	ReadAt    *string `json:"readAt"`
}

// ParseEvent decodes and validates one event: a single JSON object whose
// accountId is a string of 1-19 digits and whose readAt is an RFC 3339 time,
// decoded by common/strictjson's rule (valid UTF-8, no duplicate names, names
// matched case included, nothing after the object). Unknown fields are
// ignored so producers can add some. Errors wrap ErrMalformed.
func ParseEvent(body []byte) (Event, error) {
	if len(body) > MaxEventBytes {
		return Event{}, fmt.Errorf("%w: %d bytes, at most %d", ErrMalformed, len(body), MaxEventBytes)
	}
	var w wireEvent
	if err := strictjson.Unmarshal(body, &w, strictjson.IgnoreUnknownMembers()); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch {
	case w.AccountID == nil:
		return Event{}, fmt.Errorf("%w: accountId missing", ErrMalformed)
	case !accountID.MatchString(*w.AccountID):
		return Event{}, fmt.Errorf("%w: accountId %q is not 1-19 digits", ErrMalformed, *w.AccountID)
	case w.ReadAt == nil:
		return Event{}, fmt.Errorf("%w: readAt missing", ErrMalformed)
	}
	readAt, err := time.Parse(time.RFC3339, *w.ReadAt)
	if err != nil {
		return Event{}, fmt.Errorf("%w: readAt %q is not an RFC 3339 time", ErrMalformed, *w.ReadAt)
	}
	return Event{AccountID: *w.AccountID, ReadAt: readAt}, nil
}

// Stats counts the events handled. The zero value is ready; it is safe for
// concurrent use.
type Stats struct {
	received atomic.Int64
	rejected atomic.Int64
}

// StatsSnapshot is what GET /vip/stats answers.
type StatsSnapshot struct {
	// Received counts valid VIP events.
	Received int64 `json:"received"`
	// Rejected counts malformed messages.
	Rejected int64 `json:"rejected"`
}

// Received counts one valid event.
func (s *Stats) Received() { s.received.Add(1) }

// Rejected counts one malformed message.
func (s *Stats) Rejected() { s.rejected.Add(1) }

// Snapshot returns the current counts.
func (s *Stats) Snapshot() StatsSnapshot {
	return StatsSnapshot{Received: s.received.Load(), Rejected: s.rejected.Load()}
}
