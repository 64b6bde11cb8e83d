package consumer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/goblog/common/tracing"
	"github.com/goblog/common/vipevent"
	"github.com/goblog/vipservice/internal/vip"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/reporter/recorder"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"
)

func TestHandle(t *testing.T) {
	Convey("Given a handler with a recording tracer", t, func() {
		rec := recorder.NewReporter()
		tracer, err := tracing.New("vipservice", "127.0.0.1:6868", "", tracing.WithReporter(rec))
		So(err, ShouldBeNil)
		Reset(func() { _ = tracer.Close() })
		var logs bytes.Buffer
		log := logrus.New()
		log.SetOutput(&logs)
		log.SetFormatter(&logrus.JSONFormatter{})
		var stats vip.Stats
		h := New(tracer, &stats, vip.NewSeenIDs(10), log)
		ctx := context.Background()

		Convey("a valid event continuing a trace is acked, counted and logged with the trace id", func() {
			d := amqp.Delivery{
				Body: []byte(`{"accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`),
				Headers: amqp.Table{
					"X-B3-TraceId": "463ac35c9f6413ad", "X-B3-SpanId": "72485a3953bb6124", "X-B3-Sampled": "1",
				},
			}
			So(h.Handle(ctx, d), ShouldBeNil)
			So(stats.Snapshot(), ShouldResemble, vip.StatsSnapshot{Received: 1})

			spans := rec.Flush()
			So(spans, ShouldHaveLength, 1)
			So(spans[0].Name, ShouldEqual, SpanName)
			So(spans[0].Kind, ShouldEqual, model.Consumer)
			So(spans[0].TraceID.String(), ShouldEqual, "463ac35c9f6413ad")
			So(spans[0].ParentID.String(), ShouldEqual, "72485a3953bb6124")
			So(spans[0].Tags["accountId"], ShouldEqual, "10000")

			var entry map[string]any
			So(json.Unmarshal(logs.Bytes(), &entry), ShouldBeNil)
			So(entry["traceId"], ShouldEqual, "463ac35c9f6413ad")
			So(entry["accountId"], ShouldEqual, "10000")
		})

		Convey("a valid event without trace headers starts a new trace", func() {
			d := amqp.Delivery{Body: []byte(`{"accountId":"10001","readAt":"2024-03-01T12:30:00Z"}`)}
			So(h.Handle(ctx, d), ShouldBeNil)
			spans := rec.Flush()
			So(spans, ShouldHaveLength, 1)
			So(spans[0].ParentID, ShouldBeNil)
			So(spans[0].TraceID.Empty(), ShouldBeFalse)
		})

		Convey("an event delivered twice with the same id is acked both times and counted once", func() {
			d := amqp.Delivery{Body: []byte(`{"id":"0193a4b2-7c1e-7d2f-8a3b-4c5d6e7f8091","accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`)}
			So(h.Handle(ctx, d), ShouldBeNil)
			So(h.Handle(ctx, d), ShouldBeNil)
			So(stats.Snapshot(), ShouldResemble, vip.StatsSnapshot{Received: 1, Duplicates: 1})

			Convey("while another id is counted", func() {
				d.Body = []byte(`{"id":"0193a4b2-7c1e-7d2f-8a3b-4c5d6e7f8092","accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`)
				So(h.Handle(ctx, d), ShouldBeNil)
				So(stats.Snapshot(), ShouldResemble, vip.StatsSnapshot{Received: 2, Duplicates: 1})
			})
		})

		Convey("events of an older producer, without id, are each counted", func() {
			d := amqp.Delivery{Body: []byte(`{"accountId":"10000","readAt":"2024-03-01T12:30:00Z"}`)}
			So(h.Handle(ctx, d), ShouldBeNil)
			So(h.Handle(ctx, d), ShouldBeNil)
			So(stats.Snapshot(), ShouldResemble, vip.StatsSnapshot{Received: 2})
		})

		malformed := map[string]string{
			"malformed JSON": `{"accountId":"10000",`,
			"bad accountId":  `{"accountId":"ten","readAt":"2024-03-01T12:30:00Z"}`,
			"bad time":       `{"accountId":"10000","readAt":"yesterday"}`,
		}
		for name, body := range malformed {
			Convey("a message with "+name+" is rejected, counted apart, and its span ends", func() {
				err := h.Handle(ctx, amqp.Delivery{Body: []byte(body)})
				So(errors.Is(err, vipevent.ErrMalformed), ShouldBeTrue)
				So(stats.Snapshot(), ShouldResemble, vip.StatsSnapshot{Rejected: 1})
				So(rec.Flush(), ShouldHaveLength, 1)
				So(logs.String(), ShouldContainSubstring, "rejecting malformed VIP message")
			})
		}
	})
}
