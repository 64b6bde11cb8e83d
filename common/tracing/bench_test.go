package tracing

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/propagation/b3"
	"github.com/openzipkin/zipkin-go/proto/zipkin_proto3"
	"github.com/openzipkin/zipkin-go/reporter"
	"github.com/openzipkin/zipkin-go/reporter/recorder"
)

// The spans of one GET /accounts/{id} in accountservice: the server span,
// the bolt read, and a client span per downstream with its B3 headers.
func requestSpans(b *testing.B, tr *Tracer) {
	b.Helper()
	srv := tr.StartSpan("GET /accounts/{id}", zipkin.Kind(model.Server),
		zipkin.RemoteEndpoint(remoteEndpoint("127.0.0.1:40000")))
	zipkin.TagHTTPMethod.Set(srv, http.MethodGet)
	zipkin.TagHTTPPath.Set(srv, "/accounts/10001")
	zipkin.TagHTTPRoute.Set(srv, "/accounts/{id}")
	db := tr.StartSpan("bolt get", zipkin.Parent(srv.Context()), zipkin.Tags(map[string]string{"account.id": "10001"}))
	db.Finish()
	for _, path := range []string{"/api/quote", "/accounts/10001"} {
		cl := tr.StartSpan("get", zipkin.Kind(model.Client), zipkin.Parent(srv.Context()))
		zipkin.TagHTTPMethod.Set(cl, http.MethodGet)
		zipkin.TagHTTPPath.Set(cl, path)
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:7070"+path, nil)
		if err := b3.InjectHTTP(req)(cl.Context()); err != nil {
			b.Fatal(err)
		}
		zipkin.TagHTTPStatusCode.Set(cl, "200")
		cl.Finish()
	}
	zipkin.TagHTTPStatusCode.Set(srv, "200")
	srv.Finish()
}

// BenchmarkRequestSpans is what zipkin-go costs a request to make, tag,
// propagate and finish its four spans (reported to nothing).
func BenchmarkRequestSpans(b *testing.B) {
	tr, err := New("accountservice", "127.0.0.1:6767", "", WithReporter(reporter.NewNoopReporter()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		requestSpans(b, tr)
	}
}

// BenchmarkSerializeRequestSpans is what the reporter pays per request to
// encode the four spans of one request for /api/v2/spans: zipkin-go's JSON
// serializer and its proto3 one, which newHTTPReporter uses.
func BenchmarkSerializeRequestSpans(b *testing.B) {
	rec := recorder.NewReporter()
	tr, err := New("accountservice", "127.0.0.1:6767", "", WithReporter(rec))
	if err != nil {
		b.Fatal(err)
	}
	requestSpans(b, tr)
	spans := rec.Flush()
	if len(spans) != 4 {
		b.Fatalf("%d spans, want 4", len(spans))
	}
	batch := make([]*model.SpanModel, len(spans))
	for i := range spans {
		batch[i] = &spans[i]
	}
	for _, ser := range []struct {
		name string
		s    reporter.SpanSerializer
	}{{"json", reporter.JSONSerializer{}}, {"proto3", zipkin_proto3.SpanSerializer{}}} {
		b.Run(ser.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ser.s.Serialize(batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
