package relay_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/memstore"
	"github.com/goblog/accountservice/internal/relay"
)

var errBrokerDown = errors.New("not connected to the message broker")

// broker is a fake relay.Publisher: it confirms while up, fails while down,
// nacks the ids in nack once each, and can hang until released.
type broker struct {
	mu        sync.Mutex
	down      bool
	nack      map[string]bool
	hang      chan struct{} // non-nil: Publish waits until it is closed
	attempts  []string      // every Publish, in order
	confirmed []string      // the ones it confirmed
	attempted chan string   // every Publish, for waiting
}

func newBroker() *broker {
	return &broker{nack: map[string]bool{}, attempted: make(chan string, 1000)}
}

func (b *broker) Publish(ctx context.Context, n account.Notification) error {
	b.mu.Lock()
	hang := b.hang
	b.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.attempts = append(b.attempts, n.ID)
	defer func() { b.attempted <- n.ID }()
	switch {
	case b.down:
		return errBrokerDown
	case b.nack[n.ID]:
		delete(b.nack, n.ID)
		return errors.New("broker did not confirm the message (nack)")
	}
	b.confirmed = append(b.confirmed, n.ID)
	return nil
}

func (b *broker) setDown(down bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.down = down
}

func (b *broker) seen() (attempts, confirmed []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.attempts...), append([]string(nil), b.confirmed...)
}

// faultyOutbox fails the next Remove calls, as a crash between the broker's
// confirm and the removal would leave the outbox.
type faultyOutbox struct {
	account.Outbox
	mu          sync.Mutex
	failRemoves int
}

func (f *faultyOutbox) Remove(ctx context.Context, ids ...string) error {
	f.mu.Lock()
	fail := f.failRemoves > 0
	if fail {
		f.failRemoves--
	}
	f.mu.Unlock()
	if fail {
		return errors.New("store went away")
	}
	return f.Outbox.Remove(ctx, ids...)
}

func config(o account.Outbox, b *broker) relay.Config {
	return relay.Config{
		Outbox: o, Publisher: b, Owner: owner,
		Poll: 20 * time.Millisecond, Lease: time.Millisecond,
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
	}
}

// start runs r until the returned stop is called; stop waits for Run to return.
func start(r *relay.Relay) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			So(<-done, ShouldBeNil)
		})
	}
}

// eventually polls cond until it holds or 10 s have passed.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}

// owner names the relays of the tests on their leases.
const owner = "relay-under-test"

// pending returns what is left in the outbox, claimed as the stopped relay
// would claim it again.
func pending(o account.Outbox) []account.Notification {
	got, err := o.Claim(context.Background(), owner, 1000, time.Millisecond)
	So(err, ShouldBeNil)
	return got
}

func record(r *relay.Relay, n int) {
	for range n {
		So(r.NotifyVIP(context.Background(), account.VIPID, time.Now()), ShouldBeNil)
	}
}

