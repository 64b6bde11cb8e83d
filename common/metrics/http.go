package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/goblog/common/capture"
)

// Unmatched is the route label of a request no route matched: an unknown
// path (404), and a method the path does not take (405, 501).
const Unmatched = "unmatched"

// OtherMethod is the method label of a request whose method is none of
// RFC 9110's (§9): a client may send any token, and each would be a series.
const OtherMethod = "other"

// statusClientClosedRequest is the code of a request whose client went away
// before anything was answered, as server.LogRequests logs it (nginx's 499).
const statusClientClosedRequest = 499

// HTTP measures the requests a service's router serves:
//
//	goblog_http_requests_total{route,method,code}            counter
//	goblog_http_request_duration_seconds{route,method,code}  histogram
//
// route is the mux path template ("/accounts/{id}"), Unmatched when no
// route matched; method is the request's method, OtherMethod when it is not
// one of RFC 9110's; code is the status code answered.
type HTTP struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewHTTP registers the HTTP metrics on reg. It panics when reg already has
// them: one HTTP per registry (a programming error, found by the first test).
func NewHTTP(reg prometheus.Registerer) *HTTP {
	labels := []string{"route", "method", "code"}
	m := &HTTP{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "goblog_http_requests_total",
			Help: "HTTP requests served, by route template, method and status code.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "goblog_http_request_duration_seconds",
			Help:    "Time from the request reaching the router to the handler's return, by route template, method and status code.",
			Buckets: prometheus.DefBuckets,
		}, labels),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// Instrument returns router measured: every request it serves counts once,
// whatever it matched. Call it once per router, with or after its routes;
// it adds a middleware to router that names the matched route, so it works
// wherever the router's other middleware and subrouters are. The route
// travels on the request's capture.Writer (capture.Wrap shares it between
// the layers), not in a copy of the request with a context value.
func (m *HTTP) Instrument(router *mux.Router) http.Handler {
	router.Use(nameRoute)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := capture.Wrap(w)
		router.ServeHTTP(rec, r)

		route := rec.Route()
		if route == "" {
			route = Unmatched
		}
		code := rec.Status()
		if !rec.Wrote() && r.Context().Err() != nil {
			code = statusClientClosedRequest
		}
		method, status := methodLabel(r.Method), strconv.Itoa(code)
		m.requests.WithLabelValues(route, method, status).Inc()
		m.duration.WithLabelValues(route, method, status).Observe(time.Since(start).Seconds())
	})
}

// nameRoute is the router middleware telling Instrument which route matched:
// it sets the route's path template on every capture.Writer under w (the
// router's other middleware may have wrapped Instrument's in writers of
// their own).
func nameRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if route := mux.CurrentRoute(r); route != nil {
			if tpl, err := route.GetPathTemplate(); err == nil {
				setRoute(w, tpl)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// setRoute sets tpl on each capture.Writer in w's chain of Unwrap.
func setRoute(w http.ResponseWriter, tpl string) {
	for w != nil {
		if cw, ok := w.(*capture.Writer); ok {
			cw.SetRoute(tpl)
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// methodLabel is method when RFC 9110 defines it, else OtherMethod.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return OtherMethod
}
