package circuit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/afex/hystrix-go/hystrix"
	metricCollector "github.com/afex/hystrix-go/hystrix/metric_collector"
	"github.com/gorilla/mux"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/config"
	"github.com/goblog/common/server/methodtest"
)

// circuitName is unique per call: hystrix-go's registry is process-wide.
func circuitName(t *testing.T) string {
	return fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano())
}

// downstream is an httptest server answering with status (and counting hits).
type downstream struct {
	*httptest.Server
	hits   atomic.Int32
	status atomic.Int32
}

func newDownstream(status int) *downstream {
	d := &downstream{}
	d.status.Store(int32(status))
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.hits.Add(1)
		w.WriteHeader(int(d.status.Load()))
		fmt.Fprint(w, `{"quote":"live"}`)
	}))
	return d
}

// fallbackRecorder is a fallback remembering the error it was called with.
type fallbackRecorder struct {
	calls atomic.Int32
	mu    sync.Mutex
	err   error
}

func (f *fallbackRecorder) fn(ctx context.Context, err error) ([]byte, error) {
	f.calls.Add(1)
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
	return []byte(`{"quote":"May the source be with you, always."}`), nil
}

func (f *fallbackRecorder) lastErr() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func fastSettings() Settings {
	s := DefaultSettings()
	s.Timeout = 2 * time.Second
	s.RequestVolumeThreshold = 4
	s.SleepWindow = 200 * time.Millisecond
	return s
}

