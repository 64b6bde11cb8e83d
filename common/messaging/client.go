// Package messaging is the services' AMQP 0.9.1 client (RabbitMQ, amqp091-go).
//
// A Client connects in the background and reconnects with exponential backoff
// whenever the connection drops (broker restart, network failure), so a
// service starts and serves while the broker is still missing. Publish sends
// persistent messages to durable queues on a confirm-mode channel and returns
// only once the broker has confirmed them. Consume and Subscribe register
// handlers that are set up again after every reconnect; deliveries are acked
// when the handler returns nil and rejected without requeue otherwise.
package messaging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"

	"github.com/goblog/common/config"
)

// Handler processes one delivery. Returning nil acks it; returning an error
// rejects it without requeue (the broker dead-letters it when the queue has a
// dead-letter exchange, else drops it). A panic is recovered and treated as an
// error. ctx carries the values of the Consume/Subscribe context but is not
// cancelled when that context ends, so a handler is never cut off midway.
type Handler func(ctx context.Context, d amqp.Delivery) error

// ErrNotConnected is returned (wrapped) while the client has no broker connection.
var ErrNotConnected = errors.New("not connected to the message broker")

// ErrClosed is returned (wrapped) after Close.
var ErrClosed = errors.New("messaging client closed")

// Option configures a Client.
type Option func(*options)

type options struct {
	prefetch        int
	publishTimeout  time.Duration
	dialTimeout     time.Duration
	heartbeat       time.Duration
	minBackoff      time.Duration
	maxBackoff      time.Duration
	shutdownTimeout time.Duration
	connectionName  string
	refreshURL      func(ctx context.Context) (string, error)
	metrics         *Metrics // nil: not measured (WithMetrics)
}

func defaultOptions() options {
	return options{
		prefetch:        10,
		publishTimeout:  5 * time.Second,
		dialTimeout:     5 * time.Second,
		heartbeat:       10 * time.Second,
		minBackoff:      500 * time.Millisecond,
		maxBackoff:      30 * time.Second,
		shutdownTimeout: 10 * time.Second,
	}
}

// WithPrefetch sets how many unacked deliveries each consumer may hold (default 10).
func WithPrefetch(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.prefetch = n
		}
	}
}

// WithPublishTimeout bounds Publish when its context has no deadline (default 5 s).
func WithPublishTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.publishTimeout = d
		}
	}
}

// WithReconnectBackoff sets the first and the longest wait between connection
// attempts (default 500 ms, 30 s). Each failed attempt is logged once.
func WithReconnectBackoff(initial, maxWait time.Duration) Option {
	return func(o *options) {
		if initial > 0 {
			o.minBackoff = initial
		}
		if maxWait >= o.minBackoff {
			o.maxBackoff = maxWait
		}
	}
}

// WithDialTimeout bounds the TCP connect and AMQP handshake (default 5 s).
func WithDialTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.dialTimeout = d
		}
	}
}

// WithHeartbeat sets the AMQP heartbeat interval (default 10 s).
func WithHeartbeat(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.heartbeat = d
		}
	}
}

// WithShutdownTimeout bounds how long Close waits for running handlers (default 10 s).
func WithShutdownTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.shutdownTimeout = d
		}
	}
}

// WithConnectionName names the connection in the RabbitMQ management UI.
func WithConnectionName(name string) Option {
	return func(o *options) { o.connectionName = name }
}

// WithCredentialsRefresh gives the client a way to learn new credentials:
// when the broker refuses the ones in its URL (ACCESS_REFUSED: a rotated
// password, a task that read its configuration before the rotation) or its
// vhost (NOT_ALLOWED: a vhost that moved), the client calls refresh, at most
// once per failed attempt, and dials the URL it returns from then on. A
// service passes a function that reloads its configuration and returns
// amqp_server_url. An error or an invalid URL keeps the current one.
func WithCredentialsRefresh(refresh func(ctx context.Context) (string, error)) Option {
	return func(o *options) { o.refreshURL = refresh }
}

