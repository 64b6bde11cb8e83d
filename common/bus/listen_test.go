package bus

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/goblog/common/messaging"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"
)

// fakeSubscriber records the subscription and hands out its handler.
type fakeSubscriber struct {
	mu                         sync.Mutex
	exchange, kind, routingKey string
	handler                    messaging.Handler
	err                        error
}

func (f *fakeSubscriber) Subscribe(ctx context.Context, exchange, kind, routingKey string, h messaging.Handler) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.exchange, f.kind, f.routingKey, f.handler = exchange, kind, routingKey, h
	return nil
}

// deliver runs the subscribed handler on body as the messaging client would.
func (f *fakeSubscriber) deliver(body string) error {
	f.mu.Lock()
	h := f.handler
	f.mu.Unlock()
	return h(context.Background(), amqp.Delivery{Body: []byte(body)})
}

func event(typ, destination, id string) string {
	return `{"type":"` + typ + `","destinationService":"` + destination + `","id":"` + id +
		`","originService":"configserver:8888:abc","timestamp":1700000000000}`
}

func TestListen(t *testing.T) {
	Convey("Given a service listening on the bus", t, func() {
		log, hook := logtest.NewNullLogger()
		log.SetLevel(logrus.DebugLevel)
		sub := &fakeSubscriber{}
		refreshes := 0
		refreshErr := error(nil)
		refresh := func(ctx context.Context) error {
			refreshes++
			return refreshErr
		}
		err := Listen(context.Background(), sub, "springCloudBus", "accountservice:dev:6767", refresh, log)
		So(err, ShouldBeNil)

		Convey("it binds to the topic exchange with routing key #", func() {
			So(sub.exchange, ShouldEqual, "springCloudBus")
			So(sub.kind, ShouldEqual, "topic")
			So(sub.routingKey, ShouldEqual, "#")
		})

		Convey("a refresh event for this service triggers a refresh and is acked", func() {
			So(sub.deliver(event(RefreshEventType, "accountservice:**", "e1")), ShouldBeNil)
			So(sub.deliver(event(RefreshEventType, "**", "e2")), ShouldBeNil)
			So(sub.deliver(event(RefreshEventType, "", "e3")), ShouldBeNil)
			So(sub.deliver(event(RefreshEventType, "accountservice:dev:6767", "e4")), ShouldBeNil)
			So(refreshes, ShouldEqual, 4)
		})

		Convey("refresh events for other services are ignored and logged at debug", func() {
			So(sub.deliver(event(RefreshEventType, "vipservice:**", "v1")), ShouldBeNil)
			So(sub.deliver(event(RefreshEventType, "accountservice2:**", "v2")), ShouldBeNil)
			So(sub.deliver(event(RefreshEventType, "accountservice:swarm:**", "v3")), ShouldBeNil)
			So(refreshes, ShouldEqual, 0)
			So(hook.LastEntry().Level, ShouldEqual, logrus.DebugLevel)
			So(hook.LastEntry().Data["eventId"], ShouldEqual, "v3")
		})

		Convey("other event types are ignored and logged at debug", func() {
			So(sub.deliver(event("AckRemoteApplicationEvent", "**", "a1")), ShouldBeNil)
			So(sub.deliver(event("EnvironmentChangeRemoteApplicationEvent", "**", "a2")), ShouldBeNil)
			So(refreshes, ShouldEqual, 0)
			So(hook.LastEntry().Level, ShouldEqual, logrus.DebugLevel)
		})

		Convey("malformed messages are acked (never requeued) with a warning", func() {
			for _, body := range []string{"", "not json", `{"destinationService":"**"}`, `[1,2]`} {
				So(sub.deliver(body), ShouldBeNil)
				So(hook.LastEntry().Level, ShouldEqual, logrus.WarnLevel)
			}
			So(refreshes, ShouldEqual, 0)
		})

		Convey("a failing refresh is logged as an error and the message still acked", func() {
			refreshErr = errors.New("config server down")
			So(sub.deliver(event(RefreshEventType, "**", "f1")), ShouldBeNil)
			So(refreshes, ShouldEqual, 1)
			So(hook.LastEntry().Level, ShouldEqual, logrus.ErrorLevel)
		})
	})

	Convey("Given a subscriber that fails", t, func() {
		sub := &fakeSubscriber{err: errors.New("PRECONDITION_FAILED")}
		err := Listen(context.Background(), sub, "", "a:b:1", func(context.Context) error { return nil }, nil)
		Convey("Listen returns the error with context, naming the default exchange", func() {
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "springCloudBus")
			So(err.Error(), ShouldContainSubstring, "PRECONDITION_FAILED")
		})
	})

	Convey("Given no subscriber or no refresh function, Listen refuses", t, func() {
		So(Listen(context.Background(), nil, "x", "a", func(context.Context) error { return nil }, nil), ShouldNotBeNil)
		So(Listen(context.Background(), &fakeSubscriber{}, "x", "a", nil, nil), ShouldNotBeNil)
	})
}

// *messaging.Client must satisfy Subscriber.
var _ Subscriber = (*messaging.Client)(nil)
