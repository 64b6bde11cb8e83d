package tracing

import (
	"net"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/proto/zipkin_proto3"
	. "github.com/smartystreets/goconvey/convey"
	"google.golang.org/protobuf/proto"
)

// proto3Spans are spans with every field zipkin.proto carries, set and unset.
func proto3Spans() []*model.SpanModel {
	parent := model.ID(0x1122334455667788)
	start := time.Date(2026, 11, 30, 16, 0, 0, 123456789, time.UTC)
	return []*model.SpanModel{
		{ // a server span with a parent, endpoints and tags
			SpanContext: model.SpanContext{
				TraceID:  model.TraceID{Low: 0xabcdef0123456789},
				ID:       model.ID(0x0102030405060708),
				ParentID: &parent,
			},
			Name:           "get /accounts/{id}",
			Kind:           model.Server,
			Timestamp:      start,
			Duration:       1234567 * time.Nanosecond,
			LocalEndpoint:  &model.Endpoint{ServiceName: "accountservice", IPv4: net.IPv4(10, 0, 0, 7).To4(), Port: 6767},
			RemoteEndpoint: &model.Endpoint{IPv4: net.IPv4(127, 0, 0, 1).To4(), Port: 40000},
			Tags:           map[string]string{"http.method": "GET", "http.path": "/accounts/10001", "http.route": "/accounts/{id}", "http.status_code": "200", "empty": ""},
		},
		{ // a root client span: 128-bit trace id, IPv6, annotations, debug, shared
			SpanContext: model.SpanContext{
				TraceID: model.TraceID{High: 0xfedcba9876543210, Low: 1},
				ID:      model.ID(2),
				Debug:   true,
			},
			Kind:           model.Client,
			Timestamp:      start,
			Duration:       300 * time.Nanosecond,
			Shared:         true,
			LocalEndpoint:  &model.Endpoint{ServiceName: "accountservice", IPv6: net.ParseIP("2001:db8::1")},
			RemoteEndpoint: &model.Endpoint{},
			Annotations:    []model.Annotation{{Timestamp: start.Add(time.Millisecond), Value: "wr"}, {Timestamp: start, Value: ""}},
		},
		{ // nothing but ids: no kind, time, endpoint or tag
			SpanContext: model.SpanContext{TraceID: model.TraceID{Low: 3}, ID: model.ID(4)},
			Kind:        model.Consumer,
		},
		{SpanContext: model.SpanContext{TraceID: model.TraceID{Low: 5}, ID: model.ID(6)}, Kind: model.Producer},
	}
}

func TestProto3Serializer(t *testing.T) {
	Convey("Given spans with every field of zipkin.proto set and unset", t, func() {
		spans := proto3Spans()
		ours, err := proto3Serializer{}.Serialize(spans)
		So(err, ShouldBeNil)

		Convey("the bytes are zipkin-go's serializer's, marshalled deterministically", func() {
			theirs, err := zipkin_proto3.SpanSerializer{}.Serialize(spans)
			So(err, ShouldBeNil)
			var list zipkin_proto3.ListOfSpans
			So(proto.Unmarshal(theirs, &list), ShouldBeNil)
			canonical, err := proto.MarshalOptions{Deterministic: true}.Marshal(&list)
			So(err, ShouldBeNil)
			So(ours, ShouldResemble, canonical)
		})

		Convey("zipkin-go's parser reads back the spans", func() {
			parsed, err := zipkin_proto3.ParseSpans(ours, true)
			So(err, ShouldBeNil)
			So(parsed, ShouldHaveLength, len(spans))
			So(parsed[0].ParentID, ShouldNotBeNil)
			So(*parsed[0].ParentID, ShouldEqual, *spans[0].ParentID)
			So(parsed[0].Tags, ShouldResemble, spans[0].Tags)
			So(parsed[0].Name, ShouldEqual, spans[0].Name)
			So(parsed[0].LocalEndpoint.ServiceName, ShouldEqual, "accountservice")
			So(parsed[1].TraceID, ShouldResemble, spans[1].TraceID)
			So(parsed[1].Annotations, ShouldHaveLength, 2)
			So(parsed[1].Shared, ShouldBeTrue)
			So(parsed[1].Debug, ShouldBeTrue)
			So(parsed[2].Kind, ShouldEqual, model.Consumer)
		})

		Convey("the content type is protobuf's, as zipkin-go's", func() {
			So(proto3Serializer{}.ContentType(), ShouldEqual, zipkin_proto3.SpanSerializer{}.ContentType())
		})
	})

	Convey("An empty batch is an empty ListOfSpans", t, func() {
		b, err := proto3Serializer{}.Serialize(nil)
		So(err, ShouldBeNil)
		So(b, ShouldBeEmpty)
	})
}
