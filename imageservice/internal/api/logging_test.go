package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/tracing"
	"github.com/goblog/imageservice/internal/bundle"
)

func TestLogLinesCarryTheTrace(t *testing.T) {
	Convey("Given a gallery whose filter fails, and a request carrying a B3 trace", t, func() {
		log, hook := test.NewNullLogger()
		h := New(Options{
			BaseURL: func() string { return "http://localhost:7777" },
			Gallery: bundle.NewGallery(func([]byte) ([]byte, error) { return nil, errors.New("filter broken") }),
			Log:     log,
		})
		tracer, err := tracing.New("imageservice", "", "")
		So(err, ShouldBeNil)
		Reset(func() { _ = tracer.Close() })
		r := NewRouter(h, tracer, noMetrics, log)

		req := httptest.NewRequest(http.MethodGet, "/file/cake.jpg", nil)
		req.Header.Set("X-B3-TraceId", "463ac35c9f6413ad48485a3953bb6124")
		req.Header.Set("X-B3-SpanId", "a2fb4a1d1a96d312")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)

		Convey("the handler's error line has the request's traceId and the server span's spanId", func() {
			So(rec.Code, ShouldEqual, http.StatusInternalServerError)
			var line *logEntry
			for _, e := range hook.AllEntries() {
				if e.Message == "filtering bundled image" {
					line = &logEntry{e.Data["traceId"], e.Data["spanId"]}
				}
			}
			So(line, ShouldNotBeNil)
			So(line.traceID, ShouldEqual, "463ac35c9f6413ad48485a3953bb6124")
			// zipkin-go's server span joins the caller's (B3 shared span): same id.
			So(line.spanID, ShouldEqual, "a2fb4a1d1a96d312")
		})
	})
}

type logEntry struct{ traceID, spanID any }
