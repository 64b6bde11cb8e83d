package pgstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/goblog/accountservice/internal/account"
)

var _ account.Outbox = (*Store)(nil)

// Add inserts n into vip_outbox; it is committed (and flushed) when Add returns.
func (s *Store) Add(ctx context.Context, n account.Notification) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	_, err := s.pool.Exec(ctx, `INSERT INTO vip_outbox (id, account_id, read_at, trace) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`, n.ID, n.AccountID, n.ReadAt, n.Trace)
	if err != nil {
		return classify("recording VIP notification "+n.ID, err)
	}
	return nil
}

// Claim leases the oldest rows not leased to another relay. The rows are
// picked with FOR UPDATE SKIP LOCKED, so two replicas claiming at the same
// moment get different rows instead of waiting for each other; the lease,
// on the server's clock, keeps them apart until it ends.
func (s *Store) Claim(ctx context.Context, owner string, limit int, lease time.Duration) ([]account.Notification, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	rows, err := s.pool.Query(ctx, `UPDATE vip_outbox
		SET leased_by = $1, leased_until = now() + $3 * interval '1 microsecond'
		WHERE id IN (
			SELECT id FROM vip_outbox
			WHERE leased_until IS NULL OR leased_until < now() OR leased_by = $1
			ORDER BY id LIMIT $2
			FOR UPDATE SKIP LOCKED)
		RETURNING id::text, account_id, read_at, trace`, owner, limit, lease.Microseconds())
	if err != nil {
		return nil, classify("claiming VIP notifications", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (account.Notification, error) {
		var n account.Notification
		err := r.Scan(&n.ID, &n.AccountID, &n.ReadAt, &n.Trace)
		return n, err
	})
	if err != nil {
		return nil, classify("claiming VIP notifications", err)
	}
	slices.SortFunc(out, func(a, b account.Notification) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Remove deletes the rows with these ids.
func (s *Store) Remove(ctx context.Context, ids ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	if _, err := s.pool.Exec(ctx, `DELETE FROM vip_outbox WHERE id = ANY($1::uuid[])`, ids); err != nil {
		return classify("removing VIP notifications", err)
	}
	return nil
}

// Trim deletes the rows read before olderThan, then the oldest beyond
// capacity, in one transaction.
func (s *Store) Trim(ctx context.Context, capacity int, olderThan time.Time) (account.Trimmed, error) {
	if err := ctx.Err(); err != nil {
		return account.Trimmed{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	var t account.Trimmed
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM vip_outbox WHERE read_at < $1`, olderThan)
		if err != nil {
			return err
		}
		t.TooOld = int(tag.RowsAffected())
		tag, err = tx.Exec(ctx, `DELETE FROM vip_outbox WHERE id IN (
			SELECT id FROM vip_outbox ORDER BY id DESC OFFSET $1)`, capacity)
		if err != nil {
			return err
		}
		t.OverCap = int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		return account.Trimmed{}, classify("trimming the VIP outbox", err)
	}
	return t, nil
}
