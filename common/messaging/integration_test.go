//go:build integration

// Integration tests against a real RabbitMQ: go test -tags integration ./messaging/
// after scripts/ensure-rabbitmq.sh. AMQP_URL overrides the broker
// (amqp://guest:guest@localhost:5672/); RABBITMQ_RESTART_CMD overrides how the
// broker is restarted (default: scripts/ensure-rabbitmq.sh restart).
package messaging_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goblog/common/bus"
	"github.com/goblog/common/messaging"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

func amqpURL() string {
	if u := os.Getenv("AMQP_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@localhost:5672/"
}

// uniqueName gives every test its own queue.
func uniqueName(t *testing.T) string {
	name := strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())
	return fmt.Sprintf("goblog-test-%s-%d", name, time.Now().UnixNano())
}

// rawChannel opens a plain amqp091 channel for setting up and inspecting.
func rawChannel(t *testing.T) *amqp.Channel {
	t.Helper()
	conn, err := amqp.Dial(amqpURL())
	if err != nil {
		t.Fatalf("no RabbitMQ at %s (run scripts/ensure-rabbitmq.sh): %v", amqpURL(), err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("opening a channel: %v", err)
	}
	return ch
}

// deleteQueueAtEnd removes the test's queue, over a fresh connection since the
// broker may have restarted meanwhile.
func deleteQueueAtEnd(t *testing.T, queue string) {
	t.Cleanup(func() {
		conn, err := amqp.Dial(amqpURL())
		if err != nil {
			t.Logf("cleanup: %v", err)
			return
		}
		defer conn.Close()
		if ch, err := conn.Channel(); err == nil {
			_, _ = ch.QueueDelete(queue, false, false, false)
		}
	})
}

type testLog struct {
	*logrus.Logger
	hook *logtest.Hook
}

func (l testLog) count(msg string) int {
	n := 0
	for _, e := range l.hook.AllEntries() {
		if e.Message == msg {
			n++
		}
	}
	return n
}

func newClient(t *testing.T, opts ...messaging.Option) (*messaging.Client, testLog) {
	t.Helper()
	rawChannel(t) // fail early and clearly without a broker
	log, hook := logtest.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	c := messaging.NewClient(amqpURL(), log, append([]messaging.Option{
		messaging.WithReconnectBackoff(100*time.Millisecond, time.Second),
		messaging.WithConnectionName("goblog-test " + t.Name()),
	}, opts...)...)
	t.Cleanup(func() {
		_ = c.Close()
		if t.Failed() {
			for _, e := range hook.AllEntries() {
				t.Logf("client log: %s %s %v", e.Level, e.Message, e.Data)
			}
		}
	})
	waitUntil(t, 20*time.Second, "client connected", func() bool { return c.Healthy() == nil })
	return c, testLog{log, hook}
}

// waitUntil polls cond until it holds, failing the test after timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// received is a concurrency-safe set of message bodies.
type received struct {
	mu   sync.Mutex
	seen map[string]int
}

func (r *received) add(body string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = make(map[string]int)
	}
	r.seen[body]++
}

func (r *received) has(body string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[body] > 0
}

func (r *received) missing(bodies []string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, b := range bodies {
		if r.seen[b] == 0 {
			out = append(out, b)
		}
	}
	return out
}

