package tracing

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/openzipkin/zipkin-go"
	zipkinmw "github.com/openzipkin/zipkin-go/middleware/http"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/propagation/b3"

	"github.com/goblog/common/capture"
)

// ClientTimeout bounds a whole exchange of the client HTTPClient returns;
// shorter deadlines come from the request context.
const ClientTimeout = 30 * time.Second

// Middleware returns gorilla/mux middleware that continues the B3 trace of
// the incoming request (multi-header X-B3-* or single b3 header) or starts a
// new one, in a server span named "METHOD /route/template", e.g.
// "GET /accounts/{id}". The span is in the request context for handlers and
// outgoing calls, and is tagged with method and path, with the status code
// when it is not 2xx (the convention of zipkin-go's own server middleware and
// of Brave's HttpTags.STATUS_CODE: a success needs no tag), and 5xx responses
// are tagged as errors. The route is in the name, not in a tag: Brave's
// default HttpRequestParser tags http.method and http.path only, and each tag
// is a map entry more per span through the proto3 serializer (4 allocations).
func (t *Tracer) Middleware() mux.MiddlewareFunc {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			parent := t.Extract(b3.ExtractHTTP(r))
			route := RouteTemplate(r)
			name := r.Method
			if route != "" {
				name += " " + route
			}
			sp := t.StartSpan(name,
				zipkin.Kind(model.Server),
				zipkin.Parent(parent),
				zipkin.RemoteEndpoint(remoteEndpoint(r.RemoteAddr)),
			)
			zipkin.TagHTTPMethod.Set(sp, r.Method)
			zipkin.TagHTTPPath.Set(sp, r.URL.Path)

			rec := capture.Wrap(w)
			defer func() {
				status := rec.Status()
				if status < 200 || status > 299 {
					zipkin.TagHTTPStatusCode.Set(sp, strconv.Itoa(status))
				}
				if status >= http.StatusInternalServerError {
					zipkin.TagError.Set(sp, strconv.Itoa(status))
				}
				sp.Finish()
			}()
			next.ServeHTTP(rec, r.WithContext(zipkin.NewContext(r.Context(), sp)))
		})
	}
}

// RouteTemplate is the path template of the gorilla/mux route matched for r
// ("/accounts/{id}"), "" outside a router's middleware or when the route has
// no path template.
func RouteTemplate(r *http.Request) string {
	route := mux.CurrentRoute(r)
	if route == nil {
		return ""
	}
	tpl, err := route.GetPathTemplate()
	if err != nil {
		return ""
	}
	return tpl
}

// HTTPClient returns a client whose requests are client spans, children of
// the span in the request context, with the B3 headers injected. base is the
// transport underneath (nil: http.DefaultTransport), e.g. a discovery
// transport.
func (t *Tracer) HTTPClient(base http.RoundTripper) *http.Client {
	if base == nil {
		base = http.DefaultTransport
	}
	rt, err := zipkinmw.NewTransport(t.Tracer,
		zipkinmw.RoundTripper(base),
		zipkinmw.TransportLogger(log.New(io.Discard, "", 0)),
	)
	if err != nil {
		// NewTransport fails only for a nil tracer, which New never returns.
		panic(fmt.Sprintf("tracing: instrumenting transport: %v", err))
	}
	return &http.Client{Transport: rt, Timeout: ClientTimeout}
}
