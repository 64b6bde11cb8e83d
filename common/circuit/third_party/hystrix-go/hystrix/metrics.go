package hystrix

import (
	"sync"
	"time"

	"github.com/afex/hystrix-go/hystrix/metric_collector"
	"github.com/afex/hystrix-go/hystrix/rolling"
)

type commandExecution struct {
	Types            []string      `json:"types"`
	Start            time.Time     `json:"start_time"`
	RunDuration      time.Duration `json:"run_duration"`
	ConcurrencyInUse float64       `json:"concurrency_inuse"`
}

// goblog: the collectors are updated by Update, on the goroutine that reports
// the command; upstream sent every execution down a channel (2000 deep, full:
// the execution was dropped) to a goroutine per circuit, which started one
// more goroutine per collector and execution.
type metricExchange struct {
	Name  string
	Mutex *sync.RWMutex

	metricCollectors []metricCollector.MetricCollector
}

func newMetricExchange(name string) *metricExchange {
	m := &metricExchange{}
	m.Name = name

	m.Mutex = &sync.RWMutex{}
	m.metricCollectors = metricCollector.Registry.InitializeMetricCollectors(name)
	m.Reset()

	return m
}

// The Default Collector function will panic if collectors are not setup to specification.
func (m *metricExchange) DefaultCollector() *metricCollector.DefaultMetricCollector {
	if len(m.metricCollectors) < 1 {
		panic("No Metric Collectors Registered.")
	}
	collection, ok := m.metricCollectors[0].(*metricCollector.DefaultMetricCollector)
	if !ok {
		panic("Default metric collector is not registered correctly. The default metric collector must be registered first.")
	}
	return collection
}

// Update counts one execution in every collector. goblog: called by the
// commands' goroutines, concurrently; the collectors' numbers and timings
// lock themselves.
func (m *metricExchange) Update(update *commandExecution) {
	// we only grab a read lock to make sure Reset() isn't changing the numbers.
	m.Mutex.RLock()
	defer m.Mutex.RUnlock()

	now := time.Now() // goblog: the one clock read of the collectors' update
	totalDuration := now.Sub(update.Start)
	for _, collector := range m.metricCollectors {
		m.IncrementMetrics(collector, update, totalDuration, now)
	}
}

// IncrementMetrics counts update in collector at now. goblog: now is new.
func (m *metricExchange) IncrementMetrics(collector metricCollector.MetricCollector, update *commandExecution, totalDuration time.Duration, now time.Time) {
	// granular metrics
	r := metricCollector.MetricResult{
		Attempts:         1,
		TotalDuration:    totalDuration,
		RunDuration:      update.RunDuration,
		ConcurrencyInUse: update.ConcurrencyInUse,
		Time:             now,
	}

	switch update.Types[0] {
	case "success":
		r.Successes = 1
	case "failure":
		r.Failures = 1
		r.Errors = 1
	case "rejected":
		r.Rejects = 1
		r.Errors = 1
	case "short-circuit":
		r.ShortCircuits = 1
		r.Errors = 1
	case "timeout":
		r.Timeouts = 1
		r.Errors = 1
	case "context_canceled":
		r.ContextCanceled = 1
	case "context_deadline_exceeded":
		r.ContextDeadlineExceeded = 1
	}

	if len(update.Types) > 1 {
		// fallback metrics
		if update.Types[1] == "fallback-success" {
			r.FallbackSuccesses = 1
		}
		if update.Types[1] == "fallback-failure" {
			r.FallbackFailures = 1
		}
	}

	collector.Update(r)
}

func (m *metricExchange) Reset() {
	m.Mutex.Lock()
	defer m.Mutex.Unlock()

	for _, collector := range m.metricCollectors {
		collector.Reset()
	}
}

func (m *metricExchange) Requests() *rolling.Number {
	m.Mutex.RLock()
	defer m.Mutex.RUnlock()
	return m.requestsLocked()
}

func (m *metricExchange) requestsLocked() *rolling.Number {
	return m.DefaultCollector().NumRequests()
}

func (m *metricExchange) ErrorPercent(now time.Time) int {
	m.Mutex.RLock()
	reqs := m.requestsLocked().Sum(now)
	m.Mutex.RUnlock()
	return m.errorPercentOf(reqs, now)
}

// errorPercentOf is ErrorPercent of reqs requests. goblog: for a caller that
// summed them already (isOpenAt).
func (m *metricExchange) errorPercentOf(reqs float64, now time.Time) int {
	m.Mutex.RLock()
	defer m.Mutex.RUnlock()

	var errPct float64
	errs := m.DefaultCollector().Errors().Sum(now)

	if reqs > 0 {
		errPct = (float64(errs) / float64(reqs)) * 100
	}

	return int(errPct + 0.5)
}

func (m *metricExchange) IsHealthy(now time.Time) bool {
	return m.isHealthyOf(m.Requests().Sum(now), now) // goblog: the one threshold check is isHealthyOf's
}

// isHealthyOf is IsHealthy with reqs requests summed by the caller (goblog).
func (m *metricExchange) isHealthyOf(reqs float64, now time.Time) bool {
	return m.errorPercentOf(reqs, now) < getSettings(m.Name).ErrorPercentThreshold
}