func TestGet(t *testing.T) {
	Convey("Given a client retrying 3 times, 10 ms apart", t, func() {
		client := NewClient(nil, WithRetryInterval(10*time.Millisecond))
		name := circuitName(t)
		Configure(name, fastSettings())
		fb := &fallbackRecorder{}

		Convey("a healthy downstream's body is returned, fallback unused", func() {
			d := newDownstream(http.StatusOK)
			defer d.Close()
			body, err := client.Get(context.Background(), name, d.URL, fb.fn)
			So(err, ShouldBeNil)
			So(string(body), ShouldEqual, `{"quote":"live"}`)
			So(d.hits.Load(), ShouldEqual, 1)
			So(fb.calls.Load(), ShouldEqual, 0)
		})

		Convey("a downstream failing with 500 is tried 3 times, then fallback answers", func() {
			d := newDownstream(http.StatusInternalServerError)
			defer d.Close()
			body, err := client.Get(context.Background(), name, d.URL, fb.fn)
			So(err, ShouldBeNil)
			So(string(body), ShouldContainSubstring, "May the source")
			So(d.hits.Load(), ShouldEqual, 3)
			So(fb.calls.Load(), ShouldEqual, 1)
			var se *StatusError
			So(errors.As(fb.lastErr(), &se), ShouldBeTrue)
			So(se.StatusCode, ShouldEqual, http.StatusInternalServerError)
		})

		Convey("a downstream failing twice then answering succeeds without fallback, every attempt asking for JSON", func() {
			var hits atomic.Int32
			var accepts sync.Map // attempt -> its Accept values
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := hits.Add(1)
				accepts.Store(n, strings.Join(r.Header.Values("Accept"), ", "))
				if n <= 2 {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				fmt.Fprint(w, "third time lucky")
			}))
			defer srv.Close()
			body, err := client.Get(context.Background(), name, srv.URL, fb.fn)
			So(err, ShouldBeNil)
			So(string(body), ShouldEqual, "third time lucky")
			So(hits.Load(), ShouldEqual, 3)
			So(fb.calls.Load(), ShouldEqual, 0)
			for n := int32(1); n <= 3; n++ {
				accept, _ := accepts.Load(n)
				So(accept, ShouldEqual, "application/json")
			}
		})

		Convey("a redirect is not followed: the 3xx is a failure handed to fallback", func() {
			target := newDownstream(http.StatusOK)
			defer target.Close()
			redirecting := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
			defer redirecting.Close()
			body, err := client.Get(context.Background(), name, redirecting.URL, fb.fn)
			So(err, ShouldBeNil)
			So(string(body), ShouldContainSubstring, "May the source")
			So(target.hits.Load(), ShouldEqual, 0)
			var se *StatusError
			So(errors.As(fb.lastErr(), &se), ShouldBeTrue)
			So(se.StatusCode, ShouldEqual, http.StatusFound)
		})

		Convey("an unreachable downstream is a failure handed to fallback", func() {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			So(err, ShouldBeNil)
			addr := ln.Addr().String()
			So(ln.Close(), ShouldBeNil)
			_, err = client.Get(context.Background(), name, "http://"+addr+"/", fb.fn)
			So(err, ShouldBeNil)
			So(fb.calls.Load(), ShouldEqual, 1)
			var opErr *net.OpError
			So(errors.As(fb.lastErr(), &opErr), ShouldBeTrue)
		})

		Convey("a 404 is returned as a *StatusError, once, without fallback", func() {
			outcomes := recordOutcomes(name)
			d := newDownstream(http.StatusNotFound)
			defer d.Close()
			body, err := client.Get(context.Background(), name, d.URL, fb.fn)
			So(body, ShouldBeNil)
			var se *StatusError
			So(errors.As(err, &se), ShouldBeTrue)
			So(se.StatusCode, ShouldEqual, http.StatusNotFound)
			So(se.ClientError(), ShouldBeTrue)
			So(d.hits.Load(), ShouldEqual, 1)
			So(fb.calls.Load(), ShouldEqual, 0)

			Convey("and many 404s never open the circuit", func() {
				for range 10 {
					_, _ = client.Get(context.Background(), name, d.URL, fb.fn)
				}
				// What the breaker decides on: each of the 11 404s reached its
				// metrics as a success, so the error percentage stays 0.
				for n := range 11 {
					var got string
					select {
					case r := <-outcomes:
						got = fmt.Sprintf("404 #%d: %v successes, %v failures", n+1, r.Successes, r.Failures)
					case <-time.After(10 * time.Second):
						got = fmt.Sprintf("404 #%d: no outcome within 10 s", n+1)
					}
					So(got, ShouldEqual, fmt.Sprintf("404 #%d: 1 successes, 0 failures", n+1))
				}
				_, err := client.Get(context.Background(), name, d.URL, fb.fn)
				So(errors.As(err, &se), ShouldBeTrue)
				So(d.hits.Load(), ShouldEqual, 12)
				So(fb.calls.Load(), ShouldEqual, 0)
			})
		})

		Convey("without a fallback the failure is returned, wrapped", func() {
			d := newDownstream(http.StatusBadGateway)
			defer d.Close()
			_, err := client.Get(context.Background(), name, d.URL, nil)
			var se *StatusError
			So(errors.As(err, &se), ShouldBeTrue)
			So(se.StatusCode, ShouldEqual, http.StatusBadGateway)
			So(err.Error(), ShouldContainSubstring, name)
		})

		Convey("a failing fallback's error is returned with the cause", func() {
			d := newDownstream(http.StatusInternalServerError)
			defer d.Close()
			boom := errors.New("no cached quote")
			_, err := client.Get(context.Background(), name, d.URL, func(context.Context, error) ([]byte, error) {
				return nil, boom
			})
			So(errors.Is(err, boom), ShouldBeTrue)
			So(err.Error(), ShouldContainSubstring, "status 500")
		})

		Convey("a body over the limit is a failure and is not retried", func() {
			d := newDownstream(http.StatusOK)
			defer d.Close()
			small := NewClient(nil, WithRetryInterval(10*time.Millisecond), WithMaxBodySize(4))
			_, err := small.Get(context.Background(), name, d.URL, fb.fn)
			So(err, ShouldBeNil)
			So(errors.Is(fb.lastErr(), errBodyTooLarge), ShouldBeTrue)
			So(d.hits.Load(), ShouldEqual, 1)
		})
	})
}

