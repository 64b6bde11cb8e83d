package messaging

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/cenkalti/backoff/v4"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"

	"github.com/goblog/common/tracing"
)

// subscription is a consumer the client sets up again after every reconnect.
type subscription struct {
	queue      string // durable queue (Consume); empty for Subscribe
	exchange   string // Subscribe: exchange to bind an exclusive queue to
	kind       string
	routingKey string
	handler    Handler
	log        logrus.FieldLogger
	// metric is the queue label of its deliveries: queue, or for Subscribe
	// the exchange's name and ".anonymous" (its queue's name is random).
	metric string
}

// Consume handles the messages of the durable queue (declared as Publish
// declares it) with manual acks, until ctx ends or the client is closed. It
// returns once the consumer is set up when the client is connected (an error
// then means the broker refused the declaration), or at once when it is not:
// the consumer starts as soon as the client connects, and again after every
// reconnect.
func (c *Client) Consume(ctx context.Context, queue string, h Handler) error {
	if queue == "" {
		return errors.New("consuming: queue name is empty")
	}
	return c.start(ctx, &subscription{queue: queue, handler: h, log: c.log.WithField("queue", queue), metric: queue})
}

// Subscribe binds a fresh exclusive, auto-delete queue to the exchange with
// routingKey and handles its messages like Consume. The queue is named as
// Spring Cloud Stream names an anonymous consumer group's queue,
// AnonymousQueueName(exchange) ("springCloudBus.anonymous.<random>"), so the
// management UI shows which exchange it serves; its exclusive owner is the
// client's connection (WithConnectionName: which service). The exchange
// is declared durable and not auto-delete with the given kind ("topic" for
// springCloudBus, as Spring Cloud Stream declares it), so both sides agree and
// neither fails with PRECONDITION_FAILED. The queue disappears with the
// subscription; a new one is bound after each reconnect.
func (c *Client) Subscribe(ctx context.Context, exchange, kind, routingKey string, h Handler) error {
	if exchange == "" {
		return errors.New("subscribing: exchange name is empty")
	}
	switch kind {
	case amqp.ExchangeDirect, amqp.ExchangeFanout, amqp.ExchangeTopic, amqp.ExchangeHeaders:
	default:
		return fmt.Errorf("subscribing to %s: unknown exchange kind %q", exchange, kind)
	}
	return c.start(ctx, &subscription{
		exchange: exchange, kind: kind, routingKey: routingKey, handler: h,
		log:    c.log.WithFields(logrus.Fields{"exchange": exchange, "routingKey": routingKey}),
		metric: exchange + ".anonymous",
	})
}

func (c *Client) start(ctx context.Context, s *subscription) error {
	if s.handler == nil {
		return errors.New("consuming: nil handler")
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.subs.Add(1) // under mu: Close cannot be waiting yet
	c.mu.Unlock()

	first := make(chan error, 1)
	go c.supervise(ctx, s, first)
	select {
	case err := <-first:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// supervise keeps the subscription consuming across reconnects. It reports
// on first exactly once: the setup result when connected, nil when not.
func (c *Client) supervise(ctx context.Context, s *subscription, first chan<- error) {
	defer c.subs.Done()
	reported := false
	report := func(err error) {
		if !reported {
			reported = true
			first <- err
		}
	}
	defer func() { report(nil) }()

	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(c.opts.minBackoff),
		backoff.WithMaxInterval(c.opts.maxBackoff),
		backoff.WithMaxElapsedTime(0),
	)
	for {
		conn, _ := c.liveConn()
		if conn == nil {
			report(nil) // set up as soon as the client connects
			if conn = c.waitConn(ctx); conn == nil {
				return
			}
		}
		ch, deliveries, err := c.setup(conn, s)
		if err != nil {
			if !reported && refused(err) {
				report(err)
				return
			}
			report(nil)
			wait := b.NextBackOff()
			if !conn.IsClosed() {
				s.log.WithError(err).WithField("retryIn", wait.Round(time.Millisecond).String()).
					Error("setting up consumer failed, retrying")
			}
			if !c.pause(ctx, wait) {
				return
			}
			continue
		}
		report(nil)
		s.log.Info("consuming")
		stopped := c.consume(ctx, s, deliveries)
		_ = ch.Close() // requeues prefetched deliveries; deletes an exclusive queue
		if stopped {
			return
		}
		if conn.IsClosed() {
			s.log.Warn("consumer interrupted by the lost connection; it resumes after reconnecting")
			b.Reset()
			continue
		}
		// The channel closed or the broker cancelled the consumer (queue deleted).
		wait := b.NextBackOff()
		s.log.WithField("retryIn", wait.Round(time.Millisecond).String()).Warn("consumer cancelled by the broker, re-establishing")
		if !c.pause(ctx, wait) {
			return
		}
	}
}

// pause waits d unless ctx ends or the client closes.
func (c *Client) pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-c.closing:
		return false
	}
}

