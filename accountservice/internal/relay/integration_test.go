//go:build integration

package relay_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/boltstore"
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

// TestEveryVIPReadCountedOnceAcrossABrokerRestart reads the VIP account
// before, during and after a RabbitMQ restart, through the service, the
// bbolt outbox, the relay and the real broker, and finds every read that
// answered delivered to a real consumer under its own event id: each counted
// once by id, none lost.
func TestEveryVIPReadCountedOnceAcrossABrokerRestart(t *testing.T) {
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

	store, err := boltstore.Open(filepath.Join(t.TempDir(), "accounts.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if _, err := store.Seed(ctx, account.SeedAccounts(1)); err != nil {
		t.Fatal(err)
	}
	tracer, err := tracing.New("accountservice", "127.0.0.1:6767", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tracer.Close() })

	producer := messaging.NewClient(amqpURL(), log, messaging.WithReconnectBackoff(100*time.Millisecond, time.Second))
	t.Cleanup(func() { _ = producer.Close() })
	consumer := messaging.NewClient(amqpURL(), log, messaging.WithReconnectBackoff(100*time.Millisecond, time.Second))
	t.Cleanup(func() { _ = consumer.Close() })
	got := &consumed{byID: map[string]int{}}
	if err := consumer.Consume(ctx, queue, got.handle); err != nil {
		t.Fatalf("Consume: %v", err)
	}

	r := relay.New(relay.Config{
		Outbox: store, Publisher: vip.NewNotifier(producer, tracer, queue), Log: log,
		Poll: 200 * time.Millisecond, MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond,
	})
	relayCtx, stopRelay := context.WithCancel(ctx)
	relayDone := make(chan error, 1)
	go func() { relayDone <- r.Run(relayCtx) }()
	t.Cleanup(func() { stopRelay(); <-relayDone })

	svc := account.NewService(account.ServiceConfig{Store: store, Quotes: noQuotes{}, Images: noImages{}, Notifier: r})
	answered := 0
	read := func() {
		if _, err := svc.Get(ctx, account.VIPID); err != nil {
			t.Fatalf("VIP read %d: %v", answered+1, err)
		}
		answered++
	}

	for range 50 { // a healthy broker
		read()
	}
	restarted := make(chan error, 1)
	go func() { restarted <- restartBroker(ctx) }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
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

	deadline := time.Now().Add(90 * time.Second)
	for {
		distinct, _, _ := got.counts()
		if distinct >= answered || time.Now().After(deadline) {
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		}
	}
	distinct, deliveries, noID := got.counts()
	stats := r.Stats()
	if noID {
		t.Errorf("an event came without id")
	}
	if distinct != answered {
		t.Fatalf("%d VIP reads answered, %d distinct events consumed (relay: %+v)", answered, distinct, stats)
	}
	if stats.FailedRounds == 0 {
		t.Fatalf("no delivery failed while the broker restarted: the restart did not overlap the reads (relay: %+v)", stats)
	}
	t.Logf("%d VIP reads answered, each consumed under its own id; %d deliveries (%d duplicates, counted once by id); relay: %+v",
		answered, deliveries, deliveries-distinct, stats)
}
