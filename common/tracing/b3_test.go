package tracing

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/openzipkin/zipkin-go"
	zipkinmw "github.com/openzipkin/zipkin-go/middleware/http"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/propagation/b3"
	"github.com/openzipkin/zipkin-go/reporter/recorder"
	. "github.com/smartystreets/goconvey/convey"
)

func TestB3HeaderNames(t *testing.T) {
	Convey("The B3 header names are net/http's canonical forms of zipkin-go's", t, func() {
		for key, name := range map[string]string{
			b3TraceIDKey: b3.TraceID, b3SpanIDKey: b3.SpanID, b3ParentSpanIDKey: b3.ParentSpanID,
			b3SampledKey: b3.Sampled, b3FlagsKey: b3.Flags, b3SingleKey: b3.Context,
		} {
			So(key, ShouldEqual, http.CanonicalHeaderKey(name))
		}
	})
}

// b3Contexts are span contexts of every shape B3 distinguishes.
func b3Contexts() map[string]model.SpanContext {
	yes, no := true, false
	parent := model.ID(0x00000000000000ff)
	return map[string]model.SpanContext{
		"empty":                   {},
		"sampled, with parent":    {TraceID: model.TraceID{Low: 0x0123456789abcdef}, ID: 0xfedcba9876543210, ParentID: &parent, Sampled: &yes},
		"not sampled, no parent":  {TraceID: model.TraceID{Low: 1}, ID: 2, Sampled: &no},
		"undecided, 128-bit":      {TraceID: model.TraceID{High: 0xa, Low: 0xb}, ID: 3},
		"debug":                   {TraceID: model.TraceID{Low: 4}, ID: 5, Debug: true, Sampled: &yes},
		"sampling decision only":  {Sampled: &yes},
		"no span id":              {TraceID: model.TraceID{Low: 6}, Sampled: &no},
		"small ids, zero-padded":  {TraceID: model.TraceID{Low: 7}, ID: 8, ParentID: &parent},
		"high bits only in trace": {TraceID: model.TraceID{High: 0xffffffffffffffff}, ID: 9},
	}
}

func TestInjectB3(t *testing.T) {
	Convey("injectB3 sets the headers b3.InjectHTTP sets, value for value", t, func() {
		for name, sc := range b3Contexts() {
			Convey(name, func() {
				theirs := httptest.NewRequest(http.MethodGet, "http://quotes/api/quote", nil)
				_ = b3.InjectHTTP(theirs)(sc)
				ours := http.Header{}
				injectB3(ours, sc)
				So(ours, ShouldResemble, theirs.Header)
			})
		}
	})
}

func TestExtractB3(t *testing.T) {
	Convey("extractB3 reads what b3.ExtractHTTP reads, errors included", t, func() {
		cases := map[string]map[string]string{
			"none":             {},
			"multi, sampled":   {b3.TraceID: "0123456789abcdef", b3.SpanID: "fedcba9876543210", b3.ParentSpanID: "00000000000000ff", b3.Sampled: "1"},
			"multi, 128-bit":   {b3.TraceID: "000000000000000a000000000000000b", b3.SpanID: "0000000000000003"},
			"multi, debug":     {b3.TraceID: "0000000000000004", b3.SpanID: "0000000000000005", b3.Flags: "1"},
			"single":           {b3.Context: "0123456789abcdef-fedcba9876543210-1-00000000000000ff"},
			"single, bad":      {b3.Context: "nonsense"},
			"bad single, good": {b3.Context: "nonsense", b3.TraceID: "0000000000000001", b3.SpanID: "0000000000000002"},
			"sampled only":     {b3.Sampled: "0"},
			"bad trace id":     {b3.TraceID: "xyz", b3.SpanID: "0000000000000002"},
			"parent, no trace": {b3.ParentSpanID: "0000000000000001"},
		}
		for name, headers := range cases {
			Convey(name, func() {
				req := httptest.NewRequest(http.MethodGet, "/accounts/10001", nil)
				for k, v := range headers {
					req.Header.Set(k, v)
				}
				wantSC, wantErr := b3.ExtractHTTP(req)()
				gotSC, gotErr := extractB3(req.Header)()
				So(gotSC, ShouldResemble, wantSC)
				So(gotErr, ShouldEqual, wantErr)
			})
		}
	})
}

