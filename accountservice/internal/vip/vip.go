// Package vip announces reads of the VIP account on a RabbitMQ queue, for
// vipservice to consume. The event itself is defined in common/vipevent.
package vip

import (
	"context"
	"fmt"
	"time"

	"github.com/openzipkin/zipkin-go"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/common/vipevent"
)

// Publisher sends a message to a durable queue and returns nil only once the
// broker confirmed it; *messaging.Client is one.
type Publisher interface {
	Publish(ctx context.Context, queue string, body []byte, headers amqp.Table) error
}

// Tracer starts the producer span and carries the trace in the message
// headers; *tracing.Tracer is one.
type Tracer interface {
	StartProducerSpanAfter(ctx context.Context, name, parent string) (zipkin.Span, context.Context)
	InjectAMQP(ctx context.Context, headers amqp.Table)
}

// Notifier publishes VIP events; the outbox relay (internal/relay) calls it.
type Notifier struct {
	pub    Publisher
	tracer Tracer
	queue  string
}

// NewNotifier returns a Notifier publishing to queue.
func NewNotifier(pub Publisher, tracer Tracer, queue string) *Notifier {
	return &Notifier{pub: pub, tracer: tracer, queue: queue}
}

// Publish publishes one notification as a VIP event carrying its id, in a
// producer span (a child of the read's span, note.Trace, so the publish and
// vipservice's consume join the read's trace) whose context travels
// in the AMQP headers. It returns nil only once the broker confirmed the
// message (the Publisher's contract).
func (n *Notifier) Publish(ctx context.Context, note account.Notification) error {
	span, ctx := n.tracer.StartProducerSpanAfter(ctx, "publish "+n.queue, note.Trace)
	defer span.Finish()
	span.Tag("account.id", note.AccountID)
	span.Tag("event.id", note.ID)

	body, err := vipevent.Encode(vipevent.Event{ID: note.ID, AccountID: note.AccountID, ReadAt: note.ReadAt})
	if err != nil {
		return err
	}
	headers := amqp.Table{}
	n.tracer.InjectAMQP(ctx, headers)
	if err := n.pub.Publish(ctx, n.queue, body, headers); err != nil {
		zipkin.TagError.Set(span, err.Error())
		return fmt.Errorf("publishing VIP event %s for account %s to %s: %w", note.ID, note.AccountID, n.queue, err)
	}
	return nil
}

// Discard drops every notification; it stands in when no broker is
// configured (amqp_server_url empty).
type Discard struct{}

// NotifyVIP does nothing.
func (Discard) NotifyVIP(context.Context, string, time.Time) error { return nil }
