// Package tracing holds the Zipkin tracer of a goblog service: spans are
// reported as Zipkin v2 protobuf (proto3) to {zipkin_server_url}/api/v2/spans and the
// trace context travels between services as B3 headers, over HTTP and in AMQP
// message headers.
//
// Reporting never slows a request: finished spans go into a bounded queue and
// are sent in batches by a background goroutine; when Zipkin is slow or down
// the queue fills up and further spans are dropped.
package tracing

import (
	"context"
	"fmt"
	"log"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/reporter"
	"github.com/sirupsen/logrus"
)

// SpansPath is the Zipkin v2 collector path appended to the server URL.
const SpansPath = "/api/v2/spans"

// Defaults of the HTTP reporter.
const (
	// DefaultQueueSize bounds the finished spans waiting for the forwarding
	// goroutine. The queue is a channel of span values, so every slot a load
	// ever reached stays resident afterwards (about 200 bytes a span: 2 MB
	// for 10000, the default before issue 13, held after every load); it only
	// has to absorb a burst while the forwarder hands spans to zipkin-go,
	// which itself keeps at most DefaultBacklog.
	DefaultQueueSize = 1000
	// DefaultBacklog is how many spans zipkin-go's HTTP reporter keeps for the
	// next attempt while Zipkin does not answer (older ones are dropped). It
	// serializes its whole backlog again on every attempt, once a batch
	// interval, so the backlog stays small: with 10000 an idle accountservice
	// spent 5 % CPU and held 20-25 MB of live heap re-encoding spans for a
	// stopped Zipkin.
	DefaultBacklog       = 1000
	DefaultBatchInterval = time.Second
	DefaultSendTimeout   = 5 * time.Second
	DefaultCloseTimeout  = 5 * time.Second
)

// Tracer is a zipkin-go tracer with the reporter it owns. Close it at
// shutdown to flush the spans still queued.
type Tracer struct {
	*zipkin.Tracer
	reporter reporter.Reporter
}

// Option changes how New builds a Tracer.
type Option func(*options)

type options struct {
	log           logrus.FieldLogger
	reporter      reporter.Reporter
	sampler       zipkin.Sampler
	queueSize     int
	batchInterval time.Duration
	sendTimeout   time.Duration
	closeTimeout  time.Duration
}

// WithLogger sets where reporting failures (Zipkin unreachable, spans dropped)
// are logged. Default: logrus' standard logger.
func WithLogger(l logrus.FieldLogger) Option { return func(o *options) { o.log = l } }

// WithReporter replaces the HTTP reporter, whatever the URL (tests use
// zipkin-go's reporter/recorder). The Tracer closes it on Close.
func WithReporter(r reporter.Reporter) Option { return func(o *options) { o.reporter = r } }

// WithSampler sets the sampling decision for new traces. Default: sample all.
// Traces continued from an upstream B3 context keep the upstream decision.
func WithSampler(s zipkin.Sampler) Option { return func(o *options) { o.sampler = s } }

// WithQueueSize bounds the number of finished spans waiting to be reported.
func WithQueueSize(n int) Option { return func(o *options) { o.queueSize = n } }

// WithBatchInterval sets how often queued spans are sent to Zipkin.
func WithBatchInterval(d time.Duration) Option { return func(o *options) { o.batchInterval = d } }

// WithSendTimeout bounds one POST of a batch of spans to Zipkin.
func WithSendTimeout(d time.Duration) Option { return func(o *options) { o.sendTimeout = d } }

// WithCloseTimeout bounds how long Close waits for the last spans to be sent.
func WithCloseTimeout(d time.Duration) Option { return func(o *options) { o.closeTimeout = d } }