// Client is a self-healing AMQP connection. It is safe for concurrent use.
type Client struct {
	log  logrus.FieldLogger
	opts options

	baseCtx    context.Context // cancelled by Close: aborts dials
	cancelBase context.CancelFunc
	closing    chan struct{} // closed by Close
	loopDone   chan struct{} // closed when the connection loop has returned
	subs       sync.WaitGroup

	mu      sync.Mutex
	url     string // may change: WithCredentialsRefresh
	broker  string // url without the password, for logs and errors
	conn    *amqp.Connection
	changed chan struct{} // closed and replaced on every connect and disconnect
	lastErr error
	blocked string // reason while the broker blocks publishers
	closed  bool
	// downSince is when the client lost its connection (its creation while it
	// has never connected); zero while connected.
	downSince time.Time

	pubMu    sync.Mutex // guards the fields below and serializes publish setup
	pubConn  *amqp.Connection
	pubCh    *amqp.Channel
	declared map[string]bool // durable queues declared on pubConn

	closeOnce sync.Once
	closeErr  error
}

// NewClient returns a Client for the broker at url (amqp://user:pass@host:5672/vhost)
// and starts connecting in the background; it never blocks and never fails:
// Healthy reports the state. A nil log discards the client's logs.
func NewClient(url string, log logrus.FieldLogger, opts ...Option) *Client {
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = l
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{
		url:        url,
		broker:     config.RedactURL(url),
		opts:       o,
		baseCtx:    ctx,
		cancelBase: cancel,
		closing:    make(chan struct{}),
		loopDone:   make(chan struct{}),
		changed:    make(chan struct{}),
		lastErr:    errors.New("connecting"),
		downSince:  time.Now(),
	}
	c.log = log
	go c.run()
	return c
}

// run keeps one connection open until Close, redialing with backoff.
func (c *Client) run() {
	defer close(c.loopDone)
	url, broker := c.target()
	if _, err := amqp.ParseURI(url); err != nil {
		err = fmt.Errorf("invalid AMQP URL %s: %w", broker, err)
		c.log.WithField("broker", broker).WithError(err).Error("messaging disabled: fix the broker URL")
		c.setDisconnected(err)
		return
	}
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(c.opts.minBackoff),
		backoff.WithMaxInterval(c.opts.maxBackoff),
		backoff.WithMaxElapsedTime(0),
	)
	failures := 0
	everConnected := false
	for {
		conn, err := c.dial()
		if err != nil {
			if c.isClosing() {
				return
			}
			failures++
			wait := b.NextBackOff()
			c.setDisconnected(err)
			c.brokerLog().WithError(err).WithFields(logrus.Fields{"attempt": failures, "retryIn": wait.Round(time.Millisecond).String()}).
				Warn("message broker not reachable, retrying")
			if refusedCredentials(err) {
				c.refreshCredentials()
			}
			if !sleep(c.baseCtx, wait) {
				return
			}
			continue
		}
		closed := conn.NotifyClose(make(chan *amqp.Error, 1))
		blocked := conn.NotifyBlocked(make(chan amqp.Blocking, 1))
		if !c.setConnected(conn) { // Close won the race
			_ = conn.Close()
			return
		}
		c.opts.metrics.connection(true, everConnected)
		everConnected = true
		c.brokerLog().WithField("attempts", failures+1).Info("connected to the message broker")
		failures = 0
		b.Reset()
		if !c.watch(closed, blocked) {
			return
		}
	}
}

// watch follows one connection until it closes (true) or the client is closed (false).
func (c *Client) watch(closed <-chan *amqp.Error, blocked <-chan amqp.Blocking) bool {
	for {
		select {
		case <-c.closing:
			return false
		case bl, ok := <-blocked:
			if !ok {
				blocked = nil // closed with the connection; wait for closed
				continue
			}
			c.setBlocked(bl)
		case aerr := <-closed:
			var err error = amqp.ErrClosed
			if aerr != nil {
				err = aerr
			}
			c.setDisconnected(err)
			if c.isClosing() {
				return false
			}
			c.brokerLog().WithError(err).Warn("connection to the message broker lost, reconnecting")
			return true
		}
	}
}

