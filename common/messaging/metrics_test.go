package messaging

import (
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	amqp "github.com/rabbitmq/amqp091-go"
	logtest "github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"
)

func TestDispatchMetrics(t *testing.T) {
	Convey("Given a client measured by Metrics, handling deliveries of vip_queue", t, func() {
		log, _ := logtest.NewNullLogger()
		m := NewMetrics(prometheus.NewRegistry())
		c := &Client{log: log, opts: options{metrics: m}}
		s := &subscription{log: log, metric: "vip_queue", handler: func(_ context.Context, d amqp.Delivery) error {
			if string(d.Body) == "bad" {
				return errors.New("malformed")
			}
			return nil
		}}
		for _, body := range []string{"ok", "bad", "ok"} {
			c.dispatch(context.Background(), s, amqp.Delivery{Acknowledger: &fakeAck{}, Body: []byte(body)})
		}

		Convey("every delivery counts as consumed, the rejected one as rejected too", func() {
			So(testutil.ToFloat64(m.consumed.WithLabelValues("vip_queue")), ShouldEqual, 3)
			So(testutil.ToFloat64(m.rejected.WithLabelValues("vip_queue")), ShouldEqual, 1)
		})
	})

	Convey("A client without Metrics measures nothing and does not fail", t, func() {
		log, _ := logtest.NewNullLogger()
		c := &Client{log: log}
		s := &subscription{log: log, handler: func(context.Context, amqp.Delivery) error { return nil }}
		So(func() { c.dispatch(context.Background(), s, amqp.Delivery{Acknowledger: &fakeAck{}}) }, ShouldNotPanic)
		So(func() { c.opts.metrics.connection(true, true) }, ShouldNotPanic)
	})

	Convey("A client that cannot reach its broker shows connection_up 0", t, func() {
		reg := prometheus.NewRegistry()
		c := NewClient("amqp://guest:guest@127.0.0.1:1/", nil, WithMetrics(NewMetrics(reg)))
		defer c.Close()
		So(testutil.CollectAndCount(reg, "goblog_messaging_connection_up"), ShouldEqual, 1)
		So(testutil.ToFloat64(c.opts.metrics.up), ShouldEqual, 0)
	})
}

func TestNames(t *testing.T) {
	Convey("A Subscribe queue is named as Spring Cloud Stream names an anonymous group's queue, new every time", t, func() {
		spring := regexp.MustCompile(`^springCloudBus\.anonymous\.[A-Za-z0-9_-]{22}$`)
		a, b := AnonymousQueueName("springCloudBus"), AnonymousQueueName("springCloudBus")
		So(spring.MatchString(a), ShouldBeTrue)
		So(spring.MatchString(b), ShouldBeTrue)
		So(a, ShouldNotEqual, b)
	})

	Convey("A service's connection is named by the service and its replica", t, func() {
		So(ConnectionName("accountservice", "10.0.1.7"), ShouldEqual, "accountservice@10.0.1.7")
	})
}
