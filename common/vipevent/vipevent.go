// Package vipevent is the one definition of the VIP event: the message
// accountservice publishes on vip_queue when the VIP account is read, and
// vipservice consumes. Both sides go through Encode and Decode, so the wire
// form is written down here only.
//
// On the wire, one JSON object:
// {"id":"0193…","accountId":"10000","readAt":"2024-03-01T12:30:00Z"};
// id is the event id consumers deduplicate on (optional: producers before
// issue 9 sent none), accountId is an account id (common/accountid) as a
// string, readAt an RFC 3339 time.
package vipevent

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/goblog/common/accountid"
	"github.com/goblog/common/strictjson"
)

// MaxBytes bounds the size of one event message.
const MaxBytes = 64 << 10

// ErrMalformed is wrapped by every error of Decode.
var ErrMalformed = errors.New("malformed VIP event")

// MaxIDBytes bounds the length of an event id.
const MaxIDBytes = 128

// Event is one read of the VIP account.
type Event struct {
	// ID names this read: a producer that publishes it again (at-least-once
	// delivery) sends the same ID. Empty in messages of older producers.
	ID        string
	AccountID string    // an account id (common/accountid)
	ReadAt    time.Time // when accountservice read it
}

// wire is the JSON form of an Event; Decode reads it through pointers to
// tell a missing field from an empty one.
type wire struct {
	ID        *string `json:"id,omitempty"`
	AccountID *string `json:"accountId"`
	ReadAt    *string `json:"readAt"`
}

// Encode returns the message body of e, readAt in UTC and whole seconds
// (time.RFC3339), id left out when empty. An ID longer than MaxIDBytes, an
// AccountID that is not an account id, or a ReadAt whose
// UTC year is outside 0-9999 (RFC 3339 has four digits), is an error.
func Encode(e Event) ([]byte, error) {
	if _, err := accountid.Parse(e.AccountID); err != nil {
		return nil, fmt.Errorf("encoding VIP event: %w", err)
	}
	if len(e.ID) > MaxIDBytes {
		return nil, fmt.Errorf("encoding VIP event: id is %d bytes, at most %d", len(e.ID), MaxIDBytes)
	}
	readAt := e.ReadAt.UTC()
	if y := readAt.Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("encoding VIP event: readAt %v is outside the years 0-9999", e.ReadAt)
	}
	s := readAt.Format(time.RFC3339)
	w := wire{AccountID: &e.AccountID, ReadAt: &s}
	if e.ID != "" {
		w.ID = &e.ID
	}
	return json.Marshal(w)
}

// Decode decodes and validates one message body: at most MaxBytes, a single
// JSON object whose accountId is an account id (a string), whose readAt is
// an RFC 3339 time and whose id, when present, is a string of 1 to MaxIDBytes
// bytes (a message without one decodes with ID empty), read by
// common/strictjson's rule (valid UTF-8, no duplicate names, names matched
// case included, nothing after the object). Unknown fields are ignored so
// producers can add some. Errors wrap ErrMalformed.
func Decode(body []byte) (Event, error) {
	if len(body) > MaxBytes {
		return Event{}, fmt.Errorf("%w: %d bytes, at most %d", ErrMalformed, len(body), MaxBytes)
	}
	var w wire
	if err := strictjson.Unmarshal(body, &w, strictjson.IgnoreUnknownMembers()); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if w.AccountID == nil {
		return Event{}, fmt.Errorf("%w: accountId missing", ErrMalformed)
	}
	if _, err := accountid.Parse(*w.AccountID); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if w.ReadAt == nil {
		return Event{}, fmt.Errorf("%w: readAt missing", ErrMalformed)
	}
	readAt, err := time.Parse(time.RFC3339, *w.ReadAt)
	if err != nil {
		return Event{}, fmt.Errorf("%w: readAt %q is not an RFC 3339 time", ErrMalformed, *w.ReadAt)
	}
	var id string
	if w.ID != nil {
		if id = *w.ID; id == "" || len(id) > MaxIDBytes {
			return Event{}, fmt.Errorf("%w: id must be 1 to %d bytes", ErrMalformed, MaxIDBytes)
		}
	}
	return Event{ID: id, AccountID: *w.AccountID, ReadAt: readAt}, nil
}
