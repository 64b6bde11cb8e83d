// Package circuit runs calls to downstream services inside circuit breakers,
// with retries inside the command and a caller-supplied fallback.
//
// The breakers are afex/hystrix-go's, and this package is the only one that
// knows it: its API (ErrOpen, ErrTimeout, ErrRejected, SetLogger, Applied,
// Settings) is in its own terms, so the unmaintained library can be replaced
// here alone. `make lint` fails when another package imports hystrix-go.
//
// hystrix-go keeps one process-wide registry of circuits by name; Configure
// writes to it and Client.Get reads from it. That registry is the library's
// state, not ours: this package keeps none.
package circuit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/afex/hystrix-go/hystrix"
	"github.com/cenkalti/backoff/v4"
)

// Defaults of a Client.
const (
	DefaultAttempts      = 3
	DefaultRetryInterval = 100 * time.Millisecond
	DefaultMaxBodySize   = 1 << 20 // 1 MiB
)

// Client performs GET requests inside named circuits.
type Client struct {
	http     *http.Client // its Timeout is 0: timeout is applied per Get instead
	timeout  time.Duration
	attempts int
	interval time.Duration
	maxBody  int64
	seen     sync.Map // circuit names known to be configured
	metrics  *Metrics // nil: calls not measured (WithMetrics)
}

// Option changes a Client.
type Option func(*Client)

// WithAttempts sets how many times a request is tried inside one command
// (default 3). Values below 1 mean 1.
func WithAttempts(n int) Option { return func(c *Client) { c.attempts = max(n, 1) } }

// WithRetryInterval sets the pause between attempts (default 100 ms).
func WithRetryInterval(d time.Duration) Option { return func(c *Client) { c.interval = d } }

// WithMaxBodySize bounds the response body read (default 1 MiB); a larger
// body is a failure.
func WithMaxBodySize(n int64) Option { return func(c *Client) { c.maxBody = n } }

// NewClient returns a Client sending its requests with httpClient (nil: a
// plain http.Client), typically the tracing client over a discovery transport.
// httpClient's Timeout bounds each Get, every attempt included, as a deadline
// on the request context: net/http enforces a Client.Timeout over a transport
// it does not know (the tracing and discovery wrappers) with a timer and a
// goroutine per request, which a context deadline does not need.
func NewClient(httpClient *http.Client, opts ...Option) *Client {
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	hc := *httpClient
	hc.Timeout = 0
	c := &Client{
		http:     &hc,
		timeout:  httpClient.Timeout,
		attempts: DefaultAttempts,
		interval: DefaultRetryInterval,
		maxBody:  DefaultMaxBodySize,
	}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// StatusError is a response whose status code is not 2xx.
type StatusError struct {
	URL        string
	StatusCode int
	Body       []byte // the start of the response body, for diagnosis
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: status %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
}

// ClientError reports whether the status is 4xx: the request was wrong, the
// downstream service is fine. Such errors are neither retried nor counted
// against the circuit.
func (e *StatusError) ClientError() bool { return e.StatusCode >= 400 && e.StatusCode < 500 }

// errBodyTooLarge is a response body over the Client's limit.
var errBodyTooLarge = errors.New("response body too large")

// Why a command did not run to completion. A Fallback's err, and the error of
// Get without a fallback, wrap one of them (or the call's own failure).
var (
	// ErrOpen: the circuit is open, the call was not made.
	ErrOpen = errors.New("circuit open")
	// ErrTimeout: the command ran longer than the circuit's Timeout.
	ErrTimeout = errors.New("circuit timeout")
	// ErrRejected: MaxConcurrentRequests commands were already running.
	ErrRejected = errors.New("circuit rejected: too many concurrent requests")
)

// ownError translates hystrix-go's errors into this package's.
func ownError(err error) error {
	switch {
	case errors.Is(err, hystrix.ErrCircuitOpen):
		return ErrOpen
	case errors.Is(err, hystrix.ErrTimeout):
		return ErrTimeout
	case errors.Is(err, hystrix.ErrMaxConcurrency):
		return ErrRejected
	}
	return err
}

// Fallback gives the answer of a call that failed, timed out, was rejected or
// found its circuit open; err says which (errors.Is(err, ErrOpen) etc.). The
// body it returns is what Get returns; a nil body is allowed and tells the
// caller "the fallback answered", since a downstream answer is never nil.
type Fallback func(ctx context.Context, err error) ([]byte, error)

// Get sends GET url inside circuit name (configured with DefaultSettings if
// Configure was never called for it) and returns the response body. Up to
// the configured number of attempts are made inside the command, the
// configured interval apart; transport errors, non-2xx statuses other than 4xx
// and oversized bodies are failures that count against the circuit and lead to
// fallback. A 4xx is returned as a *StatusError, counts as a success for the
// circuit, and does not run fallback. With a nil fallback the failure is
// returned, wrapped (errors.Is(err, ErrOpen) etc. work). A body from the
// downstream is never nil (an empty one is []byte{}).
//
// When the circuit times out, the request still running is cancelled as soon
// as Get returns. With WithMetrics, the call's outcome is counted.
func (c *Client) Get(ctx context.Context, name, url string, fallback Fallback) ([]byte, error) {
	fallback, end := c.metrics.begin(name, fallback)
	body, err := c.do(ctx, name, url, fallback)
	end(err)
	return body, err
}

// do is Get, unmeasured.
func (c *Client) do(ctx context.Context, name, url string, fallback Fallback) ([]byte, error) {
	c.ensureConfigured(name)
	runCtx, cancel := c.runContext(ctx)
	defer cancel()

	var out outcome
	run := func(context.Context) error {
		body, err := c.getWithRetry(runCtx, url)
		var se *StatusError
		if errors.As(err, &se) && se.ClientError() {
			out.set(nil, err)
			return nil // the caller's mistake, not the downstream's failure
		}
		if err != nil {
			return err
		}
		if body == nil {
			body = []byte{} // nil is the fallback's "no body"
		}
		out.set(body, nil)
		return nil
	}

	var fb func(context.Context, error) error
	if fallback != nil {
		fb = func(fctx context.Context, cause error) error {
			if out.decided() {
				// hystrix-go may report a timeout racing a run that just
				// succeeded; Get already has its answer.
				return nil
			}
			cause = ownError(cause)
			body, err := fallback(fctx, cause)
			if err != nil {
				err = fmt.Errorf("circuit %s: fallback after %v: %w", name, cause, err)
				out.set(nil, err)
				return err
			}
			out.set(body, nil)
			return nil
		}
	}

	err := hystrix.DoC(ctx, name, run, fb)
	if body, ok, oerr := out.result(); ok {
		return body, oerr
	}
	if err == nil {
		// Unreachable: hystrix-go reports success only after run or fallback did.
		err = errors.New("no result")
	}
	return nil, fmt.Errorf("circuit %s: %w", name, ownError(err))
}

// runContext is the context of one Get's attempts: cancelled when Get
// returns, and done after the http.Client's Timeout when it had one.
func (c *Client) runContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout > 0 {
		return context.WithTimeout(ctx, c.timeout)
	}
	return context.WithCancel(ctx)
}