func TestRelay(t *testing.T) {
	Convey("Given a relay over an outbox, the broker down", t, func() {
		store := memstore.New()
		b := newBroker()
		b.setDown(true)
		r := relay.New(config(store, b))
		stop := start(r)
		defer stop()

		record(r, 3)
		<-b.attempted // the relay tried…
		<-b.attempted // …and tried again after a backoff

		Convey("the notifications stay in the outbox, none counted as published", func() {
			So(r.Stats().Published, ShouldEqual, 0)
			So(r.Stats().FailedRounds, ShouldBeGreaterThan, 0)
			So(r.Stats().LastError, ShouldContainSubstring, "not connected")
			stop()
			So(pending(store), ShouldHaveLength, 3)
		})

		Convey("once the broker is back, each is published once, oldest first, and removed", func() {
			b.setDown(false)
			So(eventually(func() bool { return r.Stats().Published == 3 }), ShouldBeTrue)
			stop()
			_, confirmed := b.seen()
			So(confirmed, ShouldHaveLength, 3)
			So(confirmed[0] < confirmed[1] && confirmed[1] < confirmed[2], ShouldBeTrue) // UUIDv7: read order
			So(pending(store), ShouldBeEmpty)
		})
	})

	Convey("Given a relay and a broker that nacks the first notification once", t, func() {
		store := memstore.New()
		b := newBroker()
		r := relay.New(config(store, b))
		b.setDown(true) // hold delivery until all three are recorded
		record(r, 3)
		first := pending(store)[0].ID
		b.mu.Lock()
		b.nack[first] = true
		b.down = false
		b.mu.Unlock()
		stop := start(r)
		defer stop()

		Convey("the nacked one is kept and published again; all three end confirmed and removed", func() {
			So(eventually(func() bool { return r.Stats().Published == 3 }), ShouldBeTrue)
			stop()
			attempts, confirmed := b.seen()
			So(attempts[0], ShouldEqual, first)  // nacked…
			So(confirmed[0], ShouldEqual, first) // …then confirmed
			So(confirmed, ShouldHaveLength, 3)
			So(pending(store), ShouldBeEmpty)
		})
	})

	Convey("Given a relay that crashes between the broker's confirm and the removal", t, func() {
		store := memstore.New()
		faulty := &faultyOutbox{Outbox: store, failRemoves: 1}
		b := newBroker()
		cfg := config(faulty, b)
		cfg.MinBackoff, cfg.MaxBackoff = time.Hour, time.Hour // it does not retry before it "crashes"
		crashed := relay.New(cfg)
		record(crashed, 1)
		stop := start(crashed)
		So(<-b.attempted, ShouldNotBeEmpty) // published and confirmed, not removed
		stop()

		Convey("the next relay publishes it again with the same event id (vipservice counts it once)", func() {
			cfg := config(store, b)
			cfg.Owner = "next-relay" // a new process: the crashed one's lease must end first
			next := relay.New(cfg)
			stopNext := start(next)
			defer stopNext()
			So(eventually(func() bool { return next.Stats().Published == 1 }), ShouldBeTrue)
			stopNext()
			_, confirmed := b.seen()
			So(confirmed, ShouldHaveLength, 2)
			So(confirmed[1], ShouldEqual, confirmed[0])
		})
	})

	Convey("Given a broker that hangs", t, func() {
		store := memstore.New()
		b := newBroker()
		b.hang = make(chan struct{})
		r := relay.New(config(store, b))
		stop := start(r)
		defer stop()
		record(r, 1) // the relay is now stuck publishing it

		Convey("recording more reads does not wait for it", func() {
			record(r, 5) // deadlocks if NotifyVIP waited for the broker
			close(b.hang)
			So(eventually(func() bool { return r.Stats().Published == 6 }), ShouldBeTrue)
		})
	})

	Convey("Given an outbox past its limits and the broker down", t, func() {
		store := memstore.New()
		now := time.Now()
		b := newBroker()
		b.setDown(true)
		cfg := config(store, b)
		cfg.MaxPending, cfg.MaxAge = 2, time.Hour
		r := relay.New(cfg)
		So(r.NotifyVIP(context.Background(), account.VIPID, now.Add(-2*time.Hour)), ShouldBeNil) // too old
		record(r, 4)                                                                             // two too many

		Convey("the relay drops the too old one and the oldest beyond the cap, and counts them", func() {
			stop := start(r)
			defer stop()
			So(eventually(func() bool { s := r.Stats(); return s.DroppedTooOld+s.DroppedOverCap == 3 }), ShouldBeTrue)
			stop()
			So(r.Stats().DroppedTooOld, ShouldEqual, 1)
			So(r.Stats().DroppedOverCap, ShouldEqual, 2)
			So(pending(store), ShouldHaveLength, 2)
		})
	})

	Convey("A read that cannot be recorded is an error wrapping the outbox's", t, func() {
		r := relay.New(config(unavailableOutbox{}, newBroker()))
		err := r.NotifyVIP(context.Background(), account.VIPID, time.Now())
		So(errors.Is(err, account.ErrUnavailable), ShouldBeTrue)
	})
}

type unavailableOutbox struct{ account.Outbox }

func (unavailableOutbox) Add(context.Context, account.Notification) error {
	return account.ErrUnavailable
}
