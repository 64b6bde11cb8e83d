// Package load sends GET requests at a steady rate and counts what came back:
// the load of the zero-downtime check (e2e 8) and of deploy/measure-memory.sh.
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

// Failure is one request that did not answer 200.
type Failure struct {
	At     time.Time
	Status int    // 0 for a transport error
	Reason string // the transport error, or the start of the body
}

func (f Failure) String() string {
	if f.Status == 0 {
		return fmt.Sprintf("%s transport error: %s", f.At.Format("15:04:05.000"), f.Reason)
	}
	return fmt.Sprintf("%s HTTP %d: %s", f.At.Format("15:04:05.000"), f.Status, f.Reason)
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
					r.one(client, urls[i%len(urls)])
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

func (r *Run) one(client *http.Client, url string) {
	at := time.Now()
	r.mu.Lock()
	r.result.Sent++
	r.mu.Unlock()

	// Not bound to the run's context: a request in flight when the load stops
	// finishes (within the client's timeout) and is counted like any other.
	status, reason := get(client, url)
	took := time.Since(at)

	r.mu.Lock()
	defer r.mu.Unlock()
	if status == http.StatusOK {
		r.result.OK++
		r.result.Latencies = append(r.result.Latencies, took)
		return
	}
	r.result.Failed++
	if status != 0 {
		r.result.Latencies = append(r.result.Latencies, took)
	}
	if len(r.result.Failures) < maxFailures {
		r.result.Failures = append(r.result.Failures, Failure{At: at, Status: status, Reason: reason})
	}
}

// get returns the status (0 on a transport error) and, when it is not 200, why.
func get(client *http.Client, url string) (int, string) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, "reading the body: " + err.Error()
	}
	if resp.StatusCode != http.StatusOK {
		s := strings.TrimSpace(string(body))
		if len(s) > 200 {
			s = s[:200] + "..."
		}
		return resp.StatusCode, s
	}
	return http.StatusOK, ""
}
