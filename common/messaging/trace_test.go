package messaging

import (
	"context"
	"errors"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
	logtest "github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"
)

func TestDispatchLogsTheMessageTrace(t *testing.T) {
	Convey("Given a message carrying a B3 trace that its handler fails", t, func() {
		log, hook := logtest.NewNullLogger()
		c := &Client{log: log}
		s := &subscription{log: log, handler: func(context.Context, amqp.Delivery) error { return errors.New("bad message") }}
		c.dispatch(context.Background(), s, amqp.Delivery{Acknowledger: &fakeAck{}, Headers: amqp.Table{
			"X-B3-TraceId": "463ac35c9f6413ad48485a3953bb6124", "X-B3-SpanId": "a2fb4a1d1a96d312", "X-B3-Sampled": "1",
		}})

		Convey("the rejection is logged with the message's traceId and the sender's spanId", func() {
			e := hook.LastEntry()
			So(e, ShouldNotBeNil)
			So(e.Message, ShouldStartWith, "handler failed")
			So(e.Data["traceId"], ShouldEqual, "463ac35c9f6413ad48485a3953bb6124")
			So(e.Data["spanId"], ShouldEqual, "a2fb4a1d1a96d312")
		})
	})
}
