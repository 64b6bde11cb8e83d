package discovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// fakeResolver answers from a map that tests change, counting lookups.
type fakeResolver struct {
	mu      sync.Mutex
	addrs   map[string][]string
	err     error
	lookups atomic.Int32
	gate    chan struct{} // when set, lookups wait for it to close
	called  chan struct{} // when set, signalled on each lookup
}

func (f *fakeResolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	f.lookups.Add(1)
	if f.called != nil {
		select {
		case f.called <- struct{}{}:
		default:
		}
	}
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	a, ok := f.addrs[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return a, nil
}

func (f *fakeResolver) set(host string, addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addrs[host] = addrs
}

// replicas are HTTP servers on 127.0.0.1, 127.0.0.2, … sharing one port, as
// Swarm tasks share the service port on different IPs.
type replicas struct {
	port    string
	servers []*http.Server
	hits    map[string]*atomic.Int32 // by IP
	conns   map[string]*atomic.Int32 // new connections by IP
	hosts   chan string              // Host headers seen
}

func startReplicas(t *testing.T, n int) *replicas {
	t.Helper()
	for try := 0; try < 20; try++ {
		if r, ok := tryReplicas(t, n); ok {
			return r
		}
	}
	t.Fatal("no port free on every loopback address")
	return nil
}

func tryReplicas(t *testing.T, n int) (*replicas, bool) {
	first, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(first.Addr().String())
	lns := []net.Listener{first}
	for i := 2; i <= n; i++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:%s", i, port))
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, false
		}
		lns = append(lns, ln)
	}
	r := &replicas{port: port, hits: map[string]*atomic.Int32{}, conns: map[string]*atomic.Int32{}, hosts: make(chan string, 1000)}
	for _, ln := range lns {
		ip, _, _ := net.SplitHostPort(ln.Addr().String())
		hits, conns := &atomic.Int32{}, &atomic.Int32{}
		r.hits[ip], r.conns[ip] = hits, conns
		srv := &http.Server{
			Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				hits.Add(1)
				select {
				case r.hosts <- req.Host:
				default:
				}
				_, _ = io.Copy(io.Discard, req.Body)
				fmt.Fprint(w, ip)
			}),
			ConnState: func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			},
		}
		r.servers = append(r.servers, srv)
		go srv.Serve(ln)
	}
	t.Cleanup(func() {
		for _, s := range r.servers {
			s.Close()
		}
	})
	return r, true
}

func (r *replicas) url(host string) string { return "http://" + net.JoinHostPort(host, r.port) + "/" }

