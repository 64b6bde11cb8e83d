// Package hystrixtest provides fakes for testing turbine: a replica serving
// /hystrix.stream, a DNS resolver whose answers tests change, and a client
// reading a Server-Sent Events stream.
package hystrixtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Command returns a HystrixCommand event as afex/hystrix-go emits it.
func Command(name string, successes int, open bool, latency90 int) string {
	ev := map[string]any{
		"type": "HystrixCommand", "name": name, "group": name,
		"currentTime": time.Now().UnixMilli(), "reportingHosts": 1,
		"requestCount": successes, "errorCount": 0, "errorPercentage": 0,
		"isCircuitBreakerOpen":          open,
		"rollingCountCollapsedRequests": 0, "rollingCountExceptionsThrown": 0,
		"rollingCountFailure": 0, "rollingCountFallbackFailure": 0,
		"rollingCountFallbackRejection": 0, "rollingCountFallbackSuccess": 0,
		"rollingCountResponsesFromCache": 0, "rollingCountSemaphoreRejected": 0,
		"rollingCountShortCircuited": 0, "rollingCountSuccess": successes,
		"rollingCountThreadPoolRejected": 0, "rollingCountTimeout": 0,
		"currentConcurrentExecutionCount": 0,
		"latencyExecute_mean":             latency90 / 2,
		"latencyExecute":                  latencies(latency90),
		"latencyTotal_mean":               latency90 / 2,
		"latencyTotal":                    latencies(latency90),
		"propertyValue_circuitBreakerRequestVolumeThreshold":             20,
		"propertyValue_circuitBreakerSleepWindowInMilliseconds":          5000,
		"propertyValue_circuitBreakerErrorThresholdPercentage":           50,
		"propertyValue_circuitBreakerForceOpen":                          false,
		"propertyValue_circuitBreakerForceClosed":                        false,
		"propertyValue_circuitBreakerEnabled":                            true,
		"propertyValue_executionIsolationStrategy":                       "THREAD",
		"propertyValue_executionIsolationThreadTimeoutInMilliseconds":    0,
		"propertyValue_executionIsolationThreadInterruptOnTimeout":       false,
		"propertyValue_executionIsolationThreadPoolKeyOverride":          "",
		"propertyValue_executionIsolationSemaphoreMaxConcurrentRequests": 0,
		"propertyValue_fallbackIsolationSemaphoreMaxConcurrentRequests":  0,
		"propertyValue_metricsRollingStatisticalWindowInMilliseconds":    10000,
		"propertyValue_requestCacheEnabled":                              false,
		"propertyValue_requestLogEnabled":                                false,
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err) // a map of plain values always marshals
	}
	return string(b)
}

func latencies(p90 int) map[string]int {
	return map[string]int{"0": 0, "25": p90 / 4, "50": p90 / 2, "75": p90 * 3 / 4, "90": p90, "95": p90, "99": p90, "99.5": p90, "100": p90}
}

// Mode is how a Replica answers one request.
type Mode int

const (
	Stream          Mode = iota // stream the current events every period until the client leaves
	Status500                   // answer 500 Internal Server Error
	GarbageAndClose             // send a garbage line, one valid round of events, then end the response
)

// Replica is a fake service replica serving /hystrix.stream.
type Replica struct {
	*httptest.Server
	period   time.Duration
	requests atomic.Int32

	mu     sync.Mutex
	events []string
	plan   []Mode
}

// NewReplica starts a replica sending events every period; it is closed when
// the test ends. plan says how the first requests are answered; later ones
// stream.
func NewReplica(t testing.TB, period time.Duration, plan ...Mode) *Replica {
	r := &Replica{period: period, plan: plan}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hystrix.stream", r.serve)
	r.Server = httptest.NewServer(mux)
	t.Cleanup(func() {
		r.CloseClientConnections()
		r.Close()
	})
	return r
}

// SetEvents replaces the JSON events sent every period.
func (r *Replica) SetEvents(events ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = events
}

// Requests is how many stream requests the replica received.
func (r *Replica) Requests() int { return int(r.requests.Load()) }

// Port is the replica's TCP port.
func (r *Replica) Port() string {
	_, port, _ := net.SplitHostPort(r.Listener.Addr().String())
	return port
}

func (r *Replica) serve(w http.ResponseWriter, req *http.Request) {
	n := int(r.requests.Add(1))
	mode := Stream
	r.mu.Lock()
	if n <= len(r.plan) {
		mode = r.plan[n-1]
	}
	r.mu.Unlock()
	if mode == Status500 {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	flusher := w.(http.Flusher)
	if mode == GarbageAndClose {
		fmt.Fprint(w, "data: {this is not json\n\n")
		r.writeRound(w)
		flusher.Flush()
		return
	}
	ticker := time.NewTicker(r.period)
	defer ticker.Stop()
	for {
		r.writeRound(w)
		flusher.Flush()
		select {
		case <-req.Context().Done():
			return
		case <-ticker.C:
		}
	}
}

// writeRound writes the events as hystrix-go does: "data:" without a space.
func (r *Replica) writeRound(w http.ResponseWriter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range r.events {
		fmt.Fprintf(w, "data:%s\n\n", ev)
	}
}

// Resolver is a fake DNS: names map to address lists; unknown names are
// not found, like a Swarm service with no healthy task.
type Resolver struct {
	mu     sync.Mutex
	hosts  map[string][]string
	broken bool
}

// NewResolver returns an empty fake resolver.
func NewResolver() *Resolver { return &Resolver{hosts: map[string][]string{}} }

// Set makes name resolve to addrs.
func (r *Resolver) Set(name string, addrs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hosts[name] = addrs
}

// Remove makes name unknown.
func (r *Resolver) Remove(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.hosts, name)
}

// SetBroken makes every lookup fail with a temporary error (DNS server down)
// while broken is true.
func (r *Resolver) SetBroken(broken bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.broken = broken
}

// LookupHost implements collector.Resolver.
func (r *Resolver) LookupHost(_ context.Context, host string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken {
		return nil, &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}
	}
	addrs, ok := r.hosts[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return append([]string(nil), addrs...), nil
}

// Subscription reads a Server-Sent Events stream in the background.
type Subscription struct {
	Header http.Header
	events chan map[string]any
	cancel context.CancelFunc
	done   chan struct{}
}

// Subscribe opens url and starts reading its "data:" events; it is closed
// when the test ends.
func Subscribe(t testing.TB, url string) *Subscription {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		cancel()
		t.Fatalf("building request: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		t.Fatalf("GET %s: status %s", url, resp.Status)
	}
	s := &Subscription{Header: resp.Header, events: make(chan map[string]any, 64), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.events)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev map[string]any
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				ev = map[string]any{"decodeError": err.Error(), "raw": data}
			}
			select {
			case s.events <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(s.Close)
	return s
}

// WaitFor returns the first event for which match is true, or false when
// none came within timeout or the stream ended. Use generous timeouts: the
// point is what arrives, not how fast.
func (s *Subscription) WaitFor(timeout time.Duration, match func(map[string]any) bool) (map[string]any, bool) {
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return nil, false
			}
			if match(ev) {
				return ev, true
			}
		case <-deadline:
			return nil, false
		}
	}
}

// Ended reports whether the stream ended (EOF or error) within timeout.
func (s *Subscription) Ended(timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// Close stops reading and waits for the reader to finish.
func (s *Subscription) Close() {
	s.cancel()
	<-s.done
}
