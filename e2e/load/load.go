// Package load sends requests (GETs, or any mix of Requests) at a steady rate
// and counts what came back: the load of the zero-downtime check (e2e 8) and
// of deploy/measure-memory.sh.
//
// Requests start on a ticker, each in its own goroutine, so a slow answer never
// lowers the rate: the offered load stays what was asked for, as it would with
// independent clients.
package load

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxFailures bounds how many failures a Result lists; the count is exact.
const maxFailures = 20

// Request is one request of a load: Method (default GET) on URL with Body
// (JSON when not empty), answered as it should be with Want (default 200).
// Answered, when not nil, is given the status and body (at most 1 MiB) of
// every answer to the request, wanted or not, from the request's goroutine
// (so concurrently); a transport error is no answer.
type Request struct {
	Method, URL, Body string
	Want              int
	Answered          func(status int, body []byte)
}

// Failure is one request that did not answer what it should.
type Failure struct {
	At     time.Time
	Method string
	Status int    // 0 for a transport error
	Reason string // the transport error, or the start of the body
}

func (f Failure) String() string {
	if f.Status == 0 {
		return fmt.Sprintf("%s %s transport error: %s", f.At.Format("15:04:05.000"), f.Method, f.Reason)
	}
	return fmt.Sprintf("%s %s HTTP %d: %s", f.At.Format("15:04:05.000"), f.Method, f.Status, f.Reason)
}

// Result sums up a run.
type Result struct {
	Sent      int
	OK        int
	Failed    int
	Failures  []Failure // the first maxFailures, in the order they happened
	Duration  time.Duration
	Latencies []time.Duration // of every answered request, sorted
}

// Percentile returns the p-th percentile (0-100) of the latencies, 0 when there are none.
func (r Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.Latencies)-1) * p / 100)
	return r.Latencies[i]
}

func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests in %s: %d OK, %d failed; latency p50 %s, p99 %s, max %s",
		r.Sent, r.Duration.Round(time.Millisecond), r.OK, r.Failed,
		r.Percentile(50).Round(time.Millisecond), r.Percentile(99).Round(time.Millisecond),
		r.Percentile(100).Round(time.Millisecond))
	for _, f := range r.Failures {
		b.WriteString("\n  " + f.String())
	}
	if r.Failed > len(r.Failures) {
		fmt.Fprintf(&b, "\n  ... and %d more", r.Failed-len(r.Failures))
	}
	return b.String()
}

// Run is a load in progress.
type Run struct {
	cancel context.CancelFunc
	done   chan struct{}
	start  time.Time

	mu     sync.Mutex
	result Result
	wg     sync.WaitGroup
}

// Start sends GET urls[i % len(urls)] rate times a second with client until
// ctx ends or Stop is called. Each request is bounded by the client's timeout.
func Start(ctx context.Context, client *http.Client, urls []string, rate int) *Run {
	return StartRequests(ctx, client, gets(urls), rate)
}

func gets(urls []string) []Request {
	reqs := make([]Request, len(urls))
	for i, u := range urls {
		reqs[i] = Request{URL: u}
	}
	return reqs
}

// StartRequests sends reqs[i % len(reqs)] rate times a second, as Start does.
func StartRequests(ctx context.Context, client *http.Client, reqs []Request, rate int) *Run {
	if rate < 1 {
		rate = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &Run{cancel: cancel, done: make(chan struct{}), start: time.Now()}
	go func() {
		defer close(r.done)
		ticker := time.NewTicker(time.Second / time.Duration(rate))
		defer ticker.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				r.wg.Wait()
				return
			case <-ticker.C:
				r.wg.Add(1)
				go func() {
					defer r.wg.Done()
					r.one(client, reqs[i%len(reqs)])
				}()
			}
		}
	}()
	return r
}

// For sends the load for d (or until ctx ends) and returns its result.
func For(ctx context.Context, client *http.Client, urls []string, rate int, d time.Duration) Result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	r := Start(ctx, client, urls, rate)
	<-ctx.Done()
	return r.Stop()
}

// Stop ends the load, waits for the requests in flight and returns the result.
func (r *Run) Stop() Result {
	r.cancel()
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.result
	res.Duration = time.Since(r.start)
	res.Latencies = slices.Clone(res.Latencies)
	sort.Slice(res.Latencies, func(i, j int) bool { return res.Latencies[i] < res.Latencies[j] })
	res.Failures = slices.Clone(res.Failures)
	return res
}

// Snapshot returns the counts so far (Sent, OK, Failed), for progress reports.
func (r *Run) Snapshot() (sent, ok, failed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.result.Sent, r.result.OK, r.result.Failed
}

func (r *Run) one(client *http.Client, req Request) {
	at := time.Now()
	r.mu.Lock()
	r.result.Sent++
	r.mu.Unlock()

	// Not bound to the run's context: a request in flight when the load stops
	// finishes (within the client's timeout) and is counted like any other.
	status, reason := send(client, req)
	took := time.Since(at)

	r.mu.Lock()
	defer r.mu.Unlock()
	if status == want(req) {
		r.result.OK++
		r.result.Latencies = append(r.result.Latencies, took)
		return
	}
	r.result.Failed++
	if status != 0 {
		r.result.Latencies = append(r.result.Latencies, took)
	}
	if len(r.result.Failures) < maxFailures {
		r.result.Failures = append(r.result.Failures, Failure{At: at, Method: method(req), Status: status, Reason: reason})
	}
}

func method(req Request) string {
	if req.Method == "" {
		return http.MethodGet
	}
	return req.Method
}

func want(req Request) int {
	if req.Want == 0 {
		return http.StatusOK
	}
	return req.Want
}

// send returns the status (0 on a transport error) and, when it is not the
// one wanted, why.
func send(client *http.Client, req Request) (int, string) {
	var body io.Reader
	if req.Body != "" {
		body = strings.NewReader(req.Body)
	}
	hreq, err := http.NewRequest(method(req), req.URL, body)
	if err != nil {
		return 0, err.Error()
	}
	if req.Body != "" {
		hreq.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, "reading the body: " + err.Error()
	}
	if req.Answered != nil {
		req.Answered(resp.StatusCode, respBody)
	}
	if resp.StatusCode != want(req) {
		s := strings.TrimSpace(string(respBody))
		if len(s) > 200 {
			s = s[:200] + "..."
		}
		return resp.StatusCode, s
	}
	return resp.StatusCode, ""
}
