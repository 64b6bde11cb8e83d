package tracing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/proto/zipkin_proto3"
	"github.com/openzipkin/zipkin-go/reporter"
	"github.com/openzipkin/zipkin-go/reporter/recorder"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"
)

func quietLogger() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

func newRecordingTracer(t *testing.T) (*Tracer, *recorder.ReporterRecorder) {
	t.Helper()
	rec := recorder.NewReporter()
	tr, err := New("accountservice", "10.0.0.5:6767", "", WithReporter(rec), WithLogger(quietLogger()))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tr, rec
}

// accountsRouter serves GET /accounts/{id} with the tracing middleware and
// remembers the log fields the handler saw.
func accountsRouter(tr *Tracer, status int, seen *logrus.Fields) *mux.Router {
	r := mux.NewRouter()
	r.Use(tr.Middleware())
	r.HandleFunc("/accounts/{id}", func(w http.ResponseWriter, req *http.Request) {
		*seen = LogFields(req.Context())
		w.WriteHeader(status)
	}).Methods(http.MethodGet)
	return r
}

func TestMiddleware(t *testing.T) {
	Convey("Given a router traced by the middleware", t, func() {
		tr, rec := newRecordingTracer(t)
		var seen logrus.Fields

		Convey("A request carrying X-B3 headers continues the incoming trace", func() {
			router := accountsRouter(tr, http.StatusOK, &seen)
			req := httptest.NewRequest(http.MethodGet, "/accounts/10000", nil)
			req.Header.Set("X-B3-TraceId", "463ac35c9f6413ad")
			req.Header.Set("X-B3-SpanId", "72485a3953bb6124")
			req.Header.Set("X-B3-Sampled", "1")
			router.ServeHTTP(httptest.NewRecorder(), req)

			spans := rec.Flush()
			So(spans, ShouldHaveLength, 1)
			sp := spans[0]
			So(sp.TraceID.String(), ShouldEqual, "463ac35c9f6413ad")
			So(sp.Name, ShouldEqual, "GET /accounts/{id}")
			So(sp.Kind, ShouldEqual, model.Server)
			So(sp.Tags, ShouldNotContainKey, "http.status_code") // 2xx: zipkin-go's and Brave's convention
			So(sp.Tags["http.method"], ShouldEqual, "GET")
			So(sp.Tags["http.path"], ShouldEqual, "/accounts/10000")
			So(sp.Tags, ShouldNotContainKey, "http.route") // in the name, as Brave's default parser does
			So(sp.Tags, ShouldNotContainKey, "error")
			So(sp.LocalEndpoint.ServiceName, ShouldEqual, "accountservice")
			So(sp.LocalEndpoint.IPv4.String(), ShouldEqual, "10.0.0.5")
			So(sp.LocalEndpoint.Port, ShouldEqual, 6767)

			Convey("and the handler's log fields carry the same trace id", func() {
				So(seen["traceId"], ShouldEqual, "463ac35c9f6413ad")
				So(seen["spanId"], ShouldEqual, sp.ID.String())
			})
		})

		Convey("A request carrying the single b3 header continues that trace", func() {
			router := accountsRouter(tr, http.StatusOK, &seen)
			req := httptest.NewRequest(http.MethodGet, "/accounts/10001", nil)
			req.Header.Set("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1")
			router.ServeHTTP(httptest.NewRecorder(), req)

			spans := rec.Flush()
			So(spans, ShouldHaveLength, 1)
			So(spans[0].TraceID.String(), ShouldEqual, "80f198ee56343ba864fe8b2a57d3eff7")
		})

		Convey("A request without trace headers starts a new trace; a 5xx is tagged as error", func() {
			router := accountsRouter(tr, http.StatusBadGateway, &seen)
			router.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/accounts/10002", nil))

			spans := rec.Flush()
			So(spans, ShouldHaveLength, 1)
			So(spans[0].TraceID.Empty(), ShouldBeFalse)
			So(spans[0].ParentID, ShouldBeNil)
			So(spans[0].Tags["http.status_code"], ShouldEqual, "502")
			So(spans[0].Tags["error"], ShouldEqual, "502")
			So(seen["traceId"], ShouldEqual, spans[0].TraceID.String())
		})

		Convey("A 4xx is tagged with its status but not as an error", func() {
			router := accountsRouter(tr, http.StatusNotFound, &seen)
			router.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/accounts/1", nil))

			spans := rec.Flush()
			So(spans, ShouldHaveLength, 1)
			So(spans[0].Tags["http.status_code"], ShouldEqual, "404")
			So(spans[0].Tags, ShouldNotContainKey, "error")
		})
	})
}

