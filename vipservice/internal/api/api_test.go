package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/goblog/common/tracing"
	"github.com/goblog/vipservice/internal/vip"
	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"
)

// fakeBroker is a broker connection the test takes down and brings back.
type fakeBroker struct {
	mu  sync.Mutex
	err error
}

func (b *fakeBroker) set(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.err = err
}

func (b *fakeBroker) Healthy() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
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
		r := NewRouter(tracer, &stats, broker, log)

		Convey("GET /vip/stats answers the counts", func() {
			code, body := get(r, "/vip/stats")
			So(code, ShouldEqual, http.StatusOK)
			So(body, ShouldResemble, map[string]any{"received": 0.0, "rejected": 0.0})

			stats.Received()
			stats.Received()
			stats.Rejected()
			_, body = get(r, "/vip/stats")
			So(body, ShouldResemble, map[string]any{"received": 2.0, "rejected": 1.0})
		})
		Convey("/health follows the broker connection", func() {
			code, body := get(r, "/health")
			So(code, ShouldEqual, http.StatusOK)
			So(body["status"], ShouldEqual, "UP")

			broker.set(errors.New("not connected"))
			code, body = get(r, "/health")
			So(code, ShouldEqual, http.StatusServiceUnavailable)
			So(body["status"], ShouldEqual, "DOWN")
			So(body["reason"], ShouldContainSubstring, "rabbitmq: not connected")

			broker.set(nil)
			code, _ = get(r, "/health")
			So(code, ShouldEqual, http.StatusOK)
		})
		Convey("an unknown path answers a JSON 404", func() {
			code, body := get(r, "/vip/nothing")
			So(code, ShouldEqual, http.StatusNotFound)
			So(body["error"], ShouldNotBeEmpty)
		})
	})
}
