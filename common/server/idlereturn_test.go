package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"
)

// testIdleReturn reads every second, busy from 10 requests, quiet up to 2,
// returns after 3 quiet seconds.
func testIdleReturn() IdleReturn {
	return IdleReturn{Tick: time.Second, Busy: 10, Quiet: 2, QuietFor: 3 * time.Second}
}

func TestIdleDetector(t *testing.T) {
	Convey("The memory is returned once per busy period, after QuietFor of quiet ticks", t, func() {
		for _, c := range []struct {
			name     string
			perTick  []int64 // requests within each tick
			returnAt []int   // the ticks (0-based) at which the memory is returned
		}{
			{"idle from the start: never", []int64{0, 1, 0, 2, 0, 1, 0, 0}, nil},
			{"a load, then quiet: after 3 quiet ticks", []int64{50, 60, 0, 1, 2, 0, 0, 0}, []int{4}},
			{"still busy: not during the load", []int64{50, 60, 70, 80, 90, 100, 110}, nil},
			{"only once, however long the quiet lasts", []int64{50, 0, 0, 0, 0, 0, 0, 0, 0, 0}, []int{3}},
			{"a working tick (between quiet and busy) restarts the wait", []int64{50, 0, 0, 5, 0, 0, 0}, []int{6}},
			{"a light load alone never makes it busy", []int64{9, 9, 9, 0, 0, 0, 0}, nil},
			{"a second load, a second return", []int64{50, 0, 0, 0, 0, 40, 0, 0, 0}, []int{3, 8}},
			{"a load again before the return: one return after the last", []int64{50, 0, 0, 30, 0, 0, 0}, []int{6}},
		} {
			d := idleDetector{cfg: testIdleReturn()}
			var total int64
			var got []int
			for i, n := range c.perTick {
				total += n
				if d.observe(total) {
					got = append(got, i)
				}
			}
			So(got, ShouldResemble, c.returnAt)
		}
	})
}

func TestIdleReturnWatch(t *testing.T) {
	Convey("Given a watcher on a fake ticker and a fake Free", t, func() {
		freed := make(chan struct{}, 4)
		cfg := testIdleReturn()
		cfg.Free = func() { freed <- struct{}{} }
		ticks := make(chan time.Time)
		// The count the watcher reads at each tick, one value per tick.
		counts := make(chan int64, 1)
		var total int64
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			cfg.watch(ctx, func() int64 { return <-counts }, ticks, logrus.New())
		}()
		defer func() { cancel(); <-done }()
		tick := func(n int64) {
			total += n
			counts <- total
			ticks <- time.Time{}
		}

		Convey("a load followed by quiet ticks frees once; more quiet frees nothing more", func() {
			tick(100)
			tick(0)
			tick(1)
			So(freed, ShouldHaveLength, 0)
			tick(0)
			tick(0) // the watcher handles a tick before taking the next one
			So(freed, ShouldHaveLength, 1)
			for range 10 {
				tick(1)
			}
			So(freed, ShouldHaveLength, 1)
		})
		Convey("it stops when its context is done", func() {
			cancel()
			<-done
		})
	})
}

func TestRunnerIdleReturn(t *testing.T) {
	Convey("Given a Runner with an IdleReturn that frees after one quiet tick", t, func() {
		freed := make(chan struct{}, 1)
		srv := New("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			WriteJSON(w, http.StatusOK, map[string]string{"ok": "yes"})
		}))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		So(err, ShouldBeNil)
		srv.Addr = ln.Addr().String()
		So(ln.Close(), ShouldBeNil)

		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan error, 1)
		go func() {
			stopped <- Runner{Log: logrus.New(), Servers: []*http.Server{srv}, IdleReturn: IdleReturn{
				Tick: 10 * time.Millisecond, Busy: 20, Quiet: 0, QuietFor: 10 * time.Millisecond,
				Free: func() {
					select {
					case freed <- struct{}{}:
					default:
					}
				},
			}}.Run(ctx)
		}()

		Convey("a burst of requests is followed by one return of memory", func() {
			client := &http.Client{Timeout: 5 * time.Second}
			deadline := time.Now().Add(10 * time.Second)
			var served int
			returned := false
			// Requests until the server is up and the burst is seen as busy:
			// the watcher sees the count at its own ticks, so keep sending
			// until the return comes (it can only come after a busy tick).
		burst:
			for time.Now().Before(deadline) {
				for range 50 {
					resp, err := client.Get("http://" + srv.Addr + "/")
					if err != nil {
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					served++
				}
				select {
				case <-freed:
					returned = true
					break burst
				case <-time.After(200 * time.Millisecond):
				}
			}
			So(served, ShouldBeGreaterThan, 0)
			So(returned, ShouldBeTrue)
			cancel()
			So(<-stopped, ShouldBeNil)
		})
	})
}

func TestRunnerIdleReturnWork(t *testing.T) {
	Convey("Given a Runner whose IdleReturn counts the service's own work besides requests", t, func() {
		freed := make(chan struct{}, 1)
		var work atomic.Int64
		srv := New("127.0.0.1:0", http.NotFoundHandler())
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan error, 1)
		go func() {
			stopped <- Runner{Log: logrus.New(), Servers: []*http.Server{srv}, IdleReturn: IdleReturn{
				Tick: 10 * time.Millisecond, Busy: 20, Quiet: 0, QuietFor: 10 * time.Millisecond,
				Work: work.Load,
				Free: func() {
					select {
					case freed <- struct{}{}:
					default:
					}
				},
			}}.Run(ctx)
		}()
		defer func() { cancel(); So(<-stopped, ShouldBeNil) }()

		Convey("a burst of work and no request is followed by a return of memory", func() {
			deadline := time.After(10 * time.Second)
			returned := false
		burst:
			for {
				work.Add(100) // a busy tick whenever the watcher reads it; quiet ones between bursts
				select {
				case <-freed:
					returned = true
					break burst
				case <-deadline:
					break burst
				case <-time.After(50 * time.Millisecond):
				}
			}
			So(returned, ShouldBeTrue)
		})

		Convey("without work or requests, nothing is returned", func() {
			select {
			case <-freed:
				So("returned while idle", ShouldBeEmpty)
			case <-time.After(200 * time.Millisecond):
			}
		})
	})
}