// brokerLog is the client's logger with the broker it dials now (redacted):
// the URL can change (WithCredentialsRefresh), so the field is not fixed.
func (c *Client) brokerLog() *logrus.Entry {
	_, broker := c.target()
	return c.log.WithField("broker", broker)
}

// target returns the URL to dial and its redacted form.
func (c *Client) target() (url, broker string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.url, c.broker
}

// refusedCredentials reports whether the broker refused the credentials (403
// ACCESS_REFUSED) or the vhost (530 NOT_ALLOWED at connection.open: a vhost
// that does not exist or that the user may not use). Either means the URL is
// out of date, not that the broker is down.
func refusedCredentials(err error) bool {
	var aerr *amqp.Error
	return errors.As(err, &aerr) && (aerr.Code == amqp.AccessRefused || aerr.Code == amqp.NotAllowed)
}

// refreshCredentials asks the WithCredentialsRefresh function for the URL to
// use and switches to it when it is a valid one.
func (c *Client) refreshCredentials() {
	if c.opts.refreshURL == nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.baseCtx, 30*time.Second)
	defer cancel()
	next, err := c.opts.refreshURL(ctx)
	if err != nil {
		c.brokerLog().WithError(err).Warn("the broker refused our credentials or vhost, and refreshing them failed")
		return
	}
	if _, err := amqp.ParseURI(next); err != nil {
		c.brokerLog().WithField("url", config.RedactURL(next)).WithError(err).Warn("the broker refused our credentials or vhost; the refreshed AMQP URL is invalid, keeping the current one")
		return
	}
	c.mu.Lock()
	changed, previous := next != c.url, c.broker
	c.url, c.broker = next, config.RedactURL(next)
	c.mu.Unlock()
	if changed {
		c.log.WithFields(logrus.Fields{"broker": previous, "url": config.RedactURL(next)}).Info("the broker refused our credentials or vhost: using the refreshed AMQP URL")
	} else {
		c.brokerLog().Warn("the broker refused our credentials or vhost; the refreshed configuration has the same AMQP URL")
	}
}

func (c *Client) dial() (*amqp.Connection, error) {
	url, _ := c.target()
	props := amqp.NewConnectionProperties()
	if c.opts.connectionName != "" {
		props.SetClientConnectionName(c.opts.connectionName)
	}
	timeout := c.opts.dialTimeout
	return amqp.DialConfig(url, amqp.Config{
		Heartbeat:  c.opts.heartbeat,
		Locale:     "en_US",
		Properties: props,
		Dial: func(network, addr string) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(c.baseCtx, timeout)
			defer cancel()
			var d net.Dialer
			conn, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			// Bound the AMQP handshake too; amqp091 clears the deadline after it.
			if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
				_ = conn.Close()
				return nil, err
			}
			return conn, nil
		},
	})
}

func (c *Client) setConnected(conn *amqp.Connection) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.conn, c.lastErr, c.blocked, c.downSince = conn, nil, "", time.Time{}
	close(c.changed)
	c.changed = make(chan struct{})
	return true
}

func (c *Client) setDisconnected(err error) {
	c.opts.metrics.connection(false, false)
	c.mu.Lock()
	defer c.mu.Unlock()
	wasConnected := c.conn != nil
	c.conn, c.lastErr, c.blocked = nil, err, ""
	if wasConnected {
		if c.downSince.IsZero() {
			c.downSince = time.Now()
		}
		close(c.changed)
		c.changed = make(chan struct{})
	}
}

