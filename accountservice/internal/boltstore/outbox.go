package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/goblog/accountservice/internal/account"
)

// outboxBucket holds the VIP notifications, keyed by event id. The ids are
// UUIDv7s in text form, so bbolt's byte order is their age order.
var outboxBucket = []byte("vip_outbox")

var _ account.Outbox = (*Store)(nil)

// outboxRecord is the stored form of a notification and its lease.
type outboxRecord struct {
	AccountID   string    `json:"accountId"`
	ReadAt      time.Time `json:"readAt"`
	Trace       string    `json:"trace,omitempty"`
	LeasedBy    string    `json:"leasedBy,omitempty"`
	LeasedUntil time.Time `json:"leasedUntil,omitzero"`
}

// Add stores n in the vip_outbox bucket; it is on disk when Add returns.
func (s *Store) Add(ctx context.Context, n account.Notification) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(outboxBucket)
		if b.Get([]byte(n.ID)) != nil {
			return nil
		}
		return putOutbox(b, n.ID, outboxRecord{AccountID: n.AccountID, ReadAt: n.ReadAt, Trace: n.Trace})
	})
	if err != nil {
		return fmt.Errorf("recording VIP notification %s: %w", n.ID, err)
	}
	return nil
}

// Claim leases the oldest notifications not leased to another owner.
func (s *Store) Claim(ctx context.Context, owner string, limit int, lease time.Duration) ([]account.Notification, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []account.Notification
	err := s.db.Update(func(tx *bolt.Tx) error {
		out = out[:0]
		now := time.Now()
		b := tx.Bucket(outboxBucket)
		type claimed struct {
			id  string
			rec outboxRecord
		}
		var leased []claimed
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(leased) < limit; k, v = c.Next() {
			var rec outboxRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("decoding VIP notification %s: %w", k, err)
			}
			if rec.LeasedBy != owner && now.Before(rec.LeasedUntil) {
				continue
			}
			rec.LeasedBy, rec.LeasedUntil = owner, now.Add(lease)
			leased = append(leased, claimed{string(k), rec})
		}
		for _, l := range leased { // not while iterating: bbolt cursors and Put do not mix
			if err := putOutbox(b, l.id, l.rec); err != nil {
				return err
			}
			out = append(out, account.Notification{ID: l.id, AccountID: l.rec.AccountID, ReadAt: l.rec.ReadAt, Trace: l.rec.Trace})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claiming VIP notifications: %w", err)
	}
	return out, nil
}

// Remove deletes the notifications with these ids.
func (s *Store) Remove(ctx context.Context, ids ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(outboxBucket)
		for _, id := range ids {
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("removing VIP notifications: %w", err)
	}
	return nil
}

// Trim deletes what is older than olderThan, then the oldest beyond capacity.
func (s *Store) Trim(ctx context.Context, capacity int, olderThan time.Time) (account.Trimmed, error) {
	if err := ctx.Err(); err != nil {
		return account.Trimmed{}, err
	}
	var t account.Trimmed
	err := s.db.Update(func(tx *bolt.Tx) error {
		t = account.Trimmed{}
		b := tx.Bucket(outboxBucket)
		var tooOld, kept [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var rec outboxRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("decoding VIP notification %s: %w", k, err)
			}
			if rec.ReadAt.Before(olderThan) {
				tooOld = append(tooOld, bytes.Clone(k)) // k lives only while iterating
			} else {
				kept = append(kept, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		overCap := kept[:max(0, len(kept)-capacity)] // the oldest: keys are in age order
		for _, k := range append(tooOld, overCap...) {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		t.TooOld, t.OverCap = len(tooOld), len(overCap)
		return nil
	})
	if err != nil {
		return account.Trimmed{}, fmt.Errorf("trimming the VIP outbox: %w", err)
	}
	return t, nil
}

func putOutbox(b *bolt.Bucket, id string, rec outboxRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encoding VIP notification %s: %w", id, err)
	}
	if err := b.Put([]byte(id), v); err != nil {
		return fmt.Errorf("writing VIP notification %s: %w", id, err)
	}
	return nil
}
