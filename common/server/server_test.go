package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/logging"
	"github.com/goblog/common/tracing"
)

func quietLogger() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

func serveHealth(h *Health) (int, map[string]string) {
	rec := httptest.NewRecorder()
	h.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
	body := map[string]string{}
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Header().Get("Content-Type") != "application/json" {
		body["contentType"] = rec.Header().Get("Content-Type")
	}
	return rec.Code, body
}

func TestHealth(t *testing.T) {
	Convey("Given a health endpoint", t, func() {
		h := NewHealth()

		Convey("with no checks it is UP", func() {
			code, body := serveHealth(h)
			So(code, ShouldEqual, http.StatusOK)
			So(body, ShouldResemble, map[string]string{"status": "UP"})
		})

		Convey("with passing checks it is UP", func() {
			h.Register("db", func(context.Context) error { return nil })
			h.Register("broker", func(context.Context) error { return nil })
			code, body := serveHealth(h)
			So(code, ShouldEqual, http.StatusOK)
			So(body["status"], ShouldEqual, "UP")
		})

		Convey("with failing checks it is DOWN, naming them in registration order", func() {
			h.Register("db", func(context.Context) error { return errors.New("closed") })
			h.Register("ok", func(context.Context) error { return nil })
			h.Register("broker", func(context.Context) error { return errors.New("not connected") })
			code, body := serveHealth(h)
			So(code, ShouldEqual, http.StatusServiceUnavailable)
			So(body, ShouldResemble, map[string]string{"status": "DOWN", "reason": "db: closed; broker: not connected"})
		})

		Convey("a check that hangs is reported as DOWN instead of hanging /health", func() {
			release := make(chan struct{})
			defer close(release)
			h.Register("stuck", func(context.Context) error { <-release; return nil })
			done := make(chan struct{})
			var code int
			var body map[string]string
			go func() { code, body = serveHealth(h); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("/health hung")
			}
			So(code, ShouldEqual, http.StatusServiceUnavailable)
			So(body["reason"], ShouldStartWith, "stuck: no answer")
		})

		Convey("a check that panics is reported as DOWN", func() {
			h.Register("buggy", func(context.Context) error { panic("oops") })
			code, body := serveHealth(h)
			So(code, ShouldEqual, http.StatusServiceUnavailable)
			So(body["reason"], ShouldEqual, "buggy: panic: oops")
		})
	})
}

func TestNew(t *testing.T) {
	Convey("New sets every timeout", t, func() {
		s := New(":6767", http.NotFoundHandler())
		So(s.Addr, ShouldEqual, ":6767")
		So(s.ReadHeaderTimeout, ShouldEqual, 5*time.Second)
		So(s.ReadTimeout, ShouldEqual, 10*time.Second)
		So(s.WriteTimeout, ShouldEqual, 30*time.Second)
		So(s.IdleTimeout, ShouldEqual, 120*time.Second)
	})
}

