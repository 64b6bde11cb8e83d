package tracing

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go/proto/zipkin_proto3"
	. "github.com/smartystreets/goconvey/convey"
)

// collector is a fake Zipkin: it records the span names and headers of each
// POST, or breaks the connection while down.
type collector struct {
	*httptest.Server
	down    atomic.Bool
	mu      sync.Mutex
	names   []string
	headers []http.Header
	posts   int
}

func newCollector() *collector {
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.down.Load() {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close() // a transport error for the reporter
			}
			return
		}
		body, _ := io.ReadAll(r.Body)
		spans, _ := zipkin_proto3.ParseSpans(body, false)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.posts++
		c.headers = append(c.headers, r.Header.Clone())
		for _, s := range spans {
			c.names = append(c.names, s.Name)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	return c
}

func (c *collector) received() (names []string, posts int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.names...), c.posts
}

// eventually polls cond until it holds or 10 s have passed.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

func TestBatchReporter(t *testing.T) {
	Convey("Given a Zipkin collector and a reporter whose batch interval is a minute", t, func() {
		c := newCollector()
		defer c.Close()
		o := options{queueSize: DefaultQueueSize, sendTimeout: DefaultSendTimeout, closeTimeout: DefaultCloseTimeout}
		o.log = quietLogger()
		o.batchInterval = time.Minute
		r := newHTTPReporter(c.URL+SpansPath, o)
		defer r.Close()
		tr, err := New("accountservice", "127.0.0.1:6767", "", WithReporter(r))
		So(err, ShouldBeNil)

		Convey("a full batch of spans is sent without waiting for the interval", func() {
			for i := range DefaultBatchSize {
				tr.StartSpan(fmt.Sprint("span ", i)).Finish()
			}
			So(eventually(func() bool { names, _ := c.received(); return len(names) == DefaultBatchSize }), ShouldBeTrue)

			Convey("as Zipkin protobuf, with b3: 0 so that a tracing proxy leaves the POST alone", func() {
				c.mu.Lock()
				defer c.mu.Unlock()
				So(c.headers[0].Get("Content-Type"), ShouldEqual, "application/x-protobuf")
				So(c.headers[0].Get("b3"), ShouldEqual, "0")
			})
		})

		Convey("fewer spans wait for the interval, or Close", func() {
			tr.StartSpan("alone").Finish()
			_, posts := c.received()
			So(posts, ShouldEqual, 0)
			So(r.Close(), ShouldBeNil)
			names, _ := c.received()
			So(names, ShouldResemble, []string{"alone"})
		})
	})

	Convey("Given a collector that is down and a reporter keeping a backlog of 150 spans", t, func() {
		c := newCollector()
		defer c.Close()
		c.down.Store(true)
		o := options{queueSize: DefaultQueueSize, sendTimeout: DefaultSendTimeout, closeTimeout: DefaultCloseTimeout}
		o.log = quietLogger()
		o.batchInterval = 10 * time.Millisecond
		o.queueSize = 150
		r := newHTTPReporter(c.URL+SpansPath, o)
		tr, err := New("accountservice", "127.0.0.1:6767", "", WithReporter(r))
		So(err, ShouldBeNil)

		for i := range 1000 {
			tr.StartSpan(fmt.Sprint("span ", i)).Finish()
		}

		Convey("once it is back, the newest spans reach it, the last one included, the oldest dropped", func() {
			c.down.Store(false)
			So(eventually(func() bool {
				names, _ := c.received()
				return len(names) > 0 && names[len(names)-1] == "span 999"
			}), ShouldBeTrue)
			So(r.Close(), ShouldBeNil)
			names, _ := c.received()
			// The backlog a POST carries, and as many batched meanwhile.
			So(len(names), ShouldBeLessThanOrEqualTo, 2*150)
			So(names, ShouldNotContain, "span 0")
		})
	})
}
