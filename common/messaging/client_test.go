package messaging

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"
)

// deadBrokerURL returns an AMQP URL on which nothing listens.
func deadBrokerURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "amqp://guest:topsecret@" + addr + "/"
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

func TestClientWithoutBroker(t *testing.T) {
	Convey("Given a client whose broker is not running", t, func() {
		log, hook := logtest.NewNullLogger()
		c := NewClient(deadBrokerURL(t), log, WithReconnectBackoff(20*time.Millisecond, 50*time.Millisecond))
		defer c.Close()

		Convey("it is unhealthy, says why, and never shows the password", func() {
			err := c.Healthy()
			So(errors.Is(err, ErrNotConnected), ShouldBeTrue)
			So(err.Error(), ShouldNotContainSubstring, "topsecret")
			// The last error changes from attempt to attempt: only the form is fixed.
			So(c.Status(), ShouldStartWith, "DOWN: "+ErrNotConnected.Error())
		})

		Convey("DownFor counts from its creation, since it has never connected", func() {
			first := c.DownFor()
			So(first, ShouldBeGreaterThan, 0)
			So(c.DownFor(), ShouldBeGreaterThanOrEqualTo, first)
		})

		Convey("Publish fails at once with ErrNotConnected instead of hanging", func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := c.Publish(ctx, "vip_queue", []byte(`{}`), nil)
			So(errors.Is(err, ErrNotConnected), ShouldBeTrue)
			So(ctx.Err(), ShouldBeNil) // it did not wait for the context
			So(err.Error(), ShouldContainSubstring, "vip_queue")
		})

		Convey("Consume and Subscribe register and return nil, to start once connected", func() {
			h := func(context.Context, amqp.Delivery) error { return nil }
			So(c.Consume(context.Background(), "q", h), ShouldBeNil)
			So(c.Subscribe(context.Background(), "springCloudBus", "topic", "#", h), ShouldBeNil)
		})

		Convey("each failed connection attempt is logged once, with its attempt number and the wait", func() {
			So(waitFor(t, 10*time.Second, func() bool { return len(hook.AllEntries()) >= 3 }), ShouldBeTrue)
			var attempts []any
			for _, e := range hook.AllEntries()[:3] {
				So(e.Level, ShouldEqual, logrus.WarnLevel)
				So(e.Data["retryIn"], ShouldNotBeEmpty)
				attempts = append(attempts, e.Data["attempt"])
			}
			So(attempts, ShouldResemble, []any{1, 2, 3})
		})

		Convey("Close returns promptly, is idempotent, and everything fails with ErrClosed afterwards", func() {
			So(c.Close(), ShouldBeNil)
			So(c.Close(), ShouldBeNil)
			So(errors.Is(c.Healthy(), ErrClosed), ShouldBeTrue)
			So(errors.Is(c.Publish(context.Background(), "q", nil, nil), ErrClosed), ShouldBeTrue)
			h := func(context.Context, amqp.Delivery) error { return nil }
			So(errors.Is(c.Consume(context.Background(), "q", h), ErrClosed), ShouldBeTrue)
		})
	})

	Convey("Given invalid arguments", t, func() {
		c := NewClient(deadBrokerURL(t), nil)
		defer c.Close()
		h := func(context.Context, amqp.Delivery) error { return nil }
		ctx := context.Background()
		So(c.Publish(ctx, "", nil, nil), ShouldNotBeNil)
		So(c.Publish(ctx, "q", nil, amqp.Table{"bad": struct{}{}}), ShouldNotBeNil)
		So(c.Consume(ctx, "", h), ShouldNotBeNil)
		So(c.Consume(ctx, "q", nil), ShouldNotBeNil)
		So(c.Subscribe(ctx, "", "topic", "#", h), ShouldNotBeNil)
		So(c.Subscribe(ctx, "x", "bogus", "#", h), ShouldNotBeNil)
	})

	Convey("Given a malformed broker URL", t, func() {
		c := NewClient("http://not-amqp", nil)
		defer c.Close()
		Convey("Healthy explains it", func() {
			So(waitFor(t, 5*time.Second, func() bool {
				err := c.Healthy()
				return err != nil && strings.Contains(err.Error(), "invalid AMQP URL")
			}), ShouldBeTrue)
		})
	})
}

// fakeAck records what dispatch did with a delivery.
type fakeAck struct {
	mu      sync.Mutex
	acks    int
	nacks   int
	requeue bool
}

func (f *fakeAck) Ack(tag uint64, multiple bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acks++
	return nil
}

func (f *fakeAck) Nack(tag uint64, multiple, requeue bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nacks++
	f.requeue = f.requeue || requeue
	return nil
}

func (f *fakeAck) Reject(tag uint64, requeue bool) error { return f.Nack(tag, false, requeue) }

func TestDispatch(t *testing.T) {
	Convey("Given a delivery", t, func() {
		log, _ := logtest.NewNullLogger()
		c := &Client{log: log}
		ack := &fakeAck{}
		d := amqp.Delivery{Acknowledger: ack, DeliveryTag: 1, Body: []byte("x")}
		run := func(h Handler) {
			c.dispatch(context.Background(), &subscription{handler: h, log: log}, d)
		}

		Convey("a handler returning nil acks it", func() {
			run(func(context.Context, amqp.Delivery) error { return nil })
			So(ack.acks, ShouldEqual, 1)
			So(ack.nacks, ShouldEqual, 0)
		})
		Convey("a handler error rejects it without requeue", func() {
			run(func(context.Context, amqp.Delivery) error { return errors.New("bad message") })
			So(ack.acks, ShouldEqual, 0)
			So(ack.nacks, ShouldEqual, 1)
			So(ack.requeue, ShouldBeFalse)
		})
		Convey("a panicking handler is recovered and the message rejected without requeue", func() {
			So(func() { run(func(context.Context, amqp.Delivery) error { panic("boom") }) }, ShouldNotPanic)
			So(ack.nacks, ShouldEqual, 1)
			So(ack.requeue, ShouldBeFalse)
		})
		Convey("the handler's context keeps the consumer's values but is not cancelled with it", func() {
			type key struct{}
			ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
			defer cancel()
			deliveries := make(chan amqp.Delivery, 2)
			deliveries <- d
			deliveries <- d
			var got any
			var gotErr error
			calls := 0
			s := &subscription{log: log, handler: func(hctx context.Context, _ amqp.Delivery) error {
				calls++
				cancel() // the subscription ends while the handler runs
				got, gotErr = hctx.Value(key{}), hctx.Err()
				return nil
			}}
			c.closing = make(chan struct{})
			So(c.consume(ctx, s, deliveries), ShouldBeTrue) // stopped by ctx
			So(got, ShouldEqual, "v")
			So(gotErr, ShouldBeNil)
			So(ack.acks, ShouldEqual, 1)
			So(calls, ShouldEqual, 1) // no new delivery after the end
		})
		Convey("consume reports a closed delivery channel so the consumer is re-established", func() {
			deliveries := make(chan amqp.Delivery)
			close(deliveries)
			c.closing = make(chan struct{})
			So(c.consume(context.Background(), &subscription{log: log, handler: func(context.Context, amqp.Delivery) error { return nil }}, deliveries), ShouldBeFalse)
		})
	})
}