// freeAddr returns a loopback address nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitUntilServing polls addr until it accepts connections.
func waitUntilServing(addr string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// waitUntilRefused polls addr until it refuses connections: its listener is
// closed.
func waitUntilRefused(addr string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return true
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// waitUntilDraining polls healthURL, one connection per request, until it
// answers 503: the Runner is draining.
func waitUntilDraining(healthURL string) bool {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get(healthURL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable {
				return true
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// watchedContext closes asked the first time Done is called: the code under
// test has started waiting for it.
type watchedContext struct {
	context.Context
	asked chan struct{}
	once  sync.Once
}

func (c *watchedContext) Done() <-chan struct{} {
	c.once.Do(func() { close(c.asked) })
	return c.Context.Done()
}

// events records what happened in order, across goroutines.
type events struct {
	mu   sync.Mutex
	list []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, s)
}

func (e *events) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.list...)
}

func TestRun(t *testing.T) {
	Convey("Given a server with a slow handler run by Run", t, func() {
		var ev events
		started := make(chan struct{})
		release := make(chan struct{})
		mux := http.NewServeMux()
		mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-release
			ev.add("request finished")
			WriteJSON(w, http.StatusOK, map[string]string{"done": "yes"})
		})
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ran := make(chan error, 1)
		go func() {
			ran <- Runner{Log: quietLogger(), Servers: []*http.Server{New(addr, mux)}, Closers: []func() error{
				func() error { ev.add("close broker"); return nil },
				func() error { ev.add("close db"); return errors.New("db already closed") },
			}}.Run(ctx)
		}()
		So(waitUntilServing(addr), ShouldBeTrue)

		Convey("cancelling drains the in-flight request before closing, in order", func() {
			type result struct {
				code int
				body string
				err  error
			}
			got := make(chan result, 1)
			go func() {
				resp, err := http.Get("http://" + addr + "/slow")
				if err != nil {
					got <- result{err: err}
					return
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				got <- result{code: resp.StatusCode, body: string(b), err: err}
			}()
			<-started
			cancel()
			// Run is shutting down once the port refuses new connections; the
			// request is still in flight, so nothing may be closed yet.
			So(waitUntilRefused(addr), ShouldBeTrue)
			So(ev.all(), ShouldBeEmpty)
			So(len(ran), ShouldEqual, 0)
			close(release)

			r := <-got
			So(r.err, ShouldBeNil)
			So(r.code, ShouldEqual, http.StatusOK)
			So(r.body, ShouldEqual, "{\"done\":\"yes\"}\n")

			err := <-ran
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "db already closed")
			So(ev.all(), ShouldResemble, []string{"request finished", "close broker", "close db"})

			Convey("and the port is released", func() {
				_, err := net.Dial("tcp", addr)
				So(err, ShouldNotBeNil)
			})
		})
	})

	Convey("Given a Runner with a drain phase, and a client with a keep-alive connection", t, func() {
		mux := http.NewServeMux()
		mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
			WriteJSON(w, http.StatusOK, map[string]string{"status": "UP"})
		})
		mux.HandleFunc("/accounts", func(w http.ResponseWriter, _ *http.Request) {
			WriteJSON(w, http.StatusCreated, map[string]string{"id": "1"})
		})
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var closed atomic.Bool
		ran := make(chan error, 1)
		go func() {
			ran <- Runner{
				Log: quietLogger(), Servers: []*http.Server{New(addr, mux)}, Drain: 3 * time.Second,
				Closers: []func() error{func() error { closed.Store(true); return nil }},
			}.Run(ctx)
		}()
		So(waitUntilServing(addr), ShouldBeTrue)
		client := &http.Client{Transport: &http.Transport{}}
		defer client.CloseIdleConnections()
		// call POSTs to path and reports the status, whether the server asked to
		// close the connection, and whether the request reused a pooled one.
		call := func(method, path string) (status int, closeAsked, reused bool, err error) {
			req, err := http.NewRequest(method, "http://"+addr+path, strings.NewReader(`{}`))
			if err != nil {
				return 0, false, false, err
			}
			req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
				GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
			}))
			resp, err := client.Do(req)
			if err != nil {
				return 0, false, reused, err
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			return resp.StatusCode, resp.Close, reused, nil
		}
		status, closeAsked, _, err := call(http.MethodPost, "/accounts")
		So(err, ShouldBeNil)
		So(status, ShouldEqual, http.StatusCreated)
		So(closeAsked, ShouldBeFalse)

		Convey("after cancel it keeps serving, on the idle connection too, asks clients to close and reports DOWN; then it stops", func() {
			cancel()
			// Run has seen the cancel once /health answers DOWN, asked over a
			// connection of its own so that the client's idle one stays idle.
			So(waitUntilDraining("http://"+addr+"/health"), ShouldBeTrue)

			status, closeAsked, reused, err := call(http.MethodPost, "/accounts")
			So(err, ShouldBeNil)
			So(status, ShouldEqual, http.StatusCreated)
			So(reused, ShouldBeTrue) // the idle connection was not closed under the client
			So(closeAsked, ShouldBeTrue)

			status, closeAsked, _, err = call(http.MethodGet, "/health")
			So(err, ShouldBeNil)
			So(status, ShouldEqual, http.StatusServiceUnavailable)
			So(closeAsked, ShouldBeTrue)
			So(closed.Load(), ShouldBeFalse)

			So(<-ran, ShouldBeNil)
			So(closed.Load(), ShouldBeTrue)
			_, err = net.Dial("tcp", addr)
			So(err, ShouldNotBeNil)
		})
	})

	Convey("Given no servers at all (a consumer-only service)", t, func() {
		parent, cancel := context.WithCancel(context.Background())
		ctx := &watchedContext{Context: parent, asked: make(chan struct{})}
		closedAfterCancel := make(chan bool, 1)
		type result struct {
			err         error
			afterCancel bool // ctx was done when Run returned
		}
		ran := make(chan result, 1)
		go func() {
			err := Runner{Log: quietLogger(), Closers: []func() error{func() error {
				closedAfterCancel <- parent.Err() != nil
				return nil
			}}}.Run(ctx)
			ran <- result{err: err, afterCancel: parent.Err() != nil}
		}()

		Convey("Run waits for the context, then runs the closers", func() {
			<-ctx.asked // Run is waiting for ctx (or about to)
			So(len(ran), ShouldEqual, 0)
			cancel()
			r := <-ran
			So(r.err, ShouldBeNil)
			So(r.afterCancel, ShouldBeTrue)
			So(<-closedAfterCancel, ShouldBeTrue)
		})
	})

	Convey("Given a port that is already taken", t, func() {
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		So(err, ShouldBeNil)
		defer taken.Close()
		other := freeAddr(t)
		closed := false

		Convey("Run returns the listen error, stops the other server and still runs closers", func() {
			ran := make(chan error, 1)
			go func() {
				ran <- Runner{
					Log:     quietLogger(),
					Servers: []*http.Server{New(other, http.NotFoundHandler()), New(taken.Addr().String(), http.NotFoundHandler())},
					Closers: []func() error{func() error { closed = true; return nil }},
				}.Run(context.Background())
			}()
			select {
			case err := <-ran:
				So(err, ShouldNotBeNil)
				So(err.Error(), ShouldContainSubstring, taken.Addr().String())
				So(err.Error(), ShouldContainSubstring, "address already in use")
			case <-time.After(20 * time.Second):
				t.Fatal("Run did not return")
			}
			So(closed, ShouldBeTrue)
		})
	})
}

