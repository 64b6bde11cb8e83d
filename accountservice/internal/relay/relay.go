// Package relay delivers the VIP notifications at least once: a VIP read
// records its notification in the store's outbox (account.Outbox) before it
// answers, and the Relay publishes what is pending, in the background, with
// publisher confirms, removing each notification only once the broker has
// confirmed it (the transactional outbox pattern).
//
// A broker outage never slows a read down: the read only writes the outbox
// row. Meanwhile the relay retries with exponential backoff; the outbox keeps
// the notifications across the outage and across a crash of accountservice.
// A crash between the broker's confirm and the removal publishes that
// notification again, with the same event id, which vipservice counts once.
//
// The outbox is bounded: notifications older than MaxAge and the oldest
// beyond MaxPending are dropped, counted (Stats, shown in /info) and logged.
package relay

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/google/uuid"
	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/common/tracing"
)

// Defaults of Config.
const (
	DefaultMaxPending = 10000
	DefaultMaxAge     = 24 * time.Hour
	DefaultBatch      = 100
	DefaultPoll       = 5 * time.Second
	DefaultLease      = 30 * time.Second
	DefaultMinBackoff = 500 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
)

// Publisher publishes one notification and returns nil only once the broker
// has confirmed it; *vip.Notifier is one.
type Publisher interface {
	Publish(ctx context.Context, n account.Notification) error
}

// Config holds the collaborators and limits of a Relay. Zero values take the
// defaults.
type Config struct {
	Outbox    account.Outbox // required
	Publisher Publisher      // required
	Log       logrus.FieldLogger
	// MaxPending caps the notifications kept (vip_outbox_max); the oldest
	// beyond it are dropped (default DefaultMaxPending).
	MaxPending int
	// MaxAge drops the notifications of reads older than this
	// (vip_outbox_max_age; default DefaultMaxAge).
	MaxAge time.Duration
	// Batch is how many notifications one round claims (default DefaultBatch).
	Batch int
	// Poll is how often the relay looks at the outbox when nothing wakes it
	// (notifications of a replica that crashed, or another replica's whose
	// lease ended), and how often it trims it (default DefaultPoll).
	Poll time.Duration
	// Lease is how long a claimed notification is kept from the other
	// replicas' relays (default DefaultLease).
	Lease time.Duration
	// MinBackoff and MaxBackoff bound the wait between failed rounds
	// (defaults DefaultMinBackoff, DefaultMaxBackoff).
	MinBackoff, MaxBackoff time.Duration
	// Owner names this relay on its leases (default: a random UUID). Two
	// relays sharing an outbox must have different owners.
	Owner string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Relay records VIP reads in the outbox (it is the account.Notifier of the
// service) and delivers them (Run). It is safe for concurrent use.
type Relay struct {
	cfg  Config
	wake chan struct{} // a new notification is waiting

	published      atomic.Int64
	droppedTooOld  atomic.Int64
	droppedOverCap atomic.Int64
	failedRounds   atomic.Int64
	lastError      atomic.Pointer[string]
}

var _ account.Notifier = (*Relay)(nil)

// New returns a Relay; call Run to start delivering.
func New(cfg Config) *Relay {
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.MinBackoff)
	}
	if cfg.Owner == "" {
		cfg.Owner = uuid.NewString()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		cfg.Log = l
	}
	return &Relay{cfg: cfg, wake: make(chan struct{}, 1)}
}

// NotifyVIP records the read in the outbox under a new event id (a UUIDv7)
// and wakes the relay. It returns once the notification is durable (its
// error is the outbox's: account.ErrUnavailable when the database does not
// answer); it never waits for the broker.
func (r *Relay) NotifyVIP(ctx context.Context, accountID string, readAt time.Time) error {
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("making a VIP event id: %w", err)
	}
	n := account.Notification{ID: id.String(), AccountID: accountID, ReadAt: readAt, Trace: tracing.TraceParent(ctx)}
	if err := r.cfg.Outbox.Add(ctx, n); err != nil {
		return fmt.Errorf("recording the VIP read of account %s: %w", accountID, err)
	}
	select {
	case r.wake <- struct{}{}:
	default: // already awake or about to be
	}
	return nil
}

