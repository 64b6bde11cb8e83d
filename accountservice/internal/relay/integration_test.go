//go:build integration

package relay_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/boltstore"
	"github.com/goblog/accountservice/internal/pgstore"
	"github.com/goblog/accountservice/internal/relay"
	"github.com/goblog/accountservice/internal/vip"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/tracing"
	"github.com/goblog/common/vipevent"
)

// These tests need a real RabbitMQ (scripts/ensure-rabbitmq.sh; make
// test-integration-go starts it). AMQP_URL overrides the broker,
// RABBITMQ_RESTART_CMD how it is restarted, as in common/messaging.

func amqpURL() string {
	if u := os.Getenv("AMQP_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@localhost:5672/"
}

func restartBroker(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "bash", "../../../scripts/ensure-rabbitmq.sh", "restart")
	if custom := os.Getenv("RABBITMQ_RESTART_CMD"); custom != "" {
		cmd = exec.CommandContext(ctx, "sh", "-c", custom)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("restarting the broker: %w: %s", err, out)
	}
	return nil
}

// consumed is what a real consumer of the queue saw, by event id.
type consumed struct {
	mu         sync.Mutex
	deliveries int
	byID       map[string]int
}

func (c *consumed) handle(_ context.Context, d amqp.Delivery) error {
	e, err := vipevent.Decode(d.Body)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deliveries++
	c.byID[e.ID]++
	return nil
}

func (c *consumed) counts() (distinct, deliveries int, noID bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, noID = c.byID[""]
	return len(c.byID), c.deliveries, noID
}

type noQuotes struct{}

func (noQuotes) Quote(context.Context) account.Quote { return account.Quote{} }

type noImages struct{}

func (noImages) Image(context.Context, string) account.Image { return account.Image{} }

// outboxStore is a store that keeps the VIP outbox, as main opens it.
type outboxStore interface {
	account.Store
	account.Outbox
}

// TestEveryVIPReadCountedOnceAcrossABrokerRestart reads the VIP account
// before, during and after a RabbitMQ restart, through the service, the
// outbox, the relay and the real broker, and finds every read that answered
// delivered to a real consumer under its own event id: none lost.
func TestEveryVIPReadCountedOnceAcrossABrokerRestart(t *testing.T) {
	t.Run("one replica on bbolt", func(t *testing.T) {
		store, err := boltstore.Open(filepath.Join(t.TempDir(), "accounts.db"), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = store.Close() })
		readsAcrossABrokerRestart(t, []outboxStore{store})
	})
	t.Run("two replicas on one PostgreSQL", func(t *testing.T) {
		dbURL := freshPostgres(t)
		var replicas []outboxStore
		for range 2 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			store, err := pgstore.Open(ctx, dbURL)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = store.Close() })
			replicas = append(replicas, store)
		}
		readsAcrossABrokerRestart(t, replicas)
	})
}

