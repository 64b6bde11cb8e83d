// Package capture records what an HTTP handler wrote, for the middleware
// that reports it (tracing, request logs, panic recovery, metrics): the
// status code and the size of the body, and the route template the router
// matched.
package capture

import "net/http"

// Writer is an http.ResponseWriter that remembers the status code and the
// body size written through it. Unwrap lets http.ResponseController reach
// the underlying writer (Flush, Hijack, deadlines).
type Writer struct {
	http.ResponseWriter
	status int
	bytes  int
	route  string
}

// Wrap returns a Writer over w, or w itself when it is a *Writer already: a
// middleware inside another sees what the handler wrote through the same
// Writer (status, size), so the layers of a request (metrics, tracing, the
// request log, panic recovery) share one instead of allocating one each.
func Wrap(w http.ResponseWriter) *Writer {
	if cw, ok := w.(*Writer); ok {
		return cw
	}
	return &Writer{ResponseWriter: w}
}

// WriteHeader writes and remembers the first status code.
func (w *Writer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write writes b, the status being 200 when none was written before.
func (w *Writer) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Flush implements http.Flusher when the underlying writer does.
func (w *Writer) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Wrote reports whether the status line was written (by WriteHeader or a
// first Write): after that, a handler can no longer change the response.
func (w *Writer) Wrote() bool { return w.status != 0 }

// Status is the status code written: 200 when the handler wrote nothing,
// as net/http then answers.
func (w *Writer) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Bytes is the number of body bytes written.
func (w *Writer) Bytes() int { return w.bytes }

// SetRoute records the path template of the route the router matched
// ("/accounts/{id}"), for a middleware outside the router that labels the
// request by route (metrics.HTTP): the Writer is shared by every layer of the
// request, so the route reaches it without a copy of the request for a
// context value.
func (w *Writer) SetRoute(template string) { w.route = template }

// Route is the template set by SetRoute, "" when none was.
func (w *Writer) Route() string { return w.route }
