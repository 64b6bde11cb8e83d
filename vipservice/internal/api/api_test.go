package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/goblog/common/tracing"
	"github.com/goblog/vipservice/internal/vip"
	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"
)

// fakeBroker is a broker connection the test takes down and brings back.
type fakeBroker struct {
	mu   sync.Mutex
	err  error
	down time.Duration
}

func (b *fakeBroker) set(err error, down time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.err, b.down = err, down
}

func (b *fakeBroker) Healthy() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

func (b *fakeBroker) Status() string {
	if err := b.Healthy(); err != nil {
		return "DOWN: " + err.Error()
	}
	return "UP"
}

func (b *fakeBroker) DownFor() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.down
}

func get(h http.Handler, path string) (int, map[string]any) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	So(rec.Header().Get("Content-Type"), ShouldStartWith, "application/json")
	var body map[string]any
	So(json.Unmarshal(rec.Body.Bytes(), &body), ShouldBeNil)
	return rec.Code, body
}

func TestRouter(t *testing.T) {
	Convey("Given the vipservice router", t, func() {
		tracer, err := tracing.New("vipservice", "", "")
		So(err, ShouldBeNil)
		Reset(func() { _ = tracer.Close() })
		log := logrus.New()
		log.SetOutput(io.Discard)
		var stats vip.Stats
		broker := &fakeBroker{}
		const grace = 90 * time.Second
		r := NewRouter(tracer, &stats, broker, grace, noMetrics, log)

		Convey("GET /vip/stats answers the counts and the broker state", func() {
			code, body := get(r, "/vip/stats")
			So(code, ShouldEqual, http.StatusOK)
			So(body, ShouldResemble, map[string]any{"received": 0.0, "rejected": 0.0, "duplicates": 0.0, "broker": "UP"})

			stats.Received()
			stats.Received()
			stats.Rejected()
			broker.set(errors.New("not connected"), time.Second)
			_, body = get(r, "/vip/stats")
			So(body, ShouldResemble, map[string]any{"received": 2.0, "rejected": 1.0, "duplicates": 0.0, "broker": "DOWN: not connected"})
		})
		Convey("/health follows the broker connection at once", func() {
			code, body := get(r, "/health")
			So(code, ShouldEqual, http.StatusOK)
			So(body["status"], ShouldEqual, "UP")

			broker.set(errors.New("not connected"), time.Second)
			code, body = get(r, "/health")
			So(code, ShouldEqual, http.StatusServiceUnavailable)
			So(body["status"], ShouldEqual, "DOWN")
			So(body["reason"], ShouldEqual, "rabbitmq: not connected")

			broker.set(nil, 0)
			code, _ = get(r, "/health")
			So(code, ShouldEqual, http.StatusOK)
		})
		Convey("/health/live rides out a short broker outage and reports a lasting one", func() {
			code, body := get(r, "/health/live")
			So(code, ShouldEqual, http.StatusOK)
			So(body["status"], ShouldEqual, "UP")

			broker.set(errors.New("not connected"), grace-time.Second)
			code, body = get(r, "/health/live")
			So(code, ShouldEqual, http.StatusOK)
			So(body["status"], ShouldEqual, "UP")

			broker.set(errors.New("not connected"), grace)
			code, body = get(r, "/health/live")
			So(code, ShouldEqual, http.StatusServiceUnavailable)
			So(body["status"], ShouldEqual, "DOWN")
			So(body["reason"], ShouldEqual, "rabbitmq: not connected (down for 1m30s)")

			broker.set(nil, 0)
			code, _ = get(r, "/health/live")
			So(code, ShouldEqual, http.StatusOK)
		})
		Convey("an unknown path answers a JSON 404", func() {
			code, body := get(r, "/vip/nothing")
			So(code, ShouldEqual, http.StatusNotFound)
			So(body["error"], ShouldNotBeEmpty)
		})
	})
}
