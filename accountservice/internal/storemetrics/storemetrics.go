// Package storemetrics measures accountservice's store: a decorator around
// it observing how long every operation takes, on the service's Prometheus
// registry:
//
//	goblog_store_operation_duration_seconds{store,operation}  histogram
//
// store is the kind (bolt, postgres, memory); operation is read, create,
// seed, outbox_add, outbox_claim, outbox_remove, outbox_trim or check. Errors
// are timed too: a slow failing database shows as a slow operation.
package storemetrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/goblog/accountservice/internal/account"
)

// Operations, the operation label.
const (
	OpRead         = "read"
	OpCreate       = "create"
	OpSeed         = "seed"
	OpOutboxAdd    = "outbox_add"
	OpOutboxClaim  = "outbox_claim"
	OpOutboxRemove = "outbox_remove"
	OpOutboxTrim   = "outbox_trim"
	OpCheck        = "check"
)

// Store is what main opens: the accounts, the VIP outbox, a health check
// and Close.
type Store interface {
	account.Store
	account.Outbox
	Check(ctx context.Context) error
	Close() error
}

// Buckets of the histogram, in seconds: 0.5 ms (a bbolt read) to 5 s (a
// PostgreSQL statement at its timeout).
var buckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// Wrap returns s measured on reg as a store of kind ("bolt", "postgres",
// "memory"). It panics when reg already has the histogram: one store per
// registry. Close is passed through, unmeasured.
func Wrap(s Store, kind string, reg prometheus.Registerer) Store {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "goblog_store_operation_duration_seconds",
		Help:    "Time an account store operation took, errors included, by store kind and operation.",
		Buckets: buckets,
	}, []string{"store", "operation"})
	reg.MustRegister(h)
	m := &measured{Store: s, ops: map[string]prometheus.Observer{}}
	for _, op := range []string{OpRead, OpCreate, OpSeed, OpOutboxAdd, OpOutboxClaim, OpOutboxRemove, OpOutboxTrim, OpCheck} {
		m.ops[op] = h.WithLabelValues(kind, op) // every series there from the start, at 0
	}
	return m
}

// measured times every operation of the Store it embeds.
type measured struct {
	Store
	ops map[string]prometheus.Observer // read-only after Wrap
}

func (m *measured) since(op string, start time.Time) {
	m.ops[op].Observe(time.Since(start).Seconds())
}

func (m *measured) Get(ctx context.Context, id string) (account.Account, error) {
	defer m.since(OpRead, time.Now())
	return m.Store.Get(ctx, id)
}

func (m *measured) Create(ctx context.Context, name string) (account.Account, error) {
	defer m.since(OpCreate, time.Now())
	return m.Store.Create(ctx, name)
}

func (m *measured) Seed(ctx context.Context, accounts []account.Account) (bool, error) {
	defer m.since(OpSeed, time.Now())
	return m.Store.Seed(ctx, accounts)
}

func (m *measured) Add(ctx context.Context, n account.Notification) error {
	defer m.since(OpOutboxAdd, time.Now())
	return m.Store.Add(ctx, n)
}

func (m *measured) Claim(ctx context.Context, owner string, limit int, lease time.Duration) ([]account.Notification, error) {
	defer m.since(OpOutboxClaim, time.Now())
	return m.Store.Claim(ctx, owner, limit, lease)
}

func (m *measured) Remove(ctx context.Context, ids ...string) error {
	defer m.since(OpOutboxRemove, time.Now())
	return m.Store.Remove(ctx, ids...)
}

func (m *measured) Trim(ctx context.Context, capacity int, olderThan time.Time) (account.Trimmed, error) {
	defer m.since(OpOutboxTrim, time.Now())
	return m.Store.Trim(ctx, capacity, olderThan)
}

func (m *measured) Check(ctx context.Context) error {
	defer m.since(OpCheck, time.Now())
	return m.Store.Check(ctx)
}