func TestTimeoutAndRejection(t *testing.T) {
	Convey("Given a downstream that hangs until its request is cancelled", t, func() {
		arrived := make(chan struct{}, 8)
		cancelled := make(chan struct{}, 8)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			<-r.Context().Done()
			cancelled <- struct{}{}
		}))
		defer srv.Close()
		fb := &fallbackRecorder{}
		client := NewClient(nil, WithRetryInterval(10*time.Millisecond))

		Convey("a call beyond the circuit timeout gets the fallback and its request is cancelled", func() {
			name := circuitName(t)
			s := fastSettings()
			s.Timeout = 100 * time.Millisecond
			Configure(name, s)

			done := make(chan struct{})
			go func() {
				defer close(done)
				_, _ = client.Get(context.Background(), name, srv.URL, fb.fn)
			}()
			So(waitFor(done, 10*time.Second), ShouldBeTrue)
			So(fb.calls.Load(), ShouldEqual, 1)
			So(errors.Is(fb.lastErr(), ErrTimeout), ShouldBeTrue)
			So(waitFor(cancelled, 10*time.Second), ShouldBeTrue)
		})

		Convey("the http.Client's Timeout still bounds a call shorter than the circuit timeout", func() {
			name := circuitName(t)
			s := fastSettings()
			s.Timeout = 5 * time.Second
			Configure(name, s)
			bounded := NewClient(&http.Client{Timeout: 100 * time.Millisecond}, WithAttempts(1))

			done := make(chan error, 1)
			go func() {
				_, err := bounded.Get(context.Background(), name, srv.URL, nil)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
			}
			// The client's deadline, not the circuit's, ended the call.
			So(err, ShouldNotBeNil)
			So(errors.Is(err, hystrix.ErrTimeout), ShouldBeFalse)
			So(errors.Is(err, context.DeadlineExceeded), ShouldBeTrue)
			So(waitFor(cancelled, 10*time.Second), ShouldBeTrue)
		})

		Convey("a call beyond MaxConcurrentRequests is rejected to the fallback", func() {
			name := circuitName(t)
			s := fastSettings()
			s.MaxConcurrentRequests = 1
			s.Timeout = 5 * time.Second
			Configure(name, s)

			ctx, cancel := context.WithCancel(context.Background())
			first := make(chan struct{})
			go func() {
				defer close(first)
				_, _ = client.Get(ctx, name, srv.URL, nil)
			}()
			// The first call holds the only ticket once its request arrived.
			So(waitFor(arrived, 10*time.Second), ShouldBeTrue)

			_, err := client.Get(context.Background(), name, srv.URL, fb.fn)
			So(err, ShouldBeNil)
			So(errors.Is(fb.lastErr(), ErrRejected), ShouldBeTrue)
			cancel()
			So(waitFor(first, 10*time.Second), ShouldBeTrue)
		})
	})
}

func TestSequentialCallsKeepTheirTicket(t *testing.T) {
	Convey("Given a circuit allowing one request at a time", t, func() {
		d := newDownstream(http.StatusOK)
		defer d.Close()
		name := circuitName(t)
		s := fastSettings()
		s.MaxConcurrentRequests = 1
		Configure(name, s)
		client := NewClient(nil)

		Convey("calls made one after the other are never rejected: each gives its ticket back before Get returns", func() {
			for range 300 {
				body, err := client.Get(context.Background(), name, d.URL, nil)
				So(err, ShouldBeNil)
				So(string(body), ShouldEqual, `{"quote":"live"}`)
			}
			So(d.hits.Load(), ShouldEqual, 300)
		})
	})
}

func TestConnectionReuse(t *testing.T) {
	Convey("Given a downstream counting the connections it accepts", t, func() {
		var opened atomic.Int32
		body := strings.Repeat("q", 1000)
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("chunked") != "" {
				w.(http.Flusher).Flush() // headers out without a length: the body is chunked
			}
			fmt.Fprint(w, body)
		}))
		srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				opened.Add(1)
			}
		}
		srv.Start()
		defer srv.Close()
		name := circuitName(t)
		Configure(name, fastSettings())
		client := NewClient(nil)

		for _, query := range []string{"", "?chunked=1"} {
			Convey("calls one after the other use one connection, body of announced length or chunked (query "+query+")", func() {
				for range 50 {
					got, err := client.Get(context.Background(), name, srv.URL+query, nil)
					So(err, ShouldBeNil)
					So(string(got), ShouldEqual, body)
				}
				So(opened.Load(), ShouldEqual, 1)
			})
		}
	})
}