func TestWriteJSON(t *testing.T) {
	cases := []struct {
		name   string
		write  func(w http.ResponseWriter)
		status int
		body   string
	}{
		{"value", func(w http.ResponseWriter) { WriteJSON(w, http.StatusCreated, map[string]int{"id": 1}) }, 201, `{"id":1}`},
		{"error", func(w http.ResponseWriter) { WriteError(w, http.StatusNotFound, "account 1 not found") }, 404, `{"error":"account 1 not found"}`},
		{"unencodable", func(w http.ResponseWriter) { WriteJSON(w, http.StatusOK, func() {}) }, 500, `{"error":"encoding response"}`},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		c.write(rec)
		if rec.Code != c.status || strings.TrimSpace(rec.Body.String()) != c.body || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: got %d %q (%s), want %d %q", c.name, rec.Code, rec.Body.String(), rec.Header().Get("Content-Type"), c.status, c.body)
		}
	}
}

func TestMiddleware(t *testing.T) {
	Convey("Given a handler that panics, behind Recover and LogRequests", t, func() {
		var logs bytes.Buffer
		log := logrus.New()
		log.SetOutput(&logs)
		log.SetFormatter(&logrus.JSONFormatter{})
		h := LogRequests(log, nil)(Recover(log)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("nil map")
		})))

		Convey("the client gets a 500 JSON error and the panic is logged with its stack", func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/accounts/10000", nil))
			So(rec.Code, ShouldEqual, http.StatusInternalServerError)
			So(rec.Header().Get("Content-Type"), ShouldEqual, "application/json")
			So(rec.Body.String(), ShouldContainSubstring, `"error"`)
			So(logs.String(), ShouldContainSubstring, `"panic":"nil map"`)
			So(logs.String(), ShouldContainSubstring, `"stack":"goroutine`)
			So(logs.String(), ShouldContainSubstring, `"status":500`)
		})
	})

	Convey("Given LogRequests over handlers answering 200, 404 and 503", t, func() {
		var logs bytes.Buffer
		log := logrus.New()
		log.SetOutput(&logs)
		log.SetFormatter(&logrus.JSONFormatter{})
		serve := func(logger logrus.FieldLogger, status int) {
			h := LogRequests(logger, nil)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/accounts/10000", nil))
		}

		Convey("at level info a 200 is not logged, a 404 is at info and a 503 at warning", func() {
			for _, logger := range []logrus.FieldLogger{log, log.WithField("component", "api")} {
				logs.Reset()
				serve(logger, http.StatusOK)
				So(logs.String(), ShouldBeEmpty)
				serve(logger, http.StatusNotFound)
				So(logs.String(), ShouldContainSubstring, `"level":"info"`)
				So(logs.String(), ShouldContainSubstring, `"status":404`)
				serve(logger, http.StatusServiceUnavailable)
				So(logs.String(), ShouldContainSubstring, `"level":"warning"`)
				So(logs.String(), ShouldContainSubstring, `"status":503`)
			}
		})

		Convey("a request whose client went away before any answer is logged as 499, not 200", func() {
			unanswered := LogRequests(log, nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			unanswered.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/image", nil).WithContext(ctx))
			So(logs.String(), ShouldContainSubstring, `"status":499`)
			So(logs.String(), ShouldContainSubstring, `"level":"info"`)

			Convey("while an answer written before the client left keeps its status", func() {
				logs.Reset()
				h := LogRequests(log, nil)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.WriteHeader(http.StatusServiceUnavailable)
				}))
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/image", nil).WithContext(ctx))
				So(logs.String(), ShouldContainSubstring, `"status":503`)
			})
		})

		Convey("after a change to level debug a 200 is logged at debug", func() {
			log.SetLevel(logrus.DebugLevel)
			serve(log.WithField("component", "api"), http.StatusOK)
			So(logs.String(), ShouldContainSubstring, `"level":"debug"`)
			So(logs.String(), ShouldContainSubstring, `"status":200`)
		})
	})

	Convey("Given a traced router whose routes go through LogRequests, with the access log switch", t, func() {
		var logs bytes.Buffer
		log := logrus.New()
		log.SetOutput(&logs)
		log.SetFormatter(&logrus.JSONFormatter{})
		tracer, err := tracing.New("accountservice", "127.0.0.1:6767", "")
		So(err, ShouldBeNil)
		defer tracer.Close()
		var accessLog atomic.Bool
		router := mux.NewRouter()
		router.Use(tracer.Middleware(), LogRequests(log, accessLog.Load))
		router.HandleFunc("/accounts/{id}", func(w http.ResponseWriter, _ *http.Request) {
			WriteJSON(w, http.StatusOK, map[string]string{"id": "10000"})
		})
		get := func() {
			req := httptest.NewRequest(http.MethodGet, "/accounts/10000", nil)
			req.Header.Set("X-B3-TraceId", "463ac35c9f6413ad48485a3953bb6124")
			req.Header.Set("X-B3-SpanId", "a2fb4a1d1a96d312")
			req.Header.Set("X-B3-Sampled", "1")
			router.ServeHTTP(httptest.NewRecorder(), req)
		}

		Convey("when it is on, a 200 is written at info with its route, status, size, duration and trace ids", func() {
			accessLog.Store(true)
			get()
			var line map[string]any
			So(json.Unmarshal(logs.Bytes(), &line), ShouldBeNil)
			So(line["level"], ShouldEqual, "info")
			So(line["msg"], ShouldEqual, "request")
			So(line["method"], ShouldEqual, "GET")
			So(line["route"], ShouldEqual, "/accounts/{id}")
			So(line["path"], ShouldEqual, "/accounts/10000")
			So(line["status"], ShouldEqual, 200)
			So(line["bytes"], ShouldEqual, len(`{"id":"10000"}`)+1)
			So(line["durationMs"], ShouldBeGreaterThanOrEqualTo, 0)
			So(line["traceId"], ShouldEqual, "463ac35c9f6413ad48485a3953bb6124")
			So(line["spanId"], ShouldEqual, "a2fb4a1d1a96d312")

			Convey("and once switched off (a refresh), the next 200 writes nothing at info", func() {
				logs.Reset()
				accessLog.Store(false)
				get()
				So(logs.String(), ShouldBeEmpty)
			})
		})

		Convey("when it is off, a 200 writes nothing at info", func() {
			get()
			So(logs.String(), ShouldBeEmpty)
		})
	})

	Convey("http.ErrAbortHandler goes through Recover untouched", t, func() {
		h := Recover(quietLogger())(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic(http.ErrAbortHandler)
		}))
		So(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil)) }, ShouldPanicWith, http.ErrAbortHandler)
	})
}

// BenchmarkLogRequests is the logging middleware around a traced 200 on a
// mux route at level info, writing JSON to io.Discard: "off" writes nothing
// (what every request pays without access_log), "on" writes the access line.
//
//	go test -run '^$' -bench LogRequests -benchmem -count 3 ./common/server/
func BenchmarkLogRequests(b *testing.B) {
	tracer, err := tracing.New("accountservice", "127.0.0.1:6767", "")
	if err != nil {
		b.Fatal(err)
	}
	defer tracer.Close()
	log := logging.NewWithWriter(io.Discard, "accountservice", "10.0.1.7", "info")
	for _, c := range []struct {
		name string
		on   bool
	}{{"off", false}, {"on", true}} {
		b.Run(c.name, func(b *testing.B) {
			router := mux.NewRouter()
			router.Use(tracer.Middleware(), LogRequests(log, func() bool { return c.on }))
			router.HandleFunc("/accounts/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
			req := httptest.NewRequest(http.MethodGet, "/accounts/10000", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				router.ServeHTTP(w, req)
			}
		})
	}
}
