package api

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/turbine/internal/aggregate"
	"github.com/goblog/turbine/internal/hystrixtest"
)

const patience = 10 * time.Second

type fakeSource struct {
	mu     sync.Mutex
	events map[string][]aggregate.Event
}

func (f *fakeSource) Merged(clusters ...string) []aggregate.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []aggregate.Event
	for _, c := range clusters {
		out = append(out, f.events[c]...)
	}
	return out
}

func newServer(t *testing.T, src Source) *httptest.Server {
	log := logrus.New()
	log.SetOutput(io.Discard)
	srv := httptest.NewServer(NewHandler(src, []string{"accountservice", "other"}, Config{Interval: 10 * time.Millisecond}, log))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv
}

func TestStream(t *testing.T) {
	Convey("Given two clusters with one merged command each", t, func() {
		src := &fakeSource{events: map[string][]aggregate.Event{
			"accountservice": {{"type": "HystrixCommand", "name": "quotes-service", "reportingHosts": json.Number("2"), "isCircuitBreakerOpen": true}},
			"other":          {{"type": "HystrixCommand", "name": "other-command", "reportingHosts": json.Number("1")}},
		}}
		srv := newServer(t, src)

		Convey("When a client subscribes to one cluster", func() {
			sub := hystrixtest.Subscribe(t, srv.URL+"/turbine.stream?cluster=accountservice")

			Convey("Then it gets an event stream the dashboard may read from any origin", func() {
				So(sub.Header.Get("Content-Type"), ShouldEqual, "text/event-stream")
				So(sub.Header.Get("Access-Control-Allow-Origin"), ShouldEqual, "*")
				So(sub.Header.Get("Cache-Control"), ShouldEqual, "no-cache")
			})
			Convey("Then it gets that cluster's events, again and again, and none of the other", func() {
				for range 3 {
					ev, ok := sub.WaitFor(patience, func(map[string]any) bool { return true })
					So(ok, ShouldBeTrue)
					So(ev, ShouldResemble, map[string]any{"type": "HystrixCommand", "name": "quotes-service", "reportingHosts": 2.0, "isCircuitBreakerOpen": true})
				}
			})
		})

		Convey("When a client subscribes without a cluster, or to Turbine's 'default', it gets every cluster", func() {
			for _, url := range []string{"/turbine.stream", "/turbine.stream?cluster=default"} {
				sub := hystrixtest.Subscribe(t, srv.URL+url)
				_, ok := sub.WaitFor(patience, func(ev map[string]any) bool { return ev["name"] == "other-command" })
				So(ok, ShouldBeTrue)
				_, ok = sub.WaitFor(patience, func(ev map[string]any) bool { return ev["name"] == "quotes-service" })
				So(ok, ShouldBeTrue)
			}
		})

		Convey("When a client asks for an unknown cluster, it gets 404", func() {
			resp, err := http.Get(srv.URL + "/turbine.stream?cluster=nope")
			So(err, ShouldBeNil)
			defer resp.Body.Close()
			So(resp.StatusCode, ShouldEqual, http.StatusNotFound)
		})
	})

	Convey("Given no data at all, the stream sends keep-alive comments", t, func() {
		srv := newServer(t, &fakeSource{})
		resp, err := http.Get(srv.URL + "/turbine.stream")
		So(err, ShouldBeNil)
		defer resp.Body.Close()
		r := bufio.NewReader(resp.Body)
		var lines []string
		for len(lines) < 4 {
			line, err := r.ReadString('\n')
			So(err, ShouldBeNil)
			lines = append(lines, line)
		}
		So(lines, ShouldResemble, []string{": ping\n", "\n", ": ping\n", "\n"})
	})
}

func TestHealth(t *testing.T) {
	Convey("GET /health answers UP", t, func() {
		srv := newServer(t, &fakeSource{})
		resp, err := http.Get(srv.URL + "/health")
		So(err, ShouldBeNil)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		So(resp.StatusCode, ShouldEqual, http.StatusOK)
		So(strings.TrimSpace(string(body)), ShouldEqual, `{"status":"UP"}`)
		So(resp.Header.Get("Access-Control-Allow-Origin"), ShouldEqual, "*")
	})
}
