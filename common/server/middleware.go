package server

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/capture"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/tracing"
)

// Recover is middleware turning a panic in a handler into a logged error and,
// when nothing was written yet, a 500 JSON response. http.ErrAbortHandler is
// re-panicked, as net/http expects. Install it inside the tracing and logging
// middleware so they see the 500:
// router.Use(tracer.Middleware(), server.LogRequests(log, accessLog), server.Recover(log)).
func Recover(log logrus.FieldLogger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := capture.Wrap(w)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logging.WithContext(log, r.Context()).WithFields(logrus.Fields{
					"method": r.Method,
					"path":   r.URL.Path,
					"panic":  fmt.Sprint(v),
					"stack":  string(debug.Stack()),
				}).Error("handler panicked")
				if !rec.Wrote() {
					WriteError(w, http.StatusInternalServerError, "internal server error")
				}
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// StatusClientClosedRequest is the status LogRequests records for a request
// whose client went away before the handler answered anything: nginx's 499
// "client closed request". It is never sent (nobody is there to read it); it
// keeps the log from recording the 200 net/http would write.
const StatusClientClosedRequest = 499

// AccessLogKey is the configuration key of the access log (LogRequests'
// accessLog): a boolean, false when absent. The three services read it as a
// live setting, so a configuration refresh switches it without a restart;
// the swarm profile sets it true (the central log store finds every
// service's line for a trace id), dev leaves it off.
const AccessLogKey = "access_log"

// LogRequests is middleware writing one line per request, message
// "request", with the fields method, route (the matched mux path template,
// "/accounts/{id}"), path (the raw path: a log line may hold an id, unlike a
// metric label), status, bytes (of the body written), durationMs (handler
// time in milliseconds, the field name of the edge's and quotes-service's
// access lines) and, when the request is traced, traceId and spanId.
//
// Its level: warning for 5xx, info for 4xx; for 1xx-3xx info when accessLog
// reports true (access_log, read at each request so a refresh applies at
// once), else debug, so that production without the access log writes what
// needs attention only. A nil accessLog is off. A request the handler left
// unanswered because its client went away (its context cancelled) is logged
// as StatusClientClosedRequest, at info.
func LogRequests(log logrus.FieldLogger, accessLog func() bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := capture.Wrap(w)
			next.ServeHTTP(rec, r)

			status := rec.Status()
			if !rec.Wrote() && r.Context().Err() != nil {
				status = StatusClientClosedRequest
			}
			level := logrus.DebugLevel
			switch {
			case status >= 500:
				level = logrus.WarnLevel
			case status >= 400:
				level = logrus.InfoLevel
			case accessLog != nil && accessLog():
				level = logrus.InfoLevel
			}
			if !levelEnabled(log, level) {
				// Most requests without the access log: the entry (its fields,
				// the trace ids formatted) would cost more than the request's
				// own logging.
				return
			}
			// One map, the trace ids' own: logging.WithContext(log,
			// ctx).WithFields(…) would copy the fields twice more (measured in
			// BenchmarkLogRequests, docs/common-api.md).
			fields := tracing.LogFields(r.Context())
			if fields == nil {
				fields = make(logrus.Fields, 6)
			}
			fields["method"] = r.Method
			fields["route"] = tracing.RouteTemplate(r)
			fields["path"] = r.URL.Path
			fields["status"] = status
			fields["bytes"] = rec.Bytes()
			fields["durationMs"] = float64(time.Since(start).Microseconds()) / 1000
			log.WithFields(fields).Log(level, "request")
		})
	}
}

// levelEnabled reports whether log writes entries of level, read at each
// call since a configuration refresh changes it. A FieldLogger that is
// neither a *logrus.Logger nor a *logrus.Entry is assumed to write them all.
func levelEnabled(log logrus.FieldLogger, level logrus.Level) bool {
	switch l := log.(type) {
	case *logrus.Logger:
		return l.IsLevelEnabled(level)
	case *logrus.Entry:
		return l.Logger.IsLevelEnabled(level)
	}
	return true
}