func TestCircuitOpensAndCloses(t *testing.T) {
	Convey("Given a circuit opening after 4 requests at 50% errors, sleeping 200 ms", t, func() {
		name := circuitName(t)
		Configure(name, fastSettings())
		client := NewClient(nil, WithAttempts(1))
		d := newDownstream(http.StatusInternalServerError)
		defer d.Close()
		fb := &fallbackRecorder{}

		Convey("failures open it: calls stop reaching the downstream", func() {
			opened := eventually(func() bool {
				_, _ = client.Get(context.Background(), name, d.URL, fb.fn)
				return errors.Is(fb.lastErr(), ErrOpen)
			})
			So(opened, ShouldBeTrue)
			hits := d.hits.Load()
			So(hits, ShouldBeGreaterThanOrEqualTo, 4)
			_, _ = client.Get(context.Background(), name, d.URL, fb.fn)
			So(d.hits.Load(), ShouldEqual, hits)
			So(errors.Is(fb.lastErr(), ErrOpen), ShouldBeTrue)

			Convey("and once the downstream recovers, a test request after the sleep window closes it", func() {
				d.status.Store(http.StatusOK)
				closed := eventually(func() bool {
					body, err := client.Get(context.Background(), name, d.URL, fb.fn)
					return err == nil && string(body) == `{"quote":"live"}`
				})
				So(closed, ShouldBeTrue)
				cb, _, err := hystrix.GetCircuit(name)
				So(err, ShouldBeNil)
				So(cb.IsOpen(), ShouldBeFalse)
			})
		})
	})
}

func TestStreamServer(t *testing.T) {
	Convey("Given the stream server and a circuit that has run", t, func() {
		name := circuitName(t)
		d := newDownstream(http.StatusOK)
		defer d.Close()
		_, err := NewClient(nil).Get(context.Background(), name, d.URL, nil)
		So(err, ShouldBeNil)

		srv := StreamServer("127.0.0.1:0")
		ln, err := net.Listen("tcp", srv.Addr)
		So(err, ShouldBeNil)
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()

		Convey("/hystrix.stream sends Hystrix JSON events naming the circuit", func() {
			resp, err := http.Get("http://" + ln.Addr().String() + StreamPath)
			So(err, ShouldBeNil)
			defer resp.Body.Close()
			So(resp.Header.Get("Content-Type"), ShouldEqual, "text/event-stream")

			found := make(chan struct{})
			go func() {
				sc := bufio.NewScanner(resp.Body)
				sc.Buffer(make([]byte, 64*1024), 1<<20)
				for sc.Scan() {
					line := sc.Text()
					if strings.HasPrefix(line, "data:") && strings.Contains(line, `"name":"`+name+`"`) &&
						strings.Contains(line, `"type":"HystrixCommand"`) {
						close(found)
						break
					}
				}
				for sc.Scan() {
				}
			}()
			So(waitFor(found, 10*time.Second), ShouldBeTrue)

			Convey("and every method follows RFC 9110's rules (server.ApplyMethodRules)", func() {
				methodtest.Run(t, srv.Handler, srv.Handler.(*mux.Router), []methodtest.Route{
					{Template: StreamPath, Path: StreamPath, Allow: "GET, HEAD, OPTIONS"},
				})
			})
			Convey("and a HEAD ends its response, so the connection serves the next request", func() {
				conn, err := net.Dial("tcp", ln.Addr().String())
				So(err, ShouldBeNil)
				defer conn.Close()
				_, err = io.WriteString(conn, "HEAD "+StreamPath+" HTTP/1.1\r\nHost: a\r\n\r\n"+
					"OPTIONS "+StreamPath+" HTTP/1.1\r\nHost: a\r\n\r\n")
				So(err, ShouldBeNil)
				// A bound on the wait: before the fix the second answer never came.
				So(conn.SetReadDeadline(time.Now().Add(10*time.Second)), ShouldBeNil)
				br := bufio.NewReader(conn)
				head, err := http.ReadResponse(br, &http.Request{Method: http.MethodHead})
				So(err, ShouldBeNil)
				So(head.StatusCode, ShouldEqual, http.StatusOK)
				So(head.Header.Get("Content-Type"), ShouldEqual, "text/event-stream")
				next, err := http.ReadResponse(br, &http.Request{Method: http.MethodOptions})
				So(err, ShouldBeNil)
				So(next.StatusCode, ShouldEqual, http.StatusOK)
				So(next.Header.Get("Allow"), ShouldEqual, "GET, HEAD, OPTIONS")
			})
			Convey("and Shutdown ends the open stream instead of waiting for the client", func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				So(srv.Shutdown(ctx), ShouldBeNil)
				So(<-served, ShouldEqual, http.ErrServerClosed)
			})
		})

		Reset(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		})
	})
}