func TestHTTPClient(t *testing.T) {
	Convey("Given a server that records the headers it receives", t, func() {
		tr, rec := newRecordingTracer(t)
		headers := make(chan http.Header, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			headers <- r.Header.Clone()
		}))
		defer srv.Close()

		Convey("A request made in a traced context carries B3 headers of a child span", func() {
			parent := tr.StartSpan("GET /accounts/{id}", zipkin.Kind(model.Server))
			ctx := zipkin.NewContext(context.Background(), parent)
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/quote", nil)
			So(err, ShouldBeNil)

			resp, err := tr.HTTPClient(nil).Do(req)
			So(err, ShouldBeNil)
			So(resp.Body.Close(), ShouldBeNil)
			parent.Finish()

			h := <-headers
			So(h.Get("X-B3-TraceId"), ShouldEqual, parent.Context().TraceID.String())
			So(h.Get("X-B3-ParentSpanId"), ShouldEqual, parent.Context().ID.String())
			So(h.Get("X-B3-SpanId"), ShouldNotBeEmpty)
			So(h.Get("X-B3-SpanId"), ShouldNotEqual, parent.Context().ID.String())
			So(h.Get("X-B3-Sampled"), ShouldEqual, "1")

			spans := rec.Flush()
			So(spans, ShouldHaveLength, 2)
			So(spans[0].Kind, ShouldEqual, model.Client)
			So(spans[0].ID.String(), ShouldEqual, h.Get("X-B3-SpanId"))
		})
	})
}

func TestTraceParent(t *testing.T) {
	Convey("Given a tracer", t, func() {
		tr, _ := newRecordingTracer(t)

		Convey("a context without a span has no trace parent", func() {
			So(TraceParent(context.Background()), ShouldEqual, "")
		})

		Convey("a producer span started after a request's TraceParent is its child, whatever the context", func() {
			req, reqCtx := tr.StartProducerSpan(context.Background(), "get /accounts/{id}")
			defer req.Finish()
			parent := TraceParent(reqCtx)
			So(parent, ShouldStartWith, req.Context().TraceID.String()+"-"+req.Context().ID.String())

			sp, ctx := tr.StartProducerSpanAfter(context.Background(), "publish vip_queue", parent)
			defer sp.Finish()
			So(sp.Context().TraceID, ShouldEqual, req.Context().TraceID)
			So(*sp.Context().ParentID, ShouldEqual, req.Context().ID)
			So(TraceParent(ctx), ShouldStartWith, req.Context().TraceID.String()+"-"+sp.Context().ID.String())
		})

		Convey("an empty or malformed parent starts a new trace", func() {
			for _, parent := range []string{"", "garbage", "zz-yy-1"} {
				sp, _ := tr.StartProducerSpanAfter(context.Background(), "publish vip_queue", parent)
				So(sp.Context().ParentID, ShouldBeNil)
				sp.Finish()
			}
		})
	})
}