// freshPostgres creates an empty database on the server of
// GOBLOG_TEST_POSTGRES_URL (make test-integration-go starts one) and returns
// its URL; it is dropped when the test ends.
func freshPostgres(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("GOBLOG_TEST_POSTGRES_URL")
	if admin == "" {
		t.Fatal("no PostgreSQL: set GOBLOG_TEST_POSTGRES_URL, or run the tests through `bash scripts/ensure-postgres.sh run -- go test -tags integration …` (make test-integration-go does)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	name := fmt.Sprintf("relay_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if conn, err := pgx.Connect(ctx, admin); err == nil {
			_, _ = conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)")
			_ = conn.Close(ctx)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// readsAcrossABrokerRestart runs one service and one relay per store
// (replicas; several share one database), reads the VIP account through
// them in turn, 50 times with the broker up (no notification may be
// published twice then: the relays' claims keep apart), then while the
// broker restarts, then 50 times after; and waits until a real consumer has
// every read under its own id.
func readsAcrossABrokerRestart(t *testing.T, stores []outboxStore) {
	log := logrus.New()
	log.SetOutput(io.Discard)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	queue := fmt.Sprintf("goblog-test-vip-outbox-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		if conn, err := amqp.Dial(amqpURL()); err == nil {
			if ch, err := conn.Channel(); err == nil {
				_, _ = ch.QueueDelete(queue, false, false, false)
			}
			_ = conn.Close()
		}
	})
	if _, err := stores[0].Seed(ctx, account.SeedAccounts(1)); err != nil {
		t.Fatal(err)
	}
	tracer, err := tracing.New("accountservice", "127.0.0.1:6767", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tracer.Close() })

	consumer := messaging.NewClient(amqpURL(), log, messaging.WithReconnectBackoff(100*time.Millisecond, time.Second))
	t.Cleanup(func() { _ = consumer.Close() })
	got := &consumed{byID: map[string]int{}}
	if err := consumer.Consume(ctx, queue, got.handle); err != nil {
		t.Fatalf("Consume: %v", err)
	}

	var (
		services []*account.Service
		relays   []*relay.Relay
	)
	for _, store := range stores {
		producer := messaging.NewClient(amqpURL(), log, messaging.WithReconnectBackoff(100*time.Millisecond, time.Second))
		t.Cleanup(func() { _ = producer.Close() })
		r := relay.New(relay.Config{
			Outbox: store, Publisher: vip.NewNotifier(producer, tracer, queue), Log: log,
			Poll: 200 * time.Millisecond, MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond,
		})
		relayCtx, stopRelay := context.WithCancel(ctx)
		relayDone := make(chan error, 1)
		go func() { relayDone <- r.Run(relayCtx) }()
		t.Cleanup(func() { stopRelay(); <-relayDone })
		relays = append(relays, r)
		services = append(services, account.NewService(account.ServiceConfig{Store: store, Quotes: noQuotes{}, Images: noImages{}, Notifier: r}))
	}
	answered := 0
	read := func() {
		if _, err := services[answered%len(services)].Get(ctx, account.VIPID); err != nil {
			t.Fatalf("VIP read %d: %v", answered+1, err)
		}
		answered++
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	waitConsumed := func() {
		deadline := time.Now().Add(90 * time.Second)
		for {
			distinct, _, _ := got.counts()
			if distinct >= answered || time.Now().After(deadline) {
				return
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				t.Fatal(ctx.Err())
			}
		}
	}
	stats := func() []relay.Stats {
		var out []relay.Stats
		for _, r := range relays {
			out = append(out, r.Stats())
		}
		return out
	}

	for range 50 { // a healthy broker
		read()
	}
	waitConsumed()
	if distinct, deliveries, _ := got.counts(); distinct != answered || deliveries != answered {
		t.Fatalf("broker up: %d VIP reads answered, %d distinct events in %d deliveries; want each once (relays: %+v)",
			answered, distinct, deliveries, stats())
	}

	restarted := make(chan error, 1)
	go func() { restarted <- restartBroker(ctx) }()
	for during := true; during; {
		read()
		select {
		case err := <-restarted:
			if err != nil {
				t.Fatal(err)
			}
			during = false
		case <-tick.C:
		}
	}
	for range 50 { // after the restart
		read()
	}

	waitConsumed()
	distinct, deliveries, noID := got.counts()
	if noID {
		t.Errorf("an event came without id")
	}
	if distinct != answered {
		t.Fatalf("%d VIP reads answered, %d distinct events consumed (relays: %+v)", answered, distinct, stats())
	}
	failed := int64(0)
	for _, s := range stats() {
		failed += s.FailedRounds
	}
	if failed == 0 {
		t.Fatalf("no delivery failed while the broker restarted: the restart did not overlap the reads (relays: %+v)", stats())
	}
	t.Logf("%d VIP reads answered through %d replicas, each consumed under its own id; %d deliveries (%d duplicates, counted once by id); %d failed rounds retried",
		answered, len(stores), deliveries, deliveries-distinct, failed)
}