func TestSettingsFromChecked(t *testing.T) {
	const p = "hystrix.command.quotes-service."
	d := DefaultSettings()
	Convey("Given the hystrix settings of a circuit", t, func() {
		for _, c := range []struct {
			name   string
			values checkedValues
			want   Settings
			errs   []string // substrings of the error, one per bad key
		}{
			{name: "nothing configured", values: checkedValues{}, want: d},
			{
				name: "every key valid, at the edges of the ranges",
				values: checkedValues{
					p + "timeout": 1, p + "maxconcurrentrequests": 1, p + "errorpercentthreshold": 100,
					p + "requestvolumethreshold": 1, p + "sleepwindow": 3000,
				},
				want: Settings{Timeout: time.Millisecond, MaxConcurrentRequests: 1, ErrorPercentThreshold: 100,
					RequestVolumeThreshold: 1, SleepWindow: 3 * time.Second},
			},
			{
				name:   "a value that is not an integer",
				values: checkedValues{p + "timeout": "fast"},
				want:   d,
				errs:   []string{`config: hystrix.command.quotes-service.Timeout: "fast" is not an integer`},
			},
			{
				name: "every range violated",
				values: checkedValues{
					p + "timeout": 0, p + "maxconcurrentrequests": 0, p + "errorpercentthreshold": 101,
					p + "requestvolumethreshold": -5, p + "sleepwindow": -1,
				},
				want: d,
				errs: []string{
					`config: hystrix.command.quotes-service.Timeout: "0" is not a positive number of milliseconds`,
					`config: hystrix.command.quotes-service.MaxConcurrentRequests: "0" is not a number of requests from 1`,
					`config: hystrix.command.quotes-service.ErrorPercentThreshold: "101" is not a percentage from 1 to 100`,
					`config: hystrix.command.quotes-service.RequestVolumeThreshold: "-5" is not a number of requests from 1`,
					`config: hystrix.command.quotes-service.SleepWindow: "-1" is not a positive number of milliseconds`,
				},
			},
			{
				name:   "ErrorPercentThreshold 0 (Configure would read it as unset) and a good key next to it",
				values: checkedValues{p + "errorpercentthreshold": 0, p + "timeout": 700},
				want:   Settings{Timeout: 700 * time.Millisecond, MaxConcurrentRequests: 200, ErrorPercentThreshold: 50, RequestVolumeThreshold: 20, SleepWindow: 5 * time.Second},
				errs:   []string{`ErrorPercentThreshold: "0" is not a percentage`},
			},
		} {
			Convey(c.name, func() {
				got, err := SettingsFromChecked(c.values, "quotes-service")
				So(got, ShouldResemble, c.want)
				if len(c.errs) == 0 {
					So(err, ShouldBeNil)
					return
				}
				So(err, ShouldNotBeNil)
				So(strings.Split(err.Error(), "\n"), ShouldHaveLength, len(c.errs))
				for _, e := range c.errs {
					So(err.Error(), ShouldContainSubstring, e)
				}
			})
		}
	})
}

