package memstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/goblog/accountservice/internal/account"
)

var _ account.Outbox = (*Store)(nil)

// pending is one notification in the outbox with its lease.
type pending struct {
	n           account.Notification
	leasedBy    string
	leasedUntil time.Time
}

// Add stores n in memory (until the process ends).
func (s *Store) Add(ctx context.Context, n account.Notification) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.outbox == nil {
		s.outbox = make(map[string]*pending)
	}
	if _, ok := s.outbox[n.ID]; !ok {
		s.outbox[n.ID] = &pending{n: n}
	}
	return nil
}

// Claim leases the oldest notifications not leased to another owner.
func (s *Store) Claim(ctx context.Context, owner string, limit int, lease time.Duration) ([]account.Notification, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	var out []account.Notification
	for _, p := range s.sortedOutbox() {
		if len(out) >= limit {
			break
		}
		if p.leasedBy != owner && now.Before(p.leasedUntil) {
			continue
		}
		p.leasedBy, p.leasedUntil = owner, now.Add(lease)
		out = append(out, p.n)
	}
	return out, nil
}

// Remove deletes the notifications with these ids.
func (s *Store) Remove(ctx context.Context, ids ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		delete(s.outbox, id)
	}
	return nil
}

// Trim deletes what is older than olderThan, then the oldest beyond capacity.
func (s *Store) Trim(ctx context.Context, capacity int, olderThan time.Time) (account.Trimmed, error) {
	if err := ctx.Err(); err != nil {
		return account.Trimmed{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var t account.Trimmed
	for id, p := range s.outbox {
		if p.n.ReadAt.Before(olderThan) {
			delete(s.outbox, id)
			t.TooOld++
		}
	}
	all := s.sortedOutbox()
	for _, p := range all[:max(0, len(all)-capacity)] {
		delete(s.outbox, p.n.ID)
		t.OverCap++
	}
	return t, nil
}

// sortedOutbox returns the outbox oldest first (by id); s.mu must be held.
func (s *Store) sortedOutbox() []*pending {
	all := make([]*pending, 0, len(s.outbox))
	for _, p := range s.outbox {
		all = append(all, p)
	}
	slices.SortFunc(all, func(a, b *pending) int { return strings.Compare(a.n.ID, b.n.ID) })
	return all
}
