package circuit

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkBreakerOverhead compares a GET through Client.Get (hystrix-go
// command, retry policy, body limit) with the same GET on the plain client,
// against an in-process server. The difference is the breaker's cost.
func BenchmarkBreakerOverhead(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"quote":"May the source be with you, always.","ipAddress":"10.0.0.7","language":"en"}`)
	}))
	defer srv.Close()
	httpClient := srv.Client()
	ctx := context.Background()

	b.Run("plain", func(b *testing.B) { benchPlainGet(b, ctx, httpClient, srv.URL) })

	// As in the services: a Timeout on the client, and a transport net/http
	// does not know (there, tracing over discovery).
	b.Run("breaker, wrapped transport, client Timeout", func(b *testing.B) {
		client := NewClient(&http.Client{Transport: wrapped{httpClient.Transport}, Timeout: 30 * time.Second})
		benchBreakerGet(b, ctx, client, srv.URL, nil)
	})

	b.Run("breaker", func(b *testing.B) { benchBreakerGet(b, ctx, NewClient(httpClient), srv.URL, nil) })
}

// wrapped is a RoundTripper net/http does not recognise, as the tracing one.
type wrapped struct{ rt http.RoundTripper }

func (w wrapped) RoundTrip(r *http.Request) (*http.Response, error) { return w.rt.RoundTrip(r) }

// BenchmarkBreakerAlone is BenchmarkBreakerOverhead without the network: the
// transport answers from memory, so what differs between the two sub-benchmarks
// is the breaker's own cost (command, goroutines, timers, metrics), not
// loopback noise.
func BenchmarkBreakerAlone(b *testing.B) {
	httpClient := &http.Client{Transport: memoryTransport{}}
	ctx := context.Background()

	b.Run("plain", func(b *testing.B) { benchPlainGet(b, ctx, httpClient, "http://quotes/api/quote") })

	b.Run("breaker", func(b *testing.B) {
		benchBreakerGet(b, ctx, NewClient(httpClient), "http://quotes/api/quote", nil)
	})
}

// BenchmarkBreakerMeasured is BenchmarkBreakerAlone's breaker with
// WithMetrics, as in the services: what counting the outcome adds.
func BenchmarkBreakerMeasured(b *testing.B) {
	client := NewClient(&http.Client{Transport: memoryTransport{}}, WithMetrics(NewMetrics(prometheus.NewRegistry())))
	fallback := func(context.Context, error) ([]byte, error) { return nil, nil }
	benchBreakerGet(b, context.Background(), client, "http://quotes/api/quote", fallback)
}

// BenchmarkBreakerParallel is BenchmarkBreakerMeasured from every core at
// once, as the service's requests call: what the breaker's shared locks and
// counters cost when its calls run side by side.
func BenchmarkBreakerParallel(b *testing.B) {
	client := NewClient(&http.Client{Transport: memoryTransport{}}, WithMetrics(NewMetrics(prometheus.NewRegistry())))
	fallback := func(context.Context, error) ([]byte, error) { return nil, nil }
	name := "bench-" + b.Name()
	s := DefaultSettings()
	s.MaxConcurrentRequests = 1000
	Configure(name, s)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := client.Get(context.Background(), name, "http://quotes/api/quote", fallback); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// memoryTransport answers every request 200 with a quote, from memory.
type memoryTransport struct{}

func (memoryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	const body = `{"quote":"May the source be with you, always.","ipAddress":"10.0.0.7","language":"en"}`
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}, nil
}

// benchBreakerGet measures GET url through client with fallback, in a circuit
// of the benchmark's own (DefaultSettings, room for 1000 concurrent calls so
// none is rejected).
func benchBreakerGet(b *testing.B, ctx context.Context, client *Client, url string, fallback Fallback) {
	name := "bench-" + b.Name()
	s := DefaultSettings()
	s.MaxConcurrentRequests = 1000
	Configure(name, s)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := client.Get(ctx, name, url, fallback); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPlainGet is the yardstick the breaker sub-benchmarks compare with: GET url with client, the
// body read and closed, no breaker.
func benchPlainGet(b *testing.B, ctx context.Context, client *http.Client, url string) {
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadAll(resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}
