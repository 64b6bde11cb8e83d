package tracing

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goblog/common/tracing/internal/zipkinhttp"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/proto/zipkin_proto3"
	"github.com/openzipkin/zipkin-go/reporter"
	"github.com/sirupsen/logrus"
)

// errCloseTimeout is returned by Close when the last spans could not be sent
// in time.
var errCloseTimeout = errors.New("timed out flushing spans")

// asyncReporter puts a bounded, never blocking queue in front of a reporter.
// Send drops the span when the queue is full or the reporter closed, so a
// finishing span costs a channel send whatever state Zipkin is in.
type asyncReporter struct {
	inner        reporter.Reporter
	queue        chan model.SpanModel
	forwarded    chan struct{} // closed when the queue is drained into inner
	closeTimeout time.Duration
	log          logrus.FieldLogger

	mu      sync.RWMutex // guards closed against Send racing Close
	closed  bool
	dropped atomic.Uint64
}

// newHTTPReporter returns zipkin-go's batching HTTP reporter (our copy in
// internal/zipkinhttp, which lets sent spans go) behind a bounded queue. Batches are sent as Zipkin v2 protobuf (Content-Type
// application/x-protobuf, accepted on /api/v2/spans by Zipkin 2.8 and
// later): zipkin-go's JSON serializer formats every id with fmt.Sprintf and
// each span through encoding/json, 3-4x the CPU of the proto3 one.
func newHTTPReporter(url string, o options) *asyncReporter {
	inner := zipkinhttp.NewReporter(url,
		zipkinhttp.BatchInterval(o.batchInterval),
		zipkinhttp.Timeout(o.sendTimeout),
		zipkinhttp.MaxBacklog(DefaultBacklog),
		zipkinhttp.Logger(stdLogger(o.log)),
		zipkinhttp.Serializer(zipkin_proto3.SpanSerializer{}),
	)
	return newAsyncReporter(inner, o.queueSize, o.closeTimeout, o.log)
}

func newAsyncReporter(inner reporter.Reporter, size int, closeTimeout time.Duration, log logrus.FieldLogger) *asyncReporter {
	if size < 1 {
		size = 1
	}
	r := &asyncReporter{
		inner:        inner,
		queue:        make(chan model.SpanModel, size),
		forwarded:    make(chan struct{}),
		closeTimeout: closeTimeout,
		log:          log,
	}
	go r.forward()
	return r
}

// Send queues s, or drops it when the queue is full or the reporter closed.
func (r *asyncReporter) Send(s model.SpanModel) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		r.drop()
		return
	}
	select {
	case r.queue <- s:
	default:
		r.drop()
	}
}

func (r *asyncReporter) drop() {
	if r.dropped.Add(1) == 1 {
		r.log.Warn("zipkin reporter queue full or closed: dropping spans")
	}
}

func (r *asyncReporter) forward() {
	defer close(r.forwarded)
	for s := range r.queue {
		r.inner.Send(s)
	}
}

// Close stops accepting spans, hands the queued ones to the inner reporter
// and closes it, waiting at most closeTimeout in all.
func (r *asyncReporter) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.queue)
	r.mu.Unlock()

	done := make(chan error, 1)
	go func() {
		<-r.forwarded
		done <- r.inner.Close()
	}()
	timer := time.NewTimer(r.closeTimeout)
	defer timer.Stop()

	var err error
	select {
	case err = <-done:
	case <-timer.C:
		err = fmt.Errorf("%w after %s", errCloseTimeout, r.closeTimeout)
	}
	if n := r.dropped.Load(); n > 0 {
		r.log.WithField("dropped", n).Warn("zipkin reporter dropped spans")
	}
	return err
}