// FuzzExtractB3 checks extractB3 against b3.ExtractHTTP on any header values.
func FuzzExtractB3(f *testing.F) {
	f.Add("0123456789abcdef", "fedcba9876543210", "", "1", "", "")
	f.Add("", "", "", "", "", "0123456789abcdef-fedcba9876543210-d")
	f.Add("000000000000000a000000000000000b", "0000000000000003", "00000000000000ff", "0", "1", "x")
	f.Fuzz(func(t *testing.T, traceID, spanID, parentID, sampled, flags, single string) {
		req := httptest.NewRequest(http.MethodGet, "/accounts/10001", nil)
		for k, v := range map[string]string{b3.TraceID: traceID, b3.SpanID: spanID, b3.ParentSpanID: parentID, b3.Sampled: sampled, b3.Flags: flags, b3.Context: single} {
			if v != "" {
				req.Header[http.CanonicalHeaderKey(k)] = []string{v}
			}
		}
		wantSC, wantErr := b3.ExtractHTTP(req)()
		gotSC, gotErr := extractB3(req.Header)()
		if !errors.Is(gotErr, wantErr) || (wantSC == nil) != (gotSC == nil) || (wantSC != nil && !sameSpanContext(*wantSC, *gotSC)) {
			t.Fatalf("extractB3 = %+v, %v; b3.ExtractHTTP = %+v, %v", gotSC, gotErr, wantSC, wantErr)
		}
	})
}

func sameSpanContext(a, b model.SpanContext) bool {
	samePtr := func(x, y *bool) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	sameID := func(x, y *model.ID) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.TraceID == b.TraceID && a.ID == b.ID && a.Debug == b.Debug &&
		samePtr(a.Sampled, b.Sampled) && sameID(a.ParentID, b.ParentID) && a.Err == b.Err
}

func TestClientTransportAsZipkinGos(t *testing.T) {
	Convey("Given a downstream answering by path, and a traced parent span", t, func() {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/ok":
				_, _ = w.Write([]byte(`{"quote":"live"}`))
			case "/redirect-free-304":
				w.WriteHeader(http.StatusNotModified)
			case "/missing":
				http.Error(w, "no", http.StatusNotFound)
			default:
				http.Error(w, "boom", http.StatusInternalServerError)
			}
		}))
		defer srv.Close()

		// do sends GET path through transport and returns the client span
		// recorded and the request's headers as sent.
		do := func(rt func(*zipkin.Tracer) http.RoundTripper, url string) (model.SpanModel, http.Header, error) {
			rec := recorder.NewReporter()
			tr, err := zipkin.NewTracer(rec, zipkin.WithTraceID128Bit(false))
			So(err, ShouldBeNil)
			parent := tr.StartSpan("GET /accounts/{id}", zipkin.Kind(model.Server))
			req, err := http.NewRequestWithContext(zipkin.NewContext(context.Background(), parent), http.MethodGet, url, nil)
			So(err, ShouldBeNil)
			resp, err := rt(tr).RoundTrip(req)
			if err == nil {
				So(resp.Body.Close(), ShouldBeNil)
			}
			spans := rec.Flush()
			So(spans, ShouldHaveLength, 1)
			return spans[0], req.Header, err
		}
		theirs := func(tr *zipkin.Tracer) http.RoundTripper {
			rt, err := zipkinmw.NewTransport(tr, zipkinmw.RoundTripper(http.DefaultTransport))
			So(err, ShouldBeNil)
			return rt
		}
		ours := func(tr *zipkin.Tracer) http.RoundTripper {
			return &clientTransport{tracer: tr, next: http.DefaultTransport}
		}

		for _, path := range []string{"/ok", "/redirect-free-304", "/missing", "/fail", "refused"} {
			url := srv.URL + path
			if path == "refused" {
				url = "http://127.0.0.1:1/" // nothing listens: a transport error
			}
			Convey("the span and headers of GET "+path+" are zipkin-go's transport's", func() {
				want, wantHeader, wantErr := do(theirs, url)
				got, gotHeader, gotErr := do(ours, url)
				So(got.Name, ShouldEqual, want.Name)
				So(got.Kind, ShouldEqual, want.Kind)
				So(got.Tags, ShouldResemble, want.Tags)
				So(got.RemoteEndpoint, ShouldResemble, want.RemoteEndpoint)
				So(got.ParentID, ShouldNotBeNil)
				So(gotHeader.Get("X-B3-SpanId"), ShouldEqual, got.ID.String())
				So(gotHeader.Get("X-B3-ParentSpanId"), ShouldEqual, got.ParentID.String())
				for _, key := range []string{b3TraceIDKey, b3SpanIDKey, b3ParentSpanIDKey, b3SampledKey, b3FlagsKey} {
					So(len(gotHeader[key]), ShouldEqual, len(wantHeader[key]))
				}
				So(gotErr == nil, ShouldEqual, wantErr == nil)
			})
		}
	})
}
