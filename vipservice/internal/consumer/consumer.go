// Package consumer is the AMQP transport of vipservice: it turns deliveries
// from vip_queue into VIP events, continuing the producer's trace.
package consumer

import (
	"context"
	"fmt"

	"github.com/goblog/common/logging"
	"github.com/goblog/common/tracing"
	"github.com/goblog/common/vipevent"
	"github.com/goblog/vipservice/internal/vip"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"
)

// SpanName names the consumer span of one VIP message.
const SpanName = "vip_queue consume"

// Handler handles the deliveries of vip_queue.
type Handler struct {
	tracer *tracing.Tracer
	stats  *vip.Stats
	seen   *vip.SeenIDs
	log    logrus.FieldLogger
}

// New returns a Handler counting into stats, each event id once while it is
// in the window seen.
func New(tracer *tracing.Tracer, stats *vip.Stats, seen *vip.SeenIDs, log logrus.FieldLogger) *Handler {
	return &Handler{tracer: tracer, stats: stats, seen: seen, log: log}
}

// Handle has the signature of messaging.Handler. It continues the trace from
// the message headers in a consumer span, then logs and counts a valid event
// and returns nil (ack). An event whose id is still in the window of seen ids
// is a duplicate of at-least-once delivery: acked, counted as a duplicate
// only. An event without id (an older producer) is always counted. A malformed message is logged and counted as
// rejected, and the returned error makes the client reject it without
// requeue: it goes to the dead-letter exchange when the queue has one, and
// is dropped otherwise; it is never redelivered.
func (h *Handler) Handle(ctx context.Context, d amqp.Delivery) error {
	span, ctx := h.tracer.StartConsumerSpan(ctx, SpanName, d.Headers)
	defer span.Finish()
	log := logging.WithContext(h.log, ctx) // traceId, spanId of the consumer span

	e, err := vipevent.Decode(d.Body)
	if err != nil {
		h.stats.Rejected()
		span.Tag("error", err.Error())
		log.WithError(err).WithField("messageId", d.MessageId).Warn("rejecting malformed VIP message")
		return fmt.Errorf("handling VIP message %q: %w", d.MessageId, err)
	}
	span.Tag("accountId", e.AccountID)
	fields := logrus.Fields{"accountId": e.AccountID, "readAt": e.ReadAt, "eventId": e.ID}
	if e.ID != "" {
		span.Tag("eventId", e.ID)
		if !h.seen.FirstTime(e.ID) {
			h.stats.Duplicate()
			log.WithFields(fields).Debug("VIP event already counted: a duplicate, acked")
			return nil
		}
	}
	h.stats.Received()
	log.WithFields(fields).Info("VIP account read")
	return nil
}
