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
	transport http.RoundTripper // the http.Client's, called directly
	timeout   time.Duration
	attempts  int
	interval  time.Duration
	maxBody   int64
	seen      sync.Map // circuit names known to be configured
	metrics   *Metrics // nil: calls not measured (WithMetrics)
	accept    []string // the Accept header of every request, made once
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
//
// A request goes to httpClient's Transport (nil: http.DefaultTransport)
// directly, not through http.Client.Do: a downstream's redirect is not
// followed but answered as a StatusError (3xx), and the client's Jar and
// CheckRedirect are not used. Do copied every request's headers for the
// redirects it might follow, 4-5 % of accountservice's CPU under
// `make bench-overhead` for redirects no downstream sends.
func NewClient(httpClient *http.Client, opts ...Option) *Client {
	if httpClient == nil {
		httpClient = &http.Client{}
	}
	transport := httpClient.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	c := &Client{
		transport: transport,
		timeout:   httpClient.Timeout,
		attempts:  DefaultAttempts,
		interval:  DefaultRetryInterval,
		maxBody:   DefaultMaxBodySize,
		accept:    []string{"application/json"},
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

// isClientError reports whether err is a *StatusError with a 4xx status.
// A nil err is answered without errors.As, whose target would be allocated
// on every call.
func isClientError(err error) bool {
	if err == nil {
		return false
	}
	var se *StatusError
	return errors.As(err, &se) && se.ClientError()
}

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
// The command runs on the calling goroutine: at the circuit's Timeout the
// request's context ends, the request stops, and Get returns the fallback's
// answer (ErrTimeout). With WithMetrics, the call's outcome is counted.
func (c *Client) Get(ctx context.Context, name, url string, fallback Fallback) ([]byte, error) {
	if c.metrics == nil {
		return c.do(ctx, name, url, fallback)
	}
	// call stays on this stack (do keeps no function it is given); measured
	// is a variable of its own so that fallback, which call holds, does not
	// flow into what do gets.
	call := c.metrics.begin(name, fallback)
	measured := Fallback(nil)
	if fallback != nil {
		measured = call.fallback
	}
	body, err := c.do(ctx, name, url, measured)
	call.end(err)
	return body, err
}

// do is Get, unmeasured.
func (c *Client) do(ctx context.Context, name, url string, fallback Fallback) ([]byte, error) {
	c.ensureConfigured(name)

	var out outcome
	run := func(runCtx context.Context) error {
		runCtx, cancel := c.runContext(runCtx)
		defer cancel()
		body, err := c.getWithRetry(runCtx, url)
		if isClientError(err) {
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
				// A run that answered just as the circuit's Timeout came
				// is a timeout for the circuit; Get keeps the answer.
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

	err := hystrix.DoInline(ctx, name, run, fb)
	if body, ok, oerr := out.result(); ok {
		return body, oerr
	}
	if err == nil {
		// Unreachable: hystrix-go reports success only after run or fallback did.
		err = errors.New("no result")
	}
	return nil, fmt.Errorf("circuit %s: %w", name, ownError(err))
}

// runContext is the context of one Get's attempts: ctx, the command's
// (done at the circuit's Timeout), and done after the http.Client's Timeout
// when it had one that ends before ctx's deadline.
func (c *Client) runContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout <= 0 {
		return ctx, func() {}
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= c.timeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.timeout)
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
//
// The first attempt is made before the retry policy is built: a healthy
// downstream answers it, and cenkalti/backoff's policy, context wrapper,
// timer and operation closure were 5 allocations a call for nothing. After
// a failed first attempt the policy runs as before, its first operation
// answering with that attempt's result, so which attempts are made, when,
// and what is returned are the policy's, as they were.
func (c *Client) getWithRetry(ctx context.Context, url string) ([]byte, error) {
	body, err := c.attempt(ctx, url)
	if err == nil {
		return body, nil
	}
	policy := backoff.WithContext(
		backoff.WithMaxRetries(backoff.NewConstantBackOff(c.interval), uint64(c.attempts-1)),
		ctx,
	)
	first := true
	return backoff.RetryWithData(func() ([]byte, error) {
		if first {
			first = false
			return body, err
		}
		return c.attempt(ctx, url)
	}, policy)
}

// attempt is one GET of getWithRetry; the errors not worth retrying are
// backoff.Permanent.
func (c *Client) attempt(ctx context.Context, url string) ([]byte, error) {
	body, err := c.get(ctx, url)
	if isClientError(err) || errors.Is(err, errBodyTooLarge) {
		return nil, backoff.Permanent(err)
	}
	return body, err
}

func (c *Client) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, backoff.Permanent(fmt.Errorf("building request GET %s: %w", url, err))
	}
	// The client's one value, under its canonical key: Header.Set would
	// canonicalize the key and allocate the value on every call. Nothing
	// below changes a header's values in place (Set and Add replace or
	// append to the slice), so the requests can share it.
	req.Header["Accept"] = c.accept
	resp, err := c.transport.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()

	body, err := readBody(resp, c.maxBody)
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

// readBody reads resp's body, up to maxBody+1 bytes (more is the caller's
// errBodyTooLarge). A body of announced length within the limit is read into
// a buffer of that length: io.ReadAll starts at 512 bytes, several times a
// downstream answer here. net/http ends a body of announced length with its
// last bytes (io.EOF with them), so the connection goes back to the pool.
func readBody(resp *http.Response, maxBody int64) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 && n <= maxBody {
		body := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			return nil, err
		}
		return body, nil
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
}

// outcome is the answer of one Get: the first of run and fallback to set it
// wins. Both run on Get's goroutine, one after the other (hystrix.DoInline).
type outcome struct {
	done bool
	body []byte
	err  error
}

func (o *outcome) set(body []byte, err error) {
	if o.done {
		return
	}
	o.done, o.body, o.err = true, body, err
}

func (o *outcome) decided() bool { return o.done }

func (o *outcome) result() (body []byte, ok bool, err error) {
	return o.body, o.done, o.err
}