// get sends GET url and returns the body (the IP that served it).
func get(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// fakeClock is a settable now().
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newTestTransport(res Resolver, ttl time.Duration) (*transport, *fakeClock) {
	clock := &fakeClock{now: time.Unix(1700000000, 0)}
	t := NewTransport(nil, res, ttl).(*transport)
	t.now = clock.Now
	return t, clock
}

func TestRoundRobin(t *testing.T) {
	Convey("Given three replicas of quotes-service", t, func() {
		reps := startReplicas(t, 3)
		res := &fakeResolver{addrs: map[string][]string{}}
		res.set("quotes-service", "127.0.0.3", "127.0.0.1", "127.0.0.2")
		tr, clock := newTestTransport(res, 5*time.Second)
		client := &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()

		Convey("requests are spread evenly over every address", func() {
			for range 30 {
				_, err := get(client, reps.url("quotes-service"))
				So(err, ShouldBeNil)
			}
			for ip, hits := range reps.hits {
				So(fmt.Sprint(ip, " ", hits.Load()), ShouldEqual, fmt.Sprint(ip, " ", 10))
			}
			So(res.lookups.Load(), ShouldEqual, 1)

			Convey("over one kept-alive connection per address", func() {
				for ip, conns := range reps.conns {
					So(fmt.Sprint(ip, " ", conns.Load()), ShouldEqual, fmt.Sprint(ip, " ", 1))
				}
			})

			Convey("and each replica sees the service name as Host", func() {
				So(<-reps.hosts, ShouldEqual, "quotes-service:"+reps.port)
			})
		})

		Convey("addresses are re-resolved once the ttl has passed", func() {
			res.set("quotes-service", "127.0.0.1", "127.0.0.2")
			for range 4 {
				_, err := get(client, reps.url("quotes-service"))
				So(err, ShouldBeNil)
			}
			So(reps.hits["127.0.0.3"].Load(), ShouldEqual, 0)

			res.set("quotes-service", "127.0.0.2", "127.0.0.3") // one replica gone, one added
			clock.Advance(4 * time.Second)
			_, _ = get(client, reps.url("quotes-service"))
			So(res.lookups.Load(), ShouldEqual, 1) // still fresh

			clock.Advance(2 * time.Second)
			before := reps.hits["127.0.0.1"].Load()
			for range 6 {
				_, err := get(client, reps.url("quotes-service"))
				So(err, ShouldBeNil)
			}
			So(res.lookups.Load(), ShouldEqual, 2)
			So(reps.hits["127.0.0.1"].Load(), ShouldEqual, before)
			So(reps.hits["127.0.0.3"].Load(), ShouldEqual, 3)
		})

		Convey("a failed lookup keeps serving the addresses already known", func() {
			_, err := get(client, reps.url("quotes-service"))
			So(err, ShouldBeNil)
			res.mu.Lock()
			res.err = errors.New("dns down")
			res.mu.Unlock()
			clock.Advance(time.Minute)
			_, err = get(client, reps.url("quotes-service"))
			So(err, ShouldBeNil)
			So(res.lookups.Load(), ShouldEqual, 2)
		})
	})
}

func TestDeadAddress(t *testing.T) {
	Convey("Given a name listing two live replicas and one whose task died", t, func() {
		reps := startReplicas(t, 2)
		res := &fakeResolver{addrs: map[string][]string{}}
		res.set("imageservice", "127.0.0.1", "127.0.0.2", "127.0.0.9") // nothing listens on .9
		tr, _ := newTestTransport(res, time.Hour)
		client := &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()

		Convey("a GET that hits the dead address is retried on a live one", func() {
			for range 3 {
				body, err := get(client, reps.url("imageservice"))
				So(err, ShouldBeNil)
				So(body, ShouldBeIn, []string{"127.0.0.1", "127.0.0.2"})
			}

			Convey("and the failed dial forces a fresh lookup, which no longer lists it", func() {
				So(res.lookups.Load(), ShouldEqual, 1)
				res.set("imageservice", "127.0.0.1", "127.0.0.2")
				for range 6 {
					_, err := get(client, reps.url("imageservice"))
					So(err, ShouldBeNil)
				}
				So(res.lookups.Load(), ShouldEqual, 2)
				So(reps.hits["127.0.0.1"].Load()+reps.hits["127.0.0.2"].Load(), ShouldEqual, 9)
			})
		})

		Convey("a POST whose body cannot be replayed is not retried", func() {
			res.set("imageservice", "127.0.0.1", "127.0.0.9")
			post := func() error {
				req, err := http.NewRequest(http.MethodPost, reps.url("imageservice"), onceReader{strings.NewReader("image")})
				if err != nil {
					return err
				}
				resp, err := client.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				return err
			}
			So(post(), ShouldBeNil)    // 127.0.0.1
			So(post(), ShouldNotBeNil) // 127.0.0.9, dial refused
			So(reps.hits["127.0.0.1"].Load(), ShouldEqual, 1)
		})
	})
}

// onceReader hides strings.Reader so http.NewRequest sets no GetBody.
type onceReader struct{ io.Reader }

func TestPassThrough(t *testing.T) {
	Convey("Given a single replica", t, func() {
		reps := startReplicas(t, 1)
		res := &fakeResolver{addrs: map[string][]string{}}
		tr, _ := newTestTransport(res, time.Second)
		client := &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()

		cases := []struct {
			name    string
			host    string
			lookups int32
		}{
			{name: "an IP literal is not resolved", host: "127.0.0.1", lookups: 0},
			{name: "localhost is left to the system resolver", host: "localhost", lookups: 0},
			{name: "a name with a single address works", host: "vipservice", lookups: 1},
		}
		res.set("vipservice", "127.0.0.1")
		for _, c := range cases {
			Convey(c.name, func() {
				body, err := get(client, reps.url(c.host))
				So(err, ShouldBeNil)
				So(body, ShouldEqual, "127.0.0.1")
				So(res.lookups.Load(), ShouldEqual, c.lookups)
			})
		}

		Convey("an unknown name is an error naming it", func() {
			_, err := get(client, reps.url("nosuchservice"))
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "resolving nosuchservice")
		})
	})
}

func TestConcurrentResolve(t *testing.T) {
	Convey("Given many requests for a name not resolved yet", t, func() {
		reps := startReplicas(t, 2)
		res := &fakeResolver{addrs: map[string][]string{}, gate: make(chan struct{}), called: make(chan struct{}, 1)}
		res.set("quotes-service", "127.0.0.1", "127.0.0.2")
		tr, _ := newTestTransport(res, time.Hour)
		client := &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()

		Convey("they share one lookup", func() {
			var wg sync.WaitGroup
			errs := make(chan error, 20)
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := get(client, reps.url("quotes-service"))
					errs <- err
				}()
			}
			<-res.called
			time.Sleep(100 * time.Millisecond) // let the others queue up behind it
			close(res.gate)
			wg.Wait()
			close(errs)
			for err := range errs {
				So(err, ShouldBeNil)
			}
			So(res.lookups.Load(), ShouldEqual, 1)
		})
	})
}

func TestUsable(t *testing.T) {
	cases := []struct {
		in   []string
		want string
	}{
		{in: []string{"10.0.0.3", "10.0.0.1"}, want: "10.0.0.1 10.0.0.3"},
		{in: []string{"::1", "10.0.0.1"}, want: "10.0.0.1"},
		{in: []string{"fd00::2", "fd00::1"}, want: "fd00::1 fd00::2"},
	}
	for _, c := range cases {
		if got := strings.Join(usable(c.in), " "); got != c.want {
			t.Errorf("usable(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
