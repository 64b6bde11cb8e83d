package vip_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go"
	amqp "github.com/rabbitmq/amqp091-go"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/vip"
	"github.com/goblog/common/tracing"
)

type published struct {
	queue   string
	body    []byte
	headers amqp.Table
}

type fakePublisher struct {
	got []published
	err error
}

func (f *fakePublisher) Publish(_ context.Context, queue string, body []byte, headers amqp.Table) error {
	f.got = append(f.got, published{queue, body, headers})
	return f.err
}

func TestNotifier(t *testing.T) {
	tracer, err := tracing.New("accountservice", "127.0.0.1:6767", "")
	if err != nil {
		t.Fatal(err)
	}
	defer tracer.Close()

	Convey("Given a notifier on vip_queue and a request span", t, func() {
		pub := &fakePublisher{}
		n := vip.NewNotifier(pub, tracer, "vip_queue")
		parent := tracer.StartSpan("GET /accounts/{id}")
		ctx := zipkin.NewContext(context.Background(), parent)
		readAt := time.Date(2024, 5, 1, 14, 0, 0, 0, time.FixedZone("CEST", 2*3600))
		note := account.Notification{ID: "0193a4b2-7c1e-7d2f-8a3b-4c5d6e7f8091", AccountID: "10000", ReadAt: readAt}

		Convey("it publishes the event, its id included, with the trace in the headers", func() {
			So(n.Publish(ctx, note), ShouldBeNil)
			So(pub.got, ShouldHaveLength, 1)
			So(pub.got[0].queue, ShouldEqual, "vip_queue")

			var ev map[string]string
			So(json.Unmarshal(pub.got[0].body, &ev), ShouldBeNil)
			So(ev, ShouldResemble, map[string]string{"id": note.ID, "accountId": "10000", "readAt": "2024-05-01T12:00:00Z"})

			sc := tracer.ExtractAMQP(pub.got[0].headers)
			So(sc.TraceID, ShouldEqual, parent.Context().TraceID)
			So(sc.ParentID, ShouldNotBeNil)
			So(*sc.ParentID, ShouldEqual, parent.Context().ID) // the producer span is the request's child
		})

		Convey("a publish failure is returned with context", func() {
			pub.err = errors.New("connection closed")
			err := n.Publish(ctx, note)
			So(err, ShouldNotBeNil)
			So(errors.Is(err, pub.err), ShouldBeTrue)
			So(err.Error(), ShouldContainSubstring, "vip_queue")
		})
	})
}