func TestAMQP(t *testing.T) {
	Convey("Given a tracer and a span in a context", t, func() {
		tr, rec := newRecordingTracer(t)
		sp, ctx := tr.StartProducerSpan(context.Background(), "publish vip_queue")
		defer sp.Finish()

		Convey("Inject then Extract gives back the same trace context", func() {
			headers := amqp.Table{"other": int32(1)}
			tr.InjectAMQP(ctx, headers)
			So(headers["x-b3-traceid"], ShouldEqual, sp.Context().TraceID.String())
			So(headers["b3"], ShouldStartWith, sp.Context().TraceID.String())
			for k, v := range headers {
				if k != "other" {
					So(v, ShouldHaveSameTypeAs, "")
				}
			}
			So(headers.Validate(), ShouldBeNil)

			sc := tr.ExtractAMQP(headers)
			So(sc.TraceID, ShouldEqual, sp.Context().TraceID)
			So(sc.ID, ShouldEqual, sp.Context().ID)
			So(*sc.Sampled, ShouldBeTrue)

			Convey("and a consumer span continues that trace", func() {
				consumer, cctx := tr.StartConsumerSpan(context.Background(), "consume vip_queue", headers)
				So(consumer.Context().TraceID, ShouldEqual, sp.Context().TraceID)
				So(*consumer.Context().ParentID, ShouldEqual, sp.Context().ID)
				So(LogFields(cctx)["traceId"], ShouldEqual, sp.Context().TraceID.String())
			})
		})

		Convey("Extract reads upper-case names and []byte values", func() {
			sc := tr.ExtractAMQP(amqp.Table{
				"X-B3-TraceId": []byte("463ac35c9f6413ad"),
				"X-B3-SpanId":  "72485a3953bb6124",
			})
			So(sc.TraceID.String(), ShouldEqual, "463ac35c9f6413ad")
			So(sc.ID.String(), ShouldEqual, "72485a3953bb6124")
		})

		Convey("Extract gives an empty context for missing or malformed headers", func() {
			So(tr.ExtractAMQP(nil), ShouldResemble, model.SpanContext{})
			So(tr.ExtractAMQP(amqp.Table{"b3": "garbage"}), ShouldResemble, model.SpanContext{})
		})

		Convey("producer and consumer spans name the broker as their remote service, for Zipkin's dependency graph", func() {
			headers := amqp.Table{}
			tr.InjectAMQP(ctx, headers)
			consumer, _ := tr.StartConsumerSpan(context.Background(), "consume vip_queue", headers)
			consumer.Finish()
			after, _ := tr.StartProducerSpanAfter(context.Background(), "publish vip_queue", TraceParent(ctx))
			after.Finish()
			sp.Finish()

			kinds := map[model.Kind]int{}
			for _, s := range rec.Flush() {
				So(s.RemoteEndpoint, ShouldNotBeNil)
				So(s.RemoteEndpoint.ServiceName, ShouldEqual, "rabbitmq")
				So(s.LocalEndpoint.ServiceName, ShouldEqual, "accountservice")
				kinds[s.Kind]++
			}
			So(kinds, ShouldResemble, map[model.Kind]int{model.Producer: 2, model.Consumer: 1})
		})

		Convey("a message's log fields are its trace id and the id of the span that sent it", func() {
			headers := amqp.Table{}
			tr.InjectAMQP(ctx, headers)
			So(MessageLogFields(headers), ShouldResemble, logrus.Fields{
				"traceId": sp.Context().TraceID.String(), "spanId": sp.Context().ID.String()})
			So(MessageLogFields(amqp.Table{"b3": "garbage"}), ShouldBeNil)
			So(MessageLogFields(nil), ShouldBeNil)
		})

		Convey("Inject writes nothing without a span in the context", func() {
			headers := amqp.Table{}
			tr.InjectAMQP(context.Background(), headers)
			So(headers, ShouldBeEmpty)
		})
	})
}

func TestNoZipkinURL(t *testing.T) {
	Convey("Given a tracer without a Zipkin URL", t, func() {
		tr, err := New("vipservice", ":6868", "")
		So(err, ShouldBeNil)
		So(fmt.Sprintf("%T", tr.reporter), ShouldEqual, fmt.Sprintf("%T", reporter.NewNoopReporter()))

		Convey("spans still get ids that propagate and end up in log fields", func() {
			sp, ctx := tr.StartSpanFromContext(context.Background(), "work")
			sp.Finish()
			So(sp.Context().TraceID.Empty(), ShouldBeFalse)
			So(LogFields(ctx)["traceId"], ShouldEqual, sp.Context().TraceID.String())
			So(tr.Close(), ShouldBeNil)
		})
	})
}

func TestHTTPReporter(t *testing.T) {
	Convey("Given a fake Zipkin collector", t, func() {
		var (
			mu        sync.Mutex
			paths     []string
			types     []string
			spans     []model.SpanModel
			parseErrs []error
		)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			batch, err := zipkin_proto3.ParseSpans(body, false)
			mu.Lock()
			defer mu.Unlock()
			paths = append(paths, r.URL.Path)
			types = append(types, r.Header.Get("Content-Type"))
			for _, s := range batch {
				spans = append(spans, *s)
			}
			if err != nil {
				parseErrs = append(parseErrs, err)
			}
			w.WriteHeader(http.StatusAccepted)
		}))
		defer srv.Close()

		Convey("finished spans reach {url}/api/v2/spans as Zipkin protobuf at the latest on Close", func() {
			tr, err := New("imageservice", "127.0.0.1:7777", srv.URL+"/", WithLogger(quietLogger()))
			So(err, ShouldBeNil)
			sp := tr.StartSpan("GET /file/{name}")
			sp.Finish()
			So(tr.Close(), ShouldBeNil)

			mu.Lock()
			defer mu.Unlock()
			So(paths, ShouldNotBeEmpty)
			So(paths[0], ShouldEqual, "/api/v2/spans")
			So(types[0], ShouldEqual, "application/x-protobuf")
			So(parseErrs, ShouldBeEmpty)
			So(spans, ShouldHaveLength, 1)
			// As made: Zipkin lower-cases span names when it stores them
			// (zipkin-go's JSON serializer did it before sending).
			So(spans[0].Name, ShouldEqual, "GET /file/{name}")
			So(spans[0].LocalEndpoint.ServiceName, ShouldEqual, "imageservice")
		})
	})
}