// New returns a tracer for serviceName whose local endpoint is hostPort
// ("10.0.0.5:6767", ":6767" or "host:port"). Spans are reported to
// zipkinURL+"/api/v2/spans"; an empty zipkinURL gives a tracer that still
// creates and propagates trace ids (so a trace passing through this service
// stays whole) but reports nothing.
func New(serviceName, hostPort, zipkinURL string, opts ...Option) (*Tracer, error) {
	o := options{
		queueSize:     DefaultQueueSize,
		batchInterval: DefaultBatchInterval,
		sendTimeout:   DefaultSendTimeout,
		closeTimeout:  DefaultCloseTimeout,
		sampler:       zipkin.AlwaysSample,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = logrus.StandardLogger()
	}

	endpoint, err := localEndpoint(serviceName, hostPort)
	if err != nil {
		return nil, fmt.Errorf("tracing: local endpoint %q: %w", hostPort, err)
	}

	rep := o.reporter
	switch {
	case rep != nil:
	case strings.TrimSpace(zipkinURL) == "":
		rep = reporter.NewNoopReporter()
	default:
		rep = newHTTPReporter(spansURL(zipkinURL), o)
	}

	t, err := zipkin.NewTracer(rep,
		zipkin.WithLocalEndpoint(endpoint),
		zipkin.WithSampler(o.sampler),
		zipkin.WithTraceID128Bit(false),
	)
	if err != nil {
		_ = rep.Close()
		return nil, fmt.Errorf("tracing: creating tracer: %w", err)
	}
	return &Tracer{Tracer: t, reporter: rep}, nil
}

// Close flushes the spans still queued and stops the reporter. It returns
// within the close timeout even when Zipkin does not answer; spans finished
// after Close are dropped.
func (t *Tracer) Close() error {
	if err := t.reporter.Close(); err != nil {
		return fmt.Errorf("tracing: closing reporter: %w", err)
	}
	return nil
}

// LogFields returns the fields traceId and spanId of the span in ctx, or nil
// when ctx holds no span.
func LogFields(ctx context.Context) logrus.Fields {
	sp := zipkin.SpanFromContext(ctx)
	if sp == nil {
		return nil
	}
	sc := sp.Context()
	if sc.TraceID.Empty() {
		return nil
	}
	return logrus.Fields{"traceId": sc.TraceID.String(), "spanId": sc.ID.String()}
}

// spansURL appends the collector path unless the URL already ends with it.
func spansURL(zipkinURL string) string {
	u := strings.TrimRight(strings.TrimSpace(zipkinURL), "/")
	if strings.HasSuffix(u, SpansPath) {
		return u
	}
	return u + SpansPath
}

// localEndpoint builds the endpoint of this service. An IP literal is used as
// is; a host name is resolved when possible, and a failed lookup keeps the
// service name and port rather than failing the service start.
func localEndpoint(serviceName, hostPort string) (*model.Endpoint, error) {
	ep := &model.Endpoint{ServiceName: serviceName}
	if hostPort == "" {
		return ep, nil
	}
	host, port := hostPort, ""
	if strings.Contains(hostPort, ":") {
		h, p, err := net.SplitHostPort(hostPort)
		if err != nil {
			return nil, err
		}
		host, port = h, p
	}
	if port != "" {
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("port %q: %w", port, err)
		}
		ep.Port = uint16(p)
	}
	if host == "" {
		return ep, nil
	}
	if ip := net.ParseIP(host); ip != nil {
		setIP(ep, ip)
		return ep, nil
	}
	if resolved, err := zipkin.NewEndpoint(serviceName, hostPort); err == nil && resolved != nil {
		return resolved, nil
	}
	return ep, nil
}

func setIP(ep *model.Endpoint, ip net.IP) {
	if v4 := ip.To4(); v4 != nil {
		ep.IPv4 = v4
		return
	}
	ep.IPv6 = ip.To16()
}

// remoteEndpoint parses a "ip:port" remote address, nil when it is not one.
func remoteEndpoint(addr string) *model.Endpoint {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return nil
	}
	ep := &model.Endpoint{}
	setIP(ep, ip)
	if p, err := strconv.ParseUint(port, 10, 16); err == nil {
		ep.Port = uint16(p)
	}
	return ep
}

// stdLogger adapts a logrus logger to the *log.Logger zipkin-go reports with.
func stdLogger(l logrus.FieldLogger) *log.Logger {
	return log.New(logWriter{l.WithField("component", "zipkin-reporter")}, "", 0)
}

type logWriter struct{ log logrus.FieldLogger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Warn(strings.TrimSpace(string(p)))
	return len(p), nil
}