func (c *Client) setBlocked(b amqp.Blocking) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b.Active {
		c.blocked = b.Reason
		if c.blocked == "" {
			c.blocked = "resource alarm"
		}
		c.log.WithField("reason", c.blocked).Warn("message broker blocks publishing")
	} else {
		c.blocked = ""
		c.log.Info("message broker unblocked publishing")
	}
}

func (c *Client) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// liveConn returns the open connection, or nil and the reason there is none.
func (c *Client) liveConn() (*amqp.Connection, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return nil, ErrClosed
	case c.conn == nil || c.conn.IsClosed():
		return nil, c.notConnected()
	case c.blocked != "":
		return c.conn, fmt.Errorf("broker %s blocks publishers (%s)", c.broker, c.blocked)
	}
	return c.conn, nil
}

// notConnected builds the ErrNotConnected error; c.mu must be held.
func (c *Client) notConnected() error {
	if c.lastErr != nil {
		return fmt.Errorf("%w at %s (last error: %v)", ErrNotConnected, c.broker, c.lastErr)
	}
	return fmt.Errorf("%w at %s", ErrNotConnected, c.broker)
}

// waitConn blocks until the client is connected, returning nil when ctx ends
// or the client is closed.
func (c *Client) waitConn(ctx context.Context) *amqp.Connection {
	for {
		c.mu.Lock()
		conn, changed, closed := c.conn, c.changed, c.closed
		c.mu.Unlock()
		if closed {
			return nil
		}
		if conn != nil && !conn.IsClosed() {
			return conn
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil
		case <-c.closing:
			return nil
		}
	}
}

// Healthy returns nil while the client is connected, else why it is not.
func (c *Client) Healthy() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if c.conn == nil || c.conn.IsClosed() {
		return c.notConnected()
	}
	return nil
}

// Status is Healthy for people: "UP", or "DOWN: <why>" (for /info pages and
// the like).
func (c *Client) Status() string {
	if err := c.Healthy(); err != nil {
		return "DOWN: " + err.Error()
	}
	return "UP"
}

// DownFor returns how long the client has been without a connection: zero
// while connected, else the time since the connection was lost (since the
// client was created when it has never connected). A health check can use it
// to tolerate a broker restart and report only a lasting outage.
func (c *Client) DownFor() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil && !c.conn.IsClosed() {
		return 0
	}
	if c.downSince.IsZero() { // the connection closed, run has not noticed yet
		c.downSince = time.Now()
	}
	return time.Since(c.downSince)
}

// Publish sends body as a persistent message to the durable queue (declared
// on first use per connection) through the default exchange, and waits until
// the broker confirms it. It returns nil only for a confirmed message; a nack,
// a connection lost before the confirm, ctx ending or the publish timeout
// (when ctx has no deadline) return an error, and the caller may publish
// again (consumers must tolerate duplicates). While disconnected it fails at
// once with ErrNotConnected.
func (c *Client) Publish(ctx context.Context, queue string, body []byte, headers amqp.Table) error {
	if queue == "" {
		return errors.New("publishing: queue name is empty")
	}
	if err := headers.Validate(); err != nil {
		return fmt.Errorf("publishing to %s: invalid headers: %w", queue, err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.publishTimeout)
		defer cancel()
	}
	ch, err := c.publishChannel(queue)
	if err != nil {
		return fmt.Errorf("publishing to %s: %w", queue, err)
	}
	// mandatory: a message the default exchange cannot route (its queue was
	// deleted after we declared it) comes back, counted, instead of vanishing.
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false, amqp.Publishing{
		Headers:      headers,
		DeliveryMode: amqp.Persistent,
		Timestamp:    time.Now().UTC(),
		Body:         body,
	})
	if err != nil {
		return fmt.Errorf("publishing to %s: %w", queue, err)
	}
	if dc == nil { // cannot happen: the channel is in confirm mode
		return fmt.Errorf("publishing to %s: channel not in confirm mode", queue)
	}
	c.opts.metrics.publish(queue)
	select {
	case <-dc.Done():
		acked := dc.Acked()
		c.opts.metrics.confirm(queue, acked)
		if !acked {
			return fmt.Errorf("publishing to %s: broker did not confirm the message (nack or connection lost)", queue)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("publishing to %s: waiting for the broker's confirm: %w", queue, ctx.Err())
	}
}

