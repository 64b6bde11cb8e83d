// Package vip holds the counts vipservice keeps of the VIP events it handles
// (GET /vip/stats). The event itself is defined in common/vipevent.
package vip

import "sync/atomic"

// Stats counts the events handled. The zero value is ready; it is safe for
// concurrent use.
type Stats struct {
	received   atomic.Int64
	rejected   atomic.Int64
	duplicates atomic.Int64
}

// StatsSnapshot is what GET /vip/stats answers.
type StatsSnapshot struct {
	// Received counts valid VIP events.
	Received int64 `json:"received"`
	// Rejected counts malformed messages.
	Rejected int64 `json:"rejected"`
	// Duplicates counts valid events whose id was already counted: acked,
	// not counted in Received.
	Duplicates int64 `json:"duplicates"`
}

// Received counts one valid event.
func (s *Stats) Received() { s.received.Add(1) }

// Rejected counts one malformed message.
func (s *Stats) Rejected() { s.rejected.Add(1) }

// Duplicate counts one event received again.
func (s *Stats) Duplicate() { s.duplicates.Add(1) }

// Handled returns how many messages were handled since the start: valid,
// malformed and duplicate alike. It never decreases.
func (s *Stats) Handled() int64 {
	return s.received.Load() + s.rejected.Load() + s.duplicates.Load()
}

// Snapshot returns the current counts.
func (s *Stats) Snapshot() StatsSnapshot {
	return StatsSnapshot{Received: s.received.Load(), Rejected: s.rejected.Load(), Duplicates: s.duplicates.Load()}
}