// Stats is what the relay has done since it started, for /info.
type Stats struct {
	Published      int64  `json:"published"`      // confirmed by the broker and removed
	DroppedTooOld  int64  `json:"droppedTooOld"`  // older than vip_outbox_max_age
	DroppedOverCap int64  `json:"droppedOverCap"` // the oldest beyond vip_outbox_max
	FailedRounds   int64  `json:"failedRounds"`   // rounds ended by an error, each followed by a backoff
	LastError      string `json:"lastError,omitempty"`
}

// Stats returns the counts so far.
func (r *Relay) Stats() Stats {
	s := Stats{
		Published:      r.published.Load(),
		DroppedTooOld:  r.droppedTooOld.Load(),
		DroppedOverCap: r.droppedOverCap.Load(),
		FailedRounds:   r.failedRounds.Load(),
	}
	if e := r.lastError.Load(); e != nil {
		s.LastError = *e
	}
	return s
}

// Run delivers until ctx ends, then returns nil. Each round trims the
// outbox (at most once per Poll), claims a batch and publishes it in order;
// a round that fails (broker away, nack, store error) is retried after an
// exponential backoff, during which new reads do not wake it. Notifications
// published but not yet removed when ctx ends are published again later.
func (r *Relay) Run(ctx context.Context) error {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(r.cfg.MinBackoff),
		backoff.WithMaxInterval(r.cfg.MaxBackoff),
		backoff.WithMaxElapsedTime(0),
	)
	var lastTrim time.Time
	for {
		if now := r.cfg.Now(); now.Sub(lastTrim) >= r.cfg.Poll {
			if err := r.trim(ctx, now); err == nil {
				lastTrim = now
			}
		}
		more, err := r.round(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			r.failedRounds.Add(1)
			msg := err.Error()
			r.lastError.Store(&msg)
			wait := b.NextBackOff()
			r.cfg.Log.WithError(err).WithField("retryIn", wait.Round(time.Millisecond).String()).
				Warn("VIP notifications kept in the outbox: delivery failed, retrying")
			if !sleep(ctx, wait) {
				return nil
			}
			continue
		}
		b.Reset()
		if more {
			continue
		}
		t := time.NewTimer(r.cfg.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-r.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// round publishes one claimed batch, oldest first, stopping at the first
// failure; what was confirmed is removed. It reports whether the batch was
// full (more may be waiting).
func (r *Relay) round(ctx context.Context) (more bool, err error) {
	batch, err := r.cfg.Outbox.Claim(ctx, r.cfg.Owner, r.cfg.Batch, r.cfg.Lease)
	if err != nil {
		return false, fmt.Errorf("claiming VIP notifications: %w", err)
	}
	confirmed := make([]string, 0, len(batch))
	for _, n := range batch {
		if err = r.cfg.Publisher.Publish(ctx, n); err != nil {
			err = fmt.Errorf("publishing VIP notification %s: %w", n.ID, err)
			break
		}
		confirmed = append(confirmed, n.ID)
	}
	if len(confirmed) > 0 {
		// Not under ctx: a confirmed notification left in the outbox at
		// shutdown would be published again.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if rerr := r.cfg.Outbox.Remove(rctx, confirmed...); rerr != nil {
			// Published, still pending: they go out again, vipservice counts them once.
			return false, fmt.Errorf("removing %d confirmed VIP notifications: %w", len(confirmed), rerr)
		}
		r.published.Add(int64(len(confirmed)))
	}
	return err == nil && len(batch) == r.cfg.Batch, err
}

// trim applies the cap and the age limit, counting and logging what they drop.
func (r *Relay) trim(ctx context.Context, now time.Time) error {
	t, err := r.cfg.Outbox.Trim(ctx, r.cfg.MaxPending, now.Add(-r.cfg.MaxAge))
	if err != nil {
		if ctx.Err() == nil {
			r.cfg.Log.WithError(err).Warn("trimming the VIP outbox failed; trying again next round")
		}
		return err
	}
	r.droppedTooOld.Add(int64(t.TooOld))
	r.droppedOverCap.Add(int64(t.OverCap))
	if t.TooOld > 0 || t.OverCap > 0 {
		r.cfg.Log.WithFields(logrus.Fields{
			"tooOld": t.TooOld, "overCap": t.OverCap,
			"vip_outbox_max_age": r.cfg.MaxAge.String(), "vip_outbox_max": r.cfg.MaxPending,
		}).Warn("VIP notifications dropped from the outbox: undelivered past its limits")
	}
	return nil
}

// sleep waits d or until ctx ends; it reports whether the full wait elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