// refused reports a channel-level refusal from the broker (wrong arguments,
// permissions), which retrying does not fix.
func refused(err error) bool {
	var aerr *amqp.Error
	if !errors.As(err, &aerr) || !aerr.Server {
		return false
	}
	switch aerr.Code {
	case amqp.AccessRefused, amqp.NotFound, amqp.ResourceLocked, amqp.PreconditionFailed:
		return true
	}
	return false
}

// setup opens a channel, declares what s needs and starts consuming.
func (c *Client) setup(conn *amqp.Connection, s *subscription) (*amqp.Channel, <-chan amqp.Delivery, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, nil, fmt.Errorf("opening a channel: %w", err)
	}
	fail := func(err error) (*amqp.Channel, <-chan amqp.Delivery, error) {
		_ = ch.Close()
		return nil, nil, err
	}
	if err := ch.Qos(c.opts.prefetch, 0, false); err != nil {
		return fail(fmt.Errorf("setting prefetch: %w", err))
	}
	queue := s.queue
	if queue != "" {
		if _, err := declareQueue(ch, queue); err != nil {
			return fail(err)
		}
	} else {
		if err := ch.ExchangeDeclare(s.exchange, s.kind, true, false, false, false, nil); err != nil {
			return fail(fmt.Errorf("declaring %s exchange %s: %w", s.kind, s.exchange, err))
		}
		q, err := ch.QueueDeclare(AnonymousQueueName(s.exchange), false, true, true, false, nil)
		if err != nil {
			return fail(fmt.Errorf("declaring an exclusive queue for %s: %w", s.exchange, err))
		}
		if err := ch.QueueBind(q.Name, s.routingKey, s.exchange, false, nil); err != nil {
			return fail(fmt.Errorf("binding queue %s to %s with %q: %w", q.Name, s.exchange, s.routingKey, err))
		}
		queue = q.Name
	}
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		return fail(fmt.Errorf("consuming from %s: %w", queue, err))
	}
	return ch, deliveries, nil
}

// consume handles deliveries one at a time until the channel closes (false)
// or ctx ends or the client closes (true). A running handler always finishes.
func (c *Client) consume(ctx context.Context, s *subscription, deliveries <-chan amqp.Delivery) bool {
	hctx := context.WithoutCancel(ctx)
	for {
		select {
		case <-ctx.Done():
			return true
		case <-c.closing:
			return true
		case d, ok := <-deliveries:
			if !ok {
				return false
			}
			if ctx.Err() != nil || c.isClosing() {
				return true // unhandled: requeued when the channel closes
			}
			c.dispatch(hctx, s, d)
		}
	}
}

// dispatch runs the handler and acks, or rejects without requeue on error or panic.
func (c *Client) dispatch(ctx context.Context, s *subscription, d amqp.Delivery) {
	// The message's trace (traceId, and spanId of its sender), so these
	// lines join the handler's in a search by trace id.
	log := s.log.WithFields(tracing.MessageLogFields(d.Headers)).
		WithFields(logrus.Fields{"deliveryTag": d.DeliveryTag, "redelivered": d.Redelivered})
	err := runHandler(ctx, s.handler, d)
	c.opts.metrics.handled(s.metric, err != nil)
	if err != nil {
		log.WithError(err).Warn("handler failed: rejecting the message without requeue")
		if nerr := d.Nack(false, false); nerr != nil {
			log.WithError(nerr).Warn("reject failed (channel closed): the broker will redeliver the message")
		}
		return
	}
	if err := d.Ack(false); err != nil {
		log.WithError(err).Warn("ack failed (channel closed): the broker will redeliver the message")
	}
}

// runHandler calls h, turning a panic into an error.
func runHandler(ctx context.Context, h Handler, d amqp.Delivery) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return h(ctx, d)
}

// AnonymousQueueName is "<exchange>.anonymous.<22 characters>": Spring Cloud
// Stream's name for the queue of an anonymous consumer group (its
// AnonymousQueue with Spring AMQP's Base64UrlNamingStrategy("anonymous."):
// a random UUID's 16 bytes in unpadded base64url). A new name on every call.
func AnonymousQueueName(exchange string) string {
	var id [16]byte
	_, _ = rand.Read(id[:])   // never fails (crypto/rand, Go 1.24)
	id[6] = id[6]&0x0f | 0x40 // version 4, as java.util.UUID.randomUUID
	id[8] = id[8]&0x3f | 0x80 // variant RFC 9562
	return exchange + ".anonymous." + base64.RawURLEncoding.EncodeToString(id[:])
}
