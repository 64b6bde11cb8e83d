package circuit

import (
	"context"
	"errors"
	"sync"

	"github.com/afex/hystrix-go/hystrix"
	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a call, the outcome label of goblog_circuit_calls_total:
// Hystrix's event names (com.netflix.hystrix.HystrixEventType), in
// Prometheus' spelling. Every call counts once as success, failure,
// timeout, rejected or short_circuited; a call that ran its fallback counts
// once more, as fallback_success or fallback_failure.
const (
	OutcomeSuccess         = "success"          // the downstream answered 2xx, or 4xx (the caller's mistake)
	OutcomeFailure         = "failure"          // 5xx, transport error, oversized body, after every attempt
	OutcomeTimeout         = "timeout"          // longer than the circuit's Timeout
	OutcomeRejected        = "rejected"         // MaxConcurrentRequests calls were running
	OutcomeShortCircuited  = "short_circuited"  // the circuit was open: no call made
	OutcomeFallbackSuccess = "fallback_success" // the fallback answered
	OutcomeFallbackFailure = "fallback_failure" // the fallback failed too
)

// Metrics measures the circuits of the Clients given WithMetrics:
//
//	goblog_circuit_calls_total{circuit,outcome}  counter
//	goblog_circuit_open{circuit}                 gauge, 1 open, 0 closed
//
// circuit is the name passed to Get (a fixed set per service: quotes-service,
// imageservice). The open state is read from the breaker at each scrape, as
// the Hystrix stream reads it; a circuit appears once a Client has used it.
type Metrics struct {
	calls *prometheus.CounterVec
	open  *prometheus.Desc
	mu    sync.RWMutex
	names map[string]struct{} // the circuits used so far
}

// NewMetrics registers the circuit metrics on reg. It panics when reg has
// them already: one Metrics per registry, shared by the service's Clients.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "goblog_circuit_calls_total",
			Help: "Calls through a circuit breaker, by circuit and outcome (success, failure, timeout, rejected, short_circuited; fallback_success, fallback_failure besides when the fallback ran).",
		}, []string{"circuit", "outcome"}),
		open: prometheus.NewDesc("goblog_circuit_open",
			"Whether the circuit is open (1: calls go to the fallback without being made) or closed (0).",
			[]string{"circuit"}, nil),
		names: make(map[string]struct{}),
	}
	reg.MustRegister(m.calls, openCollector{m})
	return m
}

// WithMetrics counts the Client's calls on m.
func WithMetrics(m *Metrics) Option { return func(c *Client) { c.metrics = m } }

// begin starts measuring one call through circuit name, whose fallback
// (nil: none) is given to Get: the call's fallback method runs it and notes
// that it ran, and with what; its end method counts the outcome from that and
// the call's error. The fallback runs on Get's goroutine (hystrix.DoInline),
// before end. The call is a value for Get's stack: nothing keeps it after Get.
func (m *Metrics) begin(name string, fallback Fallback) measuredCall {
	m.noteName(name)
	return measuredCall{m: m, name: name, inner: fallback}
}

// noteName remembers that circuit name is in use, for openCollector.
func (m *Metrics) noteName(name string) {
	m.mu.RLock()
	_, ok := m.names[name]
	m.mu.RUnlock()
	if ok {
		return
	}
	m.mu.Lock()
	m.names[name] = struct{}{}
	m.mu.Unlock()
}

// measuredCall is what begin's fallback notes for end.
type measuredCall struct {
	m            *Metrics
	name         string
	inner        Fallback
	ran          bool
	cause, fbErr error
}

func (c *measuredCall) fallback(ctx context.Context, err error) ([]byte, error) {
	body, ferr := c.inner(ctx, err)
	c.ran, c.cause, c.fbErr = true, err, ferr
	return body, ferr
}

// end counts the call that ended with err.
func (c *measuredCall) end(err error) {
	calls := c.m.calls
	if !c.ran {
		calls.WithLabelValues(c.name, outcomeOf(err)).Inc()
		return
	}
	calls.WithLabelValues(c.name, outcomeOf(c.cause)).Inc()
	if c.fbErr != nil {
		calls.WithLabelValues(c.name, OutcomeFallbackFailure).Inc()
	} else {
		calls.WithLabelValues(c.name, OutcomeFallbackSuccess).Inc()
	}
}

// outcomeOf is the outcome of a call that ended with err (without a
// fallback), or of one whose fallback was called with err.
func outcomeOf(err error) string {
	switch {
	case err == nil, isClientError(err):
		return OutcomeSuccess
	case errors.Is(err, ErrOpen):
		return OutcomeShortCircuited
	case errors.Is(err, ErrTimeout):
		return OutcomeTimeout
	case errors.Is(err, ErrRejected):
		return OutcomeRejected
	}
	return OutcomeFailure
}

// openCollector reports goblog_circuit_open for every circuit used so far.
type openCollector struct{ m *Metrics }

func (o openCollector) Describe(ch chan<- *prometheus.Desc) { ch <- o.m.open }

func (o openCollector) Collect(ch chan<- prometheus.Metric) {
	o.m.mu.RLock()
	names := make([]string, 0, len(o.m.names))
	for name := range o.m.names {
		names = append(names, name)
	}
	o.m.mu.RUnlock()
	for _, name := range names {
		cb, _, err := hystrix.GetCircuit(name)
		if err != nil {
			continue
		}
		open := 0.0
		if cb.IsOpen() {
			open = 1
		}
		ch <- prometheus.MustNewConstMetric(o.m.open, prometheus.GaugeValue, open, name)
	}
}
