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
		cl.Finish() // a 2xx answer: no status tag, as zipkin-go's transport does
	}
	srv.Finish() // a 2xx answer: no status tag, as Middleware does
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

// BenchmarkB3 is what zipkin-go's B3 propagation costs a request alone: the
// server side's extraction (b3.ExtractHTTP, Middleware) and one downstream
// call's injection (b3.InjectHTTP, zipkin-go's client transport; a request
// of accountservice makes two). The injection's figures include the fresh
// header (a map and its Accept value) every call starts with.
func BenchmarkB3(b *testing.B) {
	sampled := true
	parent := model.ID(0x00000000000000ff)
	sc := model.SpanContext{TraceID: model.TraceID{Low: 0x0123456789abcdef}, ID: 0xfedcba9876543210, ParentID: &parent, Sampled: &sampled}
	b.Run("extract", func(b *testing.B) {
		req := httptest.NewRequest(http.MethodGet, "/accounts/10001", nil)
		if err := b3.InjectHTTP(req)(sc); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := b3.ExtractHTTP(req)(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("inject", func(b *testing.B) {
		req := httptest.NewRequest(http.MethodGet, "http://quotes/api/quote", nil)
		b.ReportAllocs()
		for b.Loop() {
			req.Header = http.Header{"Accept": {"application/json"}}
			if err := b3.InjectHTTP(req)(sc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
