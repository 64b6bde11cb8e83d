package tracing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/openzipkin/zipkin-go/model"
	"github.com/sirupsen/logrus"
)

// errCloseTimeout is returned by Close when the last spans could not be sent
// in time.
var errCloseTimeout = errors.New("timed out flushing spans")

// DefaultBatchSize is how many spans make a batch sent before its interval
// is over (zipkin-go's reporter/http default).
const DefaultBatchSize = 100

// batchReporter sends finished spans to Zipkin's /api/v2/spans in batches,
// as zipkin-go's reporter/http did for us before (behind a queue of our own):
// a batch every batch interval or every DefaultBatchSize spans, encoded by
// proto3Serializer, POSTed with header "b3: 0" (so a tracing proxy does not
// trace the reporting) and a timeout; while Zipkin does not answer, the
// newest backlog spans are kept for the next attempt and older ones dropped.
//
// Send appends to the batch under a mutex and never waits for the network.
// zipkin-go's Send handed each span over an unbuffered channel to its
// batching goroutine (so we had put a queue and a forwarding goroutine in
// front): two goroutine wake-ups and a copy on the heap per span, four spans
// a request in accountservice.
type batchReporter struct {
	url          string
	client       *http.Client
	interval     time.Duration
	sendTimeout  time.Duration
	closeTimeout time.Duration
	backlog      int
	log          logrus.FieldLogger

	mu      sync.Mutex
	batch   []model.SpanModel // the spans to send, oldest first; trimmed to backlog
	closed  bool
	dropped uint64

	full chan struct{} // a batch is full: send it now (capacity 1)
	quit chan struct{} // closed by Close
	done chan error    // the loop's last send
}

// newHTTPReporter returns a batchReporter for spansURL. o.queueSize (at
// least DefaultBatchSize) is the backlog: the spans held waiting to be sent
// (up to twice as many between two sends while Zipkin does not answer).
func newHTTPReporter(spansURL string, o options) *batchReporter {
	r := &batchReporter{
		url:          spansURL,
		client:       &http.Client{},
		interval:     o.batchInterval,
		sendTimeout:  o.sendTimeout,
		closeTimeout: o.closeTimeout,
		backlog:      max(o.queueSize, DefaultBatchSize),
		log:          o.log.WithField("component", "zipkin-reporter"),
		full:         make(chan struct{}, 1),
		quit:         make(chan struct{}),
		done:         make(chan error, 1),
	}
	go r.loop()
	return r
}

// Send adds s to the batch, dropping the oldest span when the backlog is
// full, or drops s when the reporter is closed.
func (r *batchReporter) Send(s model.SpanModel) {
	r.mu.Lock()
	if r.closed {
		r.dropped++
		r.mu.Unlock()
		return
	}
	if len(r.batch) >= 2*r.backlog {
		// Zipkin is not taking them: keep the newest backlog, trimming
		// once per backlog spans rather than moving all on every Send.
		r.trimLocked()
	}
	r.batch = append(r.batch, s)
	full := len(r.batch) >= DefaultBatchSize
	r.mu.Unlock()
	if full {
		select {
		case r.full <- struct{}{}:
		default: // a send is due already
		}
	}
}

// trimLocked drops the oldest spans past the backlog. r.mu is held.
func (r *batchReporter) trimLocked() {
	if over := len(r.batch) - r.backlog; over > 0 {
		n := copy(r.batch, r.batch[over:])
		clear(r.batch[n:])
		r.batch = r.batch[:n]
		r.dropped += uint64(over)
	}
}

// loop sends the batch when it is full or its interval is over, and once
// more when Close is called.
func (r *batchReporter) loop() {
	ticker := time.NewTicker(r.interval)
	defer ticker.Stop()
	var enc sendBuffers
	for {
		select {
		case <-r.full:
		case <-ticker.C:
		case <-r.quit:
			r.done <- r.send(&enc)
			return
		}
		_ = r.send(&enc)
	}
}

// sendBuffers are the loop's, reused from one send to the next.
type sendBuffers struct {
	spans []model.SpanModel
	ptrs  []*model.SpanModel
}

// send POSTs the spans batched so far. When Zipkin does not take them, they
// go back in front of the batch (the newest backlog kept).
func (r *batchReporter) send(buf *sendBuffers) error {
	r.mu.Lock()
	r.trimLocked()
	spans := r.batch
	r.batch = buf.spans[:0]
	r.mu.Unlock()
	if len(spans) == 0 {
		buf.spans = spans
		return nil
	}

	buf.ptrs = buf.ptrs[:0]
	for i := range spans {
		buf.ptrs = append(buf.ptrs, &spans[i])
	}
	err := r.post(buf.ptrs)
	clear(buf.ptrs) // no span kept reachable until the next send
	if err != nil {
		r.log.WithError(err).Warn("sending spans to Zipkin")
		r.requeue(spans)
		buf.spans = nil
		return err
	}
	clear(spans)
	buf.spans = spans
	return nil
}

// requeue puts spans, not sent, before the ones batched since, keeping the
// newest backlog.
func (r *batchReporter) requeue(spans []model.SpanModel) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batch = append(spans, r.batch...)
	r.trimLocked()
}

func (r *batchReporter) post(spans []*model.SpanModel) error {
	body, err := proto3Serializer{}.Serialize(spans)
	if err != nil {
		return fmt.Errorf("encoding %d spans: %w", len(spans), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.sendTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("POST %s: %w", r.url, err)
	}
	req.Header.Set("Content-Type", proto3Serializer{}.ContentType())
	req.Header.Set("b3", "0")
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", r.url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body) // to the end, so the connection is reused
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// As zipkin-go's reporter: Zipkin refused the spans, another
		// attempt would be refused too.
		r.log.WithField("status", resp.StatusCode).Warn("Zipkin refused spans")
	}
	return nil
}

// Close stops accepting spans and sends the batched ones, waiting at most
// closeTimeout.
func (r *batchReporter) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	close(r.quit)

	timer := time.NewTimer(r.closeTimeout)
	defer timer.Stop()
	var err error
	select {
	case err = <-r.done:
	case <-timer.C:
		err = fmt.Errorf("%w after %s", errCloseTimeout, r.closeTimeout)
	}
	r.mu.Lock()
	dropped := r.dropped
	r.mu.Unlock()
	if dropped > 0 {
		r.log.WithField("dropped", dropped).Warn("zipkin reporter dropped spans")
	}
	return err
}
