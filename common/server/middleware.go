package server

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/sirupsen/logrus"

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
			rec := &responseRecorder{ResponseWriter: w}
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
				if rec.status == 0 {
					WriteError(w, http.StatusInternalServerError, "internal server error")
				}
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// LogRequests is middleware logging each request with its status, size,
// duration and trace ids: debug for 1xx-3xx, info for 4xx, warning for 5xx,
// so production at level info logs what needs attention only.
func LogRequests(log logrus.FieldLogger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &responseRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)

			status := rec.statusCode()
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
				"bytes":      rec.bytes,
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

// responseRecorder remembers the status and size of a response. Unwrap lets
// http.ResponseController reach the underlying writer.
type responseRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *responseRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *responseRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Flush implements http.Flusher when the underlying writer does.
func (r *responseRecorder) Flush() { _ = http.NewResponseController(r.ResponseWriter).Flush() }

func (r *responseRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *responseRecorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
