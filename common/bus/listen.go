package bus

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/goblog/common/messaging"
	"github.com/goblog/common/tracing"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"
)

// Subscriber binds a handler to an exchange; *messaging.Client implements it.
type Subscriber interface {
	Subscribe(ctx context.Context, exchange, kind, routingKey string, h messaging.Handler) error
}

// Listen binds an exclusive auto-delete queue to the topic exchange (durable,
// as Spring declares it; DefaultExchange when empty) with routing key "#", and
// calls refresh for every RefreshRemoteApplicationEvent whose destination
// matches serviceID (see MatchDestination). Other events, events for other
// services and malformed messages are logged and acknowledged, never
// requeued; a failing refresh is logged and the current configuration stays.
// The subscription lives until ctx ends and, like every messaging
// subscription, survives broker reconnects. Listen returns once it is
// registered (see messaging.Client.Subscribe).
func Listen(ctx context.Context, sub Subscriber, exchange, serviceID string,
	refresh func(ctx context.Context) error, log logrus.FieldLogger) error {
	if sub == nil || refresh == nil {
		return errors.New("bus listen: nil subscriber or refresh function")
	}
	if exchange == "" {
		exchange = DefaultExchange
	}
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = l
	}
	log = log.WithFields(logrus.Fields{"exchange": exchange, "serviceId": serviceID})
	h := func(ctx context.Context, d amqp.Delivery) error {
		// Spring Cloud Bus events carry the config server's B3 headers when it traces.
		handle(ctx, d.Body, serviceID, refresh, log.WithFields(tracing.MessageLogFields(d.Headers)))
		return nil // ack: a bus event is never worth redelivering
	}
	if err := sub.Subscribe(ctx, exchange, amqp.ExchangeTopic, "#", h); err != nil {
		return fmt.Errorf("subscribing to bus exchange %s: %w", exchange, err)
	}
	log.Info("listening for configuration refresh events")
	return nil
}

func handle(ctx context.Context, body []byte, serviceID string, refresh func(context.Context) error, log logrus.FieldLogger) {
	ev, err := ParseEvent(body)
	if err != nil {
		log.WithError(err).WithField("bodyBytes", len(body)).Warn("ignoring malformed bus message")
		return
	}
	log = log.WithFields(logrus.Fields{
		"eventType": ev.Type, "eventId": ev.ID, "origin": ev.OriginService, "destination": ev.DestinationService,
	})
	if !ev.IsRefresh() {
		log.Debug("ignoring bus event: not a refresh")
		return
	}
	if !MatchDestination(ev.DestinationService, serviceID) {
		log.Debug("ignoring refresh event for other services")
		return
	}
	log.Info("refresh event for this service: reloading configuration")
	if err := refresh(ctx); err != nil {
		log.WithError(err).Error("configuration refresh failed; keeping the current configuration")
	}
}