// restartBroker restarts the RabbitMQ application: every connection drops,
// durable queues and persistent messages survive.
func restartBroker(ctx context.Context) (string, error) {
	var cmd *exec.Cmd
	if custom := os.Getenv("RABBITMQ_RESTART_CMD"); custom != "" {
		cmd = exec.CommandContext(ctx, "sh", "-c", custom)
	} else {
		cmd = exec.CommandContext(ctx, "bash", "../../scripts/ensure-rabbitmq.sh", "restart")
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestPublishConsumeNoneLost(t *testing.T) {
	const n = 300
	queue := uniqueName(t)
	deleteQueueAtEnd(t, queue)
	c, _ := newClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var got received
	var headerMu sync.Mutex
	var badDelivery string
	err := c.Consume(ctx, queue, func(_ context.Context, d amqp.Delivery) error {
		if d.DeliveryMode != amqp.Persistent || d.Headers["n"] != string(d.Body) {
			headerMu.Lock()
			badDelivery = fmt.Sprintf("mode %d headers %v body %q", d.DeliveryMode, d.Headers, d.Body)
			headerMu.Unlock()
		}
		got.add(string(d.Body))
		return nil
	})
	if err != nil {
		t.Fatalf("Consume: %v", err)
	}

	// Four concurrent publishers share the client.
	bodies := make([]string, n)
	for i := range bodies {
		bodies[i] = strconv.Itoa(i)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
				errs <- c.Publish(pctx, queue, []byte(bodies[i]), amqp.Table{"n": bodies[i]})
				pcancel()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Publish with a healthy broker: %v", err)
		}
	}
	waitUntil(t, 30*time.Second, "every confirmed message consumed", func() bool { return len(got.missing(bodies)) == 0 })
	headerMu.Lock()
	defer headerMu.Unlock()
	if badDelivery != "" {
		t.Fatalf("delivery not persistent or headers lost: %s", badDelivery)
	}
}

func TestFailingHandlersRejectWithoutRequeue(t *testing.T) {
	queue := uniqueName(t)
	deleteQueueAtEnd(t, queue)
	c, _ := newClient(t)
	var got received
	err := c.Consume(context.Background(), queue, func(_ context.Context, d amqp.Delivery) error {
		got.add(string(d.Body))
		switch string(d.Body) {
		case "fail":
			return fmt.Errorf("cannot handle %q", d.Body)
		case "panic":
			panic("handler bug")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Consume: %v", err)
	}
	for _, body := range []string{"fail", "panic", "ok"} {
		if err := c.Publish(context.Background(), queue, []byte(body), nil); err != nil {
			t.Fatalf("Publish %s: %v", body, err)
		}
	}
	waitUntil(t, 15*time.Second, "the last message consumed", func() bool { return got.has("ok") })
	// Close stops the consumer: anything unacked or requeued is back in the queue.
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	q, err := rawChannel(t).QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		t.Fatalf("inspecting %s: %v", queue, err)
	}
	got.mu.Lock()
	defer got.mu.Unlock()
	if q.Messages != 0 || got.seen["fail"] != 1 || got.seen["panic"] != 1 {
		t.Fatalf("rejected messages came back: %d in the queue, handled %v", q.Messages, got.seen)
	}
}

func TestBrokerRestartLosesNoConfirmedMessage(t *testing.T) {
	queue := uniqueName(t)
	deleteQueueAtEnd(t, queue)
	c, log := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var got received
	if err := c.Consume(ctx, queue, func(_ context.Context, d amqp.Delivery) error {
		got.add(string(d.Body))
		return nil
	}); err != nil {
		t.Fatalf("Consume: %v", err)
	}

	var confirmed []string
	failures := 0
	// publish retries one message until the broker confirms it; a failed
	// Publish may still have delivered it, so consumers see duplicates.
	publish := func(i int) {
		body := strconv.Itoa(i)
		for ctx.Err() == nil {
			pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
			err := c.Publish(pctx, queue, []byte(body), nil)
			pcancel()
			if err == nil {
				confirmed = append(confirmed, body)
				return
			}
			failures++
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("message %d never confirmed: %v", i, ctx.Err())
	}

	// Phase 1: a healthy broker.
	next := 0
	for ; next < 100; next++ {
		publish(next)
	}
	// Phase 2: keep publishing for as long as the broker restarts.
	restarted := make(chan error, 1)
	go func() {
		out, err := restartBroker(ctx)
		if err != nil {
			err = fmt.Errorf("%w: %s", err, out)
		}
		restarted <- err
	}()
	for during := true; during; next++ {
		publish(next)
		select {
		case err := <-restarted:
			if err != nil {
				t.Fatalf("restarting the broker: %v", err)
			}
			during = false
		case <-time.After(20 * time.Millisecond):
		}
	}
	if failures == 0 {
		t.Fatalf("no Publish failed while the broker restarted: the restart did not overlap the publishing")
	}
	// Phase 3: after the restart; the consumer must have come back by itself.
	for end := next + 100; next < end; next++ {
		publish(next)
	}

	waitUntil(t, 60*time.Second, "every confirmed message consumed after the restart", func() bool {
		return len(got.missing(confirmed)) == 0
	})
	if len(confirmed) != next {
		t.Fatalf("%d of %d messages confirmed", len(confirmed), next)
	}
	if n := log.count("connected to the message broker"); n < 2 {
		t.Fatalf("the client did not reconnect (connected %d times)", n)
	}
	if err := c.Healthy(); err != nil {
		t.Fatalf("unhealthy after the restart: %v", err)
	}
	if d := c.DownFor(); d != 0 {
		t.Fatalf("DownFor is %s while connected, want 0", d)
	}
	t.Logf("%d publishes failed during the restart and were retried; all %d confirmed messages consumed", failures, next)
}

// eventIDHook remembers the eventId of the last log entry that has one.
type eventIDHook struct{ id atomic.Value }

func (*eventIDHook) Levels() []logrus.Level { return logrus.AllLevels }

func (h *eventIDHook) Fire(e *logrus.Entry) error {
	if id, ok := e.Data["eventId"].(string); ok {
		h.id.Store(id)
	}
	return nil
}

func TestBusListenRefreshes(t *testing.T) {
	c, log := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	app := fmt.Sprintf("goblogtest%d", time.Now().UnixNano())
	serviceID := bus.ServiceID(app, "dev", 6767)
	// Listen logs the event it acts on just before it calls refresh, on the
	// same goroutine: the refresh reports the id of that event.
	var lastEvent eventIDHook
	log.AddHook(&lastEvent)
	refreshed := make(chan string, 100)
	err := bus.Listen(ctx, c, bus.DefaultExchange, serviceID, func(ctx context.Context) error {
		id, _ := lastEvent.id.Load().(string)
		refreshed <- id
		return nil
	}, log)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}

	ch := rawChannel(t)
	// Declared exactly as Spring Cloud Stream declares it; a mismatch would fail here.
	if err := ch.ExchangeDeclare(bus.DefaultExchange, "topic", true, false, false, false, nil); err != nil {
		t.Fatalf("declaring %s as Spring does: %v", bus.DefaultExchange, err)
	}
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	send := func(body string) {
		t.Helper()
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, bus.DefaultExchange, bus.DefaultExchange, false, false,
			amqp.Publishing{ContentType: "application/json", Body: []byte(body)})
		if err != nil {
			t.Fatalf("publishing on the bus: %v", err)
		}
		if ok, err := dc.WaitContext(ctx); !ok || err != nil {
			t.Fatalf("bus message not confirmed: %v", err)
		}
	}
	event := func(typ, destination, id string) string {
		return fmt.Sprintf(`{"type":%q,"timestamp":%d,"originService":"configserver:8888:test","destinationService":%q,"id":%q}`,
			typ, time.Now().UnixMilli(), destination, id)
	}
	expect := func(want string) {
		t.Helper()
		select {
		case id := <-refreshed:
			if id != want {
				t.Fatalf("refresh triggered by event %q, want %q", id, want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("no refresh for event %q", want)
		}
	}

	// Events are handled in order: any wrong refresh would come before m1.
	send(event(bus.RefreshEventType, "otherservice:**", "other"))
	send(event("AckRemoteApplicationEvent", "**", "ack"))
	send(`{"type": broken`)
	send(event(bus.RefreshEventType, app+"2:**", "prefix-of-another-app"))
	send(event(bus.RefreshEventType, app+":**", "m1"))
	expect("m1")
	send(event(bus.RefreshEventType, app+":swarm", "wrong-profile"))
	send(event(bus.RefreshEventType, app+":dev", "m2"))
	expect("m2")

	// After a broker restart the subscription is bound again by itself.
	if out, err := restartBroker(ctx); err != nil {
		t.Fatalf("restarting the broker: %v: %s", err, out)
	}
	ch = rawChannel(t)
	if err := ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		id := fmt.Sprintf("after-restart-%d", i)
		send(event(bus.RefreshEventType, serviceID, id))
		select {
		case <-refreshed:
			return
		case <-time.After(500 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no refresh after the broker restart")
		}
	}
}

// A client whose password the broker refuses asks WithCredentialsRefresh for
// the URL to use, and connects with the one it returns.
func TestRefusedCredentialsAreRefreshed(t *testing.T) {
	good, err := amqp.ParseURI(amqpURL())
	if err != nil {
		t.Fatalf("AMQP_URL: %v", err)
	}
	wrongPassword, missingVhost := good, good
	wrongPassword.Password = "not-" + good.Password
	missingVhost.Vhost = "goblog-no-such-vhost"
	for _, tc := range []struct {
		name string
		bad  amqp.URI
	}{
		{"a wrong password (ACCESS_REFUSED)", wrongPassword},
		{"a vhost that does not exist (NOT_ALLOWED)", missingVhost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			refreshes := 0
			refresh := func(context.Context) (string, error) {
				mu.Lock()
				defer mu.Unlock()
				refreshes++
				return good.String(), nil
			}
			log, hook := logtest.NewNullLogger()
			c := messaging.NewClient(tc.bad.String(), log, messaging.WithReconnectBackoff(50*time.Millisecond, 200*time.Millisecond),
				messaging.WithCredentialsRefresh(refresh))
			defer c.Close()

			waitUntil(t, 30*time.Second, "connected with the refreshed URL", func() bool { return c.Healthy() == nil })
			mu.Lock()
			defer mu.Unlock()
			if refreshes != 1 {
				t.Fatalf("refresh called %d times, want 1 (once for the refused attempt)", refreshes)
			}
			switched := false
			for _, e := range hook.AllEntries() {
				if strings.Contains(e.Message, "using the refreshed AMQP URL") {
					switched = true
					if strings.Contains(fmt.Sprint(e.Data), ":"+good.Password+"@") {
						t.Fatalf("the log shows the password: %v", e.Data)
					}
				}
			}
			if !switched {
				t.Fatalf("no log line says the refreshed URL is used")
			}
			goodURL, err := url.Parse(good.String())
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range hook.AllEntries() {
				if e.Message == "connected to the message broker" && e.Data["broker"] != goodURL.Redacted() {
					t.Fatalf("the connected line names broker %v, want the refreshed %s", e.Data["broker"], goodURL.Redacted())
				}
			}
		})
	}
}
