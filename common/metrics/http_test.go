package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/metrics"
	"github.com/goblog/common/server"
)

// newRouter is a service's router in small: a route with a variable, a
// subrouter with middleware of its own, /metrics, the RFC 9110 method rules.
func newRouter(reg *prometheus.Registry) (*mux.Router, http.Handler) {
	router := mux.NewRouter()
	router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		server.WriteError(w, http.StatusNotFound, "no such route")
	})
	router.HandleFunc("/accounts/{id}", func(w http.ResponseWriter, r *http.Request) {
		if mux.Vars(r)["id"] == "0" {
			server.WriteError(w, http.StatusNotFound, "account not found")
			return
		}
		server.WriteJSON(w, http.StatusOK, map[string]string{"id": mux.Vars(r)["id"]})
	}).Methods(http.MethodGet)
	router.HandleFunc("/accounts", func(w http.ResponseWriter, _ *http.Request) {
		server.WriteJSON(w, http.StatusCreated, map[string]string{"id": "1"})
	}).Methods(http.MethodPost)
	router.Handle(metrics.Path, metrics.Handler(reg, nil)).Methods(http.MethodGet)
	traced := router.NewRoute().Subrouter()
	traced.Use(func(next http.Handler) http.Handler { return next })
	traced.HandleFunc("/vip/stats", func(w http.ResponseWriter, _ *http.Request) {
		server.WriteJSON(w, http.StatusOK, map[string]int{"count": 1})
	}).Methods(http.MethodGet)
	wrapped := router.NewRoute().Subrouter()
	wrapped.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(ownWriter{w}, r)
		})
	})
	wrapped.HandleFunc("/wrapped/{name}", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}).Methods(http.MethodPut)
	server.ApplyMethodRules(router)
	return router, metrics.NewHTTP(reg).Instrument(router)
}

// ownWriter is a middleware's writer of its own, unwrappable as
// http.ResponseController expects.
type ownWriter struct{ http.ResponseWriter }

func (w ownWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func serve(h http.Handler, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func requests(reg *prometheus.Registry, route, method, code string) float64 {
	mfs, err := reg.Gather()
	So(err, ShouldBeNil)
	for _, mf := range mfs {
		if mf.GetName() != "goblog_http_requests_total" {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			want := map[string]string{"route": route, "method": method, "code": code}
			for _, l := range m.GetLabel() {
				if want[l.GetName()] != l.GetValue() {
					continue metric
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func TestHTTPMetrics(t *testing.T) {
	Convey("Given a router measured by metrics.HTTP", t, func() {
		reg := prometheus.NewRegistry()
		_, h := newRouter(reg)

		Convey("1000 requests for 1000 different accounts make one series per route, method and code", func() {
			codes := map[int]int{}
			for i := range 1000 {
				codes[serve(h, http.MethodGet, "/accounts/"+strconv.Itoa(10000+i)).Code]++
			}
			So(codes, ShouldResemble, map[int]int{http.StatusOK: 1000})
			So(testutil.CollectAndCount(reg, "goblog_http_requests_total"), ShouldEqual, 1)
			So(testutil.CollectAndCount(reg, "goblog_http_request_duration_seconds"), ShouldEqual, 1)
			So(requests(reg, "/accounts/{id}", "GET", "200"), ShouldEqual, 1000)
		})

		Convey("the status code answered is a label of its own", func() {
			serve(h, http.MethodGet, "/accounts/1")
			serve(h, http.MethodGet, "/accounts/0")
			So(requests(reg, "/accounts/{id}", "GET", "200"), ShouldEqual, 1)
			So(requests(reg, "/accounts/{id}", "GET", "404"), ShouldEqual, 1)
		})

		Convey("a HEAD is counted under the GET route's template", func() {
			So(serve(h, http.MethodHead, "/accounts/7").Code, ShouldEqual, http.StatusOK)
			So(requests(reg, "/accounts/{id}", "HEAD", "200"), ShouldEqual, 1)
		})

		Convey("a route of a subrouter is named by its template", func() {
			serve(h, http.MethodGet, "/vip/stats")
			So(requests(reg, "/vip/stats", "GET", "200"), ShouldEqual, 1)
		})

		Convey("a route behind middleware that wraps the writer in a type of its own is named by its template", func() {
			So(serve(h, http.MethodPut, "/wrapped/x").Code, ShouldEqual, http.StatusAccepted)
			So(requests(reg, "/wrapped/{name}", "PUT", "202"), ShouldEqual, 1)
		})

		Convey("unknown paths, 405s and unknown methods share the route unmatched and bounded methods", func() {
			codes := map[int]int{}
			for i := range 1000 {
				codes[serve(h, http.MethodGet, "/nowhere/"+strconv.Itoa(i)).Code]++
				codes[serve(h, "BREW"+strconv.Itoa(i), "/accounts/1").Code]++
			}
			So(codes, ShouldResemble, map[int]int{http.StatusNotFound: 1000, http.StatusNotImplemented: 1000})
			So(serve(h, http.MethodPost, "/accounts/1").Code, ShouldEqual, http.StatusMethodNotAllowed)
			So(requests(reg, metrics.Unmatched, "GET", "404"), ShouldEqual, 1000)
			So(requests(reg, metrics.Unmatched, metrics.OtherMethod, "501"), ShouldEqual, 1000)
			So(requests(reg, metrics.Unmatched, "POST", "405"), ShouldEqual, 1)
			So(testutil.CollectAndCount(reg, "goblog_http_requests_total"), ShouldEqual, 3)
		})

		Convey("GET /metrics serves them in the Prometheus text format", func() {
			serve(h, http.MethodGet, "/accounts/1")
			rec := serve(h, http.MethodGet, metrics.Path)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(rec.Header().Get("Content-Type"), ShouldStartWith, "text/plain")
			So(rec.Body.String(), ShouldContainSubstring, `goblog_http_requests_total{code="200",method="GET",route="/accounts/{id}"} 1`)
			So(rec.Body.String(), ShouldContainSubstring, `goblog_http_request_duration_seconds_bucket{code="200",method="GET",route="/accounts/{id}",le="+Inf"} 1`)
		})

		Convey("GET /metrics answers in plain text when the scraper offers gzip, as Prometheus does", func() {
			serve(h, http.MethodGet, "/accounts/1")
			req := httptest.NewRequest(http.MethodGet, metrics.Path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(rec.Header().Get("Content-Encoding"), ShouldBeEmpty)
			So(rec.Body.String(), ShouldContainSubstring, `goblog_http_requests_total{code="200",method="GET",route="/accounts/{id}"} 1`)
		})
	})
}

func TestNewRegistry(t *testing.T) {
	Convey("A service's registry has the Go runtime and process collectors", t, func() {
		reg := metrics.NewRegistry()
		mfs, err := reg.Gather()
		So(err, ShouldBeNil)
		var names []string
		for _, mf := range mfs {
			names = append(names, mf.GetName())
		}
		joined := strings.Join(names, " ")
		So(joined, ShouldContainSubstring, "go_goroutines")
		So(joined, ShouldContainSubstring, "go_memstats_heap_alloc_bytes")
		So(joined, ShouldContainSubstring, "process_resident_memory_bytes")
	})
}
