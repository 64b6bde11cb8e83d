//go:build integration

package consumer

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/goblog/common/messaging"
	"github.com/goblog/common/tracing"
	"github.com/goblog/vipservice/internal/vip"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"
)

// amqpURL is the broker of the integration tests: AMQP_URL, or a local
// RabbitMQ as scripts/ensure-rabbitmq.sh starts it.
func amqpURL() string {
	if u := os.Getenv("AMQP_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@localhost:5672/"
}

// readyMessages counts the messages waiting in queue, from a connection of its own.
func readyMessages(t *testing.T, queue string) int {
	conn, err := amqp.Dial(amqpURL())
	if err != nil {
		t.Fatalf("dialling %s: %v", amqpURL(), err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("opening channel: %v", err)
	}
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		t.Fatalf("inspecting queue %s: %v", queue, err)
	}
	return q.Messages
}

func deleteQueue(queue string) {
	conn, err := amqp.Dial(amqpURL())
	if err != nil {
		return
	}
	defer conn.Close()
	if ch, err := conn.Channel(); err == nil {
		_, _ = ch.QueueDelete(queue, false, false, false)
		ch.Close()
	}
}

func waitFor(cond func() bool, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cond()
}

func TestConsumeFromRabbitMQ(t *testing.T) {
	Convey("Given vipservice consuming a fresh queue on a real RabbitMQ", t, func() {
		log := logrus.New()
		log.SetOutput(io.Discard)
		queue := fmt.Sprintf("vip_queue_it_%d", time.Now().UnixNano())
		Reset(func() { deleteQueue(queue) })

		tracer, err := tracing.New("vipservice", "", "")
		So(err, ShouldBeNil)
		Reset(func() { _ = tracer.Close() })
		var stats vip.Stats
		h := New(tracer, &stats, vip.NewSeenIDs(0), log)

		client := messaging.NewClient(amqpURL(), log)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		So(waitFor(func() bool { return client.Healthy() == nil }, 15*time.Second), ShouldBeTrue)

		consumeCtx, stopConsuming := context.WithCancel(ctx)
		consumed := make(chan error, 1)
		go func() { consumed <- client.Consume(consumeCtx, queue, h.Handle) }()

		Convey("a valid and a malformed message: one counted, one rejected, and the queue ends empty", func() {
			So(client.Publish(ctx, queue, []byte(`{"accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`), amqp.Table{}), ShouldBeNil)
			So(client.Publish(ctx, queue, []byte(`{"accountId":"ten","readAt":"soon"}`), amqp.Table{}), ShouldBeNil)

			So(waitFor(func() bool {
				s := stats.Snapshot()
				return s.Received+s.Rejected >= 2
			}, 15*time.Second), ShouldBeTrue)

			stopConsuming()
			select {
			case <-consumed:
			case <-time.After(10 * time.Second):
			}
			So(client.Close(), ShouldBeNil)
			// Any message left unacknowledged would be back in the queue now.
			So(stats.Snapshot(), ShouldResemble, vip.StatsSnapshot{Received: 1, Rejected: 1})
			So(readyMessages(t, queue), ShouldEqual, 0)
		})
	})
}