func TestSettingsFromSnapshot(t *testing.T) {
	Convey("Given a config snapshot where a hystrix value has the wrong type", t, func() {
		snap := config.Merge([]config.PropertySource{{Name: "accountservice.yml", Source: map[string]any{
			"hystrix": map[string]any{"command": map[string]any{"quotes-service": map[string]any{
				"Timeout": "fast", "SleepWindow": 3000,
			}}},
		}}})
		Convey("SettingsFromChecked names the key and keeps the default for it", func() {
			s, err := SettingsFromChecked(snap, "quotes-service")
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldEqual, `config: hystrix.command.quotes-service.Timeout: "fast" is not an integer`)
			So(s.Timeout, ShouldEqual, time.Second)
			So(s.SleepWindow, ShouldEqual, 3*time.Second)
		})
	})
}

func TestDefaultsAndConfigure(t *testing.T) {
	Convey("DefaultSettings are production-sane", t, func() {
		d := DefaultSettings()
		So(d.MaxConcurrentRequests, ShouldEqual, 200)
		So(d.Timeout, ShouldEqual, time.Second)
		So(d.SleepWindow, ShouldEqual, 5*time.Second)
	})

	Convey("Configure fills zero fields with our defaults, not hystrix-go's", t, func() {
		name := circuitName(t)
		Configure(name, Settings{Timeout: 250 * time.Microsecond})
		got, ok := Applied(name)
		So(ok, ShouldBeTrue)
		So(got.MaxConcurrentRequests, ShouldEqual, 200)
		So(got.Timeout, ShouldEqual, time.Millisecond)
		So(got.SleepWindow, ShouldEqual, 5*time.Second)
	})

	Convey("An unconfigured circuit used by Get gets DefaultSettings", t, func() {
		name := circuitName(t)
		d := newDownstream(http.StatusOK)
		defer d.Close()
		_, err := NewClient(nil).Get(context.Background(), name, d.URL, nil)
		So(err, ShouldBeNil)
		got, ok := Applied(name)
		So(ok, ShouldBeTrue)
		So(got, ShouldResemble, DefaultSettings())
	})
}

// checkedValues implements CheckedValues over lower-cased keys as config
// does: ints, or strings that are not integers.
type checkedValues map[string]any

func (v checkedValues) IntE(key string, def int) (int, error) {
	switch n := v[strings.ToLower(key)].(type) {
	case nil:
		return def, nil
	case int:
		return n, nil
	default:
		return def, fmt.Errorf("config: %s: %q is not an integer", key, fmt.Sprint(n))
	}
}

func waitFor[T any](ch <-chan T, limit time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(limit):
		return false
	}
}

// eventually polls cond every 20 ms for up to 10 s.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// recordOutcomes returns the outcomes hystrix-go's metrics goroutine hands
// the circuit name, in order, as they are processed: a test waits on them
// instead of sleeping. Call it before the circuit's first command (hystrix-go
// creates a circuit's collectors with the circuit). hystrix-go's collector
// registry is process-wide; the collector ignores every other circuit.
func recordOutcomes(name string) <-chan metricCollector.MetricResult {
	ch := make(chan metricCollector.MetricResult, 100)
	metricCollector.Registry.Register(func(circuit string) metricCollector.MetricCollector {
		if circuit != name {
			return discardCollector{}
		}
		return outcomeCollector(ch)
	})
	return ch
}

type outcomeCollector chan<- metricCollector.MetricResult

func (c outcomeCollector) Update(r metricCollector.MetricResult) { c <- r }
func (c outcomeCollector) Reset()                                {}

type discardCollector struct{}

func (discardCollector) Update(metricCollector.MetricResult) {}
func (discardCollector) Reset()                              {}