func TestUnreachableZipkin(t *testing.T) {
	Convey("Given a Zipkin that accepts connections but never answers", t, func() {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)

		tr, err := New("accountservice", ":6767", srv.URL,
			WithLogger(quietLogger()),
			WithQueueSize(10),
			WithBatchInterval(10*time.Millisecond),
			WithCloseTimeout(200*time.Millisecond),
		)
		So(err, ShouldBeNil)

		Convey("finishing many more spans than the queue holds does not block", func() {
			finished := make(chan struct{})
			go func() {
				defer close(finished)
				for range 5000 {
					tr.StartSpan("GET /accounts/{id}").Finish()
				}
			}()
			So(waitFor(finished, 10*time.Second), ShouldBeTrue)

			Convey("and Close gives up after its timeout instead of hanging", func() {
				closed := make(chan error, 1)
				go func() { closed <- tr.Close() }()
				select {
				case err := <-closed:
					So(errors.Is(err, errCloseTimeout), ShouldBeTrue)
				case <-time.After(10 * time.Second):
					So("Close did not return", ShouldBeEmpty)
				}

				Convey("and spans finished after Close are dropped without blocking", func() {
					done := make(chan struct{})
					go func() { tr.StartSpan("late").Finish(); close(done) }()
					So(waitFor(done, 10*time.Second), ShouldBeTrue)
				})
			})
		})
	})
}

func waitFor(ch <-chan struct{}, limit time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(limit):
		return false
	}
}

func TestLocalEndpoint(t *testing.T) {
	cases := []struct {
		hostPort string
		ipv4     string
		ipv6     string
		port     uint16
		wantErr  bool
	}{
		{hostPort: "", port: 0},
		{hostPort: ":6767", port: 6767},
		{hostPort: "10.0.0.5:6767", ipv4: "10.0.0.5", port: 6767},
		{hostPort: "10.0.0.5", ipv4: "10.0.0.5"},
		{hostPort: "[::1]:8181", ipv6: "::1", port: 8181},
		{hostPort: "no-such-host.invalid:80", port: 80},
		{hostPort: "10.0.0.5:http", wantErr: true},
		{hostPort: "10.0.0.5:70000", wantErr: true},
	}
	for _, c := range cases {
		ep, err := localEndpoint("svc", c.hostPort)
		if c.wantErr {
			if err == nil {
				t.Errorf("localEndpoint(%q): want an error", c.hostPort)
			}
			continue
		}
		if err != nil {
			t.Errorf("localEndpoint(%q): %v", c.hostPort, err)
			continue
		}
		if ep.ServiceName != "svc" || ep.Port != c.port {
			t.Errorf("localEndpoint(%q) = %+v, want service svc port %d", c.hostPort, ep, c.port)
		}
		if c.ipv4 != "" && ep.IPv4.String() != c.ipv4 {
			t.Errorf("localEndpoint(%q) IPv4 = %v, want %s", c.hostPort, ep.IPv4, c.ipv4)
		}
		if c.ipv6 != "" && ep.IPv6.String() != c.ipv6 {
			t.Errorf("localEndpoint(%q) IPv6 = %v, want %s", c.hostPort, ep.IPv6, c.ipv6)
		}
	}
}

func TestSpansURL(t *testing.T) {
	cases := map[string]string{
		"http://zipkin:9411":               "http://zipkin:9411/api/v2/spans",
		"http://zipkin:9411/":              "http://zipkin:9411/api/v2/spans",
		" http://zipkin:9411 ":             "http://zipkin:9411/api/v2/spans",
		"http://zipkin:9411/api/v2/spans":  "http://zipkin:9411/api/v2/spans",
		"http://proxy/zipkin":              "http://proxy/zipkin/api/v2/spans",
		"http://zipkin:9411/api/v2/spans/": "http://zipkin:9411/api/v2/spans",
	}
	for in, want := range cases {
		if got := spansURL(in); got != want {
			t.Errorf("spansURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLogFieldsWithoutSpan(t *testing.T) {
	if f := LogFields(context.Background()); f != nil {
		t.Errorf("LogFields without a span = %v, want nil", f)
	}
}
