package account

import (
	"context"
	"time"
)

// Notification is one read of the VIP account waiting to be announced.
type Notification struct {
	// ID is the event id vipservice deduplicates on: a UUIDv7 in its
	// canonical text form (RFC 9562 §5.7), so ids sort by creation time.
	ID        string
	AccountID string
	ReadAt    time.Time
	// Trace is the trace context of the read, a B3 single header
	// (tracing.TraceParent), so the publish, however much later, joins the
	// read's trace; "" when the read was not traced.
	Trace string
}

// Outbox keeps VIP notifications durably from the read that causes them until
// the broker has confirmed them (the transactional outbox pattern). It is
// safe for concurrent use, also by several replicas on one shared database.
// Every method honours ctx like Store's; a store on a database server wraps
// ErrUnavailable likewise.
type Outbox interface {
	// Add stores n; it is durable when Add returns without error. Adding an
	// id already stored changes nothing.
	Add(ctx context.Context, n Notification) error
	// Claim leases up to limit of the oldest notifications (by ID) to owner
	// for lease and returns them, oldest first. A notification leased to
	// another owner is skipped until its lease ends, so relays sharing one
	// outbox do not publish the same notification at the same time; one
	// leased to owner itself is returned again (a retry).
	Claim(ctx context.Context, owner string, limit int, lease time.Duration) ([]Notification, error)
	// Remove deletes the notifications with these ids; unknown ids are ignored.
	Remove(ctx context.Context, ids ...string) error
	// Trim deletes the notifications read before olderThan, then the oldest
	// ones beyond the newest capacity, and says how many of each it deleted.
	Trim(ctx context.Context, capacity int, olderThan time.Time) (Trimmed, error)
}

// Trimmed counts what one Outbox.Trim deleted.
type Trimmed struct {
	TooOld  int // read before the age limit
	OverCap int // the oldest beyond the cap
}
