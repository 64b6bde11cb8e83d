package server

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/capture"
	"github.com/goblog/common/logging"
)

// Recover is middleware turning a panic in a handler into a logged error and,
// when nothing was written yet, a 500 JSON response. http.ErrAbortHandler is
// re-panicked, as net/http expects. Install it inside the tracing and logging
// middleware so they see the 500:
// router.Use(tracer.Middleware(), server.LogRequests(log), server.Recover(log)).
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

// LogRequests is middleware logging each request with its status, size,
// duration and trace ids: debug for 1xx-3xx, info for 4xx, warning for 5xx,
// so production at level info logs what needs attention only. A request the
// handler left unanswered because its client went away (its context
// cancelled) is logged as StatusClientClosedRequest, at info.
func LogRequests(log logrus.FieldLogger) func(http.Handler) http.Handler {
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
			}
			if !levelEnabled(log, level) {
				// Most requests at level info: the entry (its fields, the trace
				// ids formatted) would cost more than the request's own logging.
				return
			}
			logging.WithContext(log, r.Context()).WithFields(logrus.Fields{
				"method":     r.Method,
				"path":       r.URL.Path,
				"status":     status,
				"bytes":      rec.Bytes(),
				"durationMs": float64(time.Since(start).Microseconds()) / 1000,
			}).Log(level, "request")
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