// ensureConfigured gives a circuit nobody configured DefaultSettings rather
// than hystrix-go's defaults (10 concurrent requests).
func (c *Client) ensureConfigured(name string) {
	if _, ok := c.seen.Load(name); ok {
		return
	}
	if _, ok := hystrix.GetCircuitSettings()[name]; !ok {
		Configure(name, DefaultSettings())
	}
	c.seen.Store(name, struct{}{})
}

// getWithRetry makes up to c.attempts attempts, c.interval apart, stopping
// early on a 4xx, an oversized body or a cancelled context.
func (c *Client) getWithRetry(ctx context.Context, url string) ([]byte, error) {
	policy := backoff.WithContext(
		backoff.WithMaxRetries(backoff.NewConstantBackOff(c.interval), uint64(c.attempts-1)),
		ctx,
	)
	return backoff.RetryWithData(func() ([]byte, error) {
		body, err := c.get(ctx, url)
		var se *StatusError
		if (errors.As(err, &se) && se.ClientError()) || errors.Is(err, errBodyTooLarge) {
			return nil, backoff.Permanent(err)
		}
		return body, err
	}, policy)
}

func (c *Client) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, backoff.Permanent(fmt.Errorf("building request GET %s: %w", url, err))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading body: %w", url, err)
	}
	if int64(len(body)) > c.maxBody {
		return nil, fmt.Errorf("GET %s: %w (over %d bytes)", url, errBodyTooLarge, c.maxBody)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{URL: url, StatusCode: resp.StatusCode, Body: body[:min(len(body), 512)]}
	}
	return body, nil
}

// outcome is the answer of one Get: the first of run and fallback to set it
// wins. hystrix-go may run the fallback while the run goroutine is still
// going, so both sides go through the mutex.
type outcome struct {
	mu   sync.Mutex
	done bool
	body []byte
	err  error
}

func (o *outcome) set(body []byte, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return
	}
	o.done, o.body, o.err = true, body, err
}

func (o *outcome) decided() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.done
}

func (o *outcome) result() (body []byte, ok bool, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.body, o.done, o.err
}