// publishChannel returns the confirm-mode channel of the current connection,
// with queue declared on it.
func (c *Client) publishChannel(queue string) (*amqp.Channel, error) {
	c.pubMu.Lock()
	defer c.pubMu.Unlock()
	conn, err := c.liveConn()
	if err != nil {
		return nil, err
	}
	if c.pubConn != conn || c.pubCh == nil || c.pubCh.IsClosed() {
		ch, err := conn.Channel()
		if err != nil {
			return nil, fmt.Errorf("opening a channel: %w", err)
		}
		if err := ch.Confirm(false); err != nil {
			_ = ch.Close()
			return nil, fmt.Errorf("enabling publisher confirms: %w", err)
		}
		if c.pubConn != conn {
			c.declared = make(map[string]bool)
		}
		c.pubConn, c.pubCh = conn, ch
		go c.watchReturns(ch, ch.NotifyReturn(make(chan amqp.Return, 16)))
	}
	if !c.declared[queue] {
		// A channel of its own: a refused declaration (PRECONDITION_FAILED)
		// closes it without failing messages in flight on the publish channel.
		ch, err := conn.Channel()
		if err != nil {
			return nil, fmt.Errorf("opening a channel: %w", err)
		}
		_, err = declareQueue(ch, queue)
		_ = ch.Close()
		if err != nil {
			return nil, err
		}
		c.declared[queue] = true
	}
	return c.pubCh, nil
}

// watchReturns counts and logs the messages the broker returns on the
// publish channel ch as unroutable, until ch closes, and forgets that their
// queue was declared, so the next Publish declares it again.
func (c *Client) watchReturns(ch *amqp.Channel, returns <-chan amqp.Return) {
	for r := range returns {
		c.opts.metrics.returnOf(r.RoutingKey)
		c.log.WithFields(logrus.Fields{"queue": r.RoutingKey, "reply": r.ReplyText}).
			Warn("the broker returned a message as unroutable: its queue is gone; declaring it again for the next message")
		c.pubMu.Lock()
		if c.pubCh == ch {
			delete(c.declared, r.RoutingKey)
		}
		c.pubMu.Unlock()
	}
}

// declareQueue declares the durable, non-exclusive queue both Publish and
// Consume use; the arguments must match on both sides.
func declareQueue(ch *amqp.Channel, queue string) (amqp.Queue, error) {
	q, err := ch.QueueDeclare(queue, true, false, false, false, nil)
	if err != nil {
		return q, fmt.Errorf("declaring durable queue %s: %w", queue, err)
	}
	return q, nil
}

// Close stops reconnecting, stops the consumers after their running handler
// returns (bounded by the shutdown timeout; unacked messages go back to their
// queue), and closes the connection. It is idempotent.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.closed = true
		c.mu.Unlock()
		close(c.closing)
		c.cancelBase()
		<-c.loopDone

		done := make(chan struct{})
		go func() {
			c.subs.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(c.opts.shutdownTimeout):
			c.log.Warn("handlers still running at shutdown; closing the connection anyway (their messages will be redelivered)")
		}

		c.opts.metrics.connection(false, false)
		c.mu.Lock()
		conn := c.conn
		c.conn, c.lastErr = nil, ErrClosed
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
		if conn != nil && !conn.IsClosed() {
			if err := conn.CloseDeadline(time.Now().Add(c.opts.dialTimeout)); err != nil && !errors.Is(err, amqp.ErrClosed) {
				c.closeErr = fmt.Errorf("closing connection to %s: %w", c.broker, err)
			}
		}
		c.log.Info("message broker connection closed")
	})
	return c.closeErr
}

// sleep waits d or until ctx ends; it reports whether the full wait elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
