package tracing

import (
	"context"
	"strings"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/propagation/b3"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/sirupsen/logrus"
)

// BrokerServiceName is the remote service of every producer and consumer
// span: the broker between the two, so Zipkin's dependency graph draws
// accountservice → rabbitmq → vipservice (Zipkin links a PRODUCER span's
// service to its remote endpoint, and a CONSUMER span's remote endpoint to
// its service).
const BrokerServiceName = "rabbitmq"

// brokerEndpoint is the remote endpoint of the messaging spans.
func brokerEndpoint() *model.Endpoint { return &model.Endpoint{ServiceName: BrokerServiceName} }

// InjectAMQP writes the trace context of the span in ctx into headers as B3
// string values, both the X-B3-* set and the single b3 header, so Brave
// (Spring) and zipkin-go consumers both read it. headers must not be nil;
// nothing is written when ctx holds no span.
func (t *Tracer) InjectAMQP(ctx context.Context, headers amqp.Table) {
	sp := zipkin.SpanFromContext(ctx)
	if sp == nil || headers == nil {
		return
	}
	m := b3.Map{}
	if err := m.Inject(b3.WithSingleAndMultiHeader())(sp.Context()); err != nil {
		return
	}
	for k, v := range m {
		headers[k] = v
	}
}

// ExtractAMQP reads a B3 trace context from AMQP headers, matching header
// names case-insensitively and accepting string or []byte values. It returns
// an empty SpanContext when there is none, or it is malformed; use it as
// zipkin.Parent of the consumer span.
func (t *Tracer) ExtractAMQP(headers amqp.Table) model.SpanContext {
	m := b3Headers(headers)
	if len(m) == 0 {
		return model.SpanContext{}
	}
	sc := t.Extract(m.Extract)
	if sc.Err != nil {
		return model.SpanContext{}
	}
	return sc
}

// MessageLogFields are the log fields of a message's trace, for what the
// messaging layer logs about a delivery outside the consumer's span:
// traceId, and spanId of the span that sent it (the consumer span's
// parent), read from its B3 headers as ExtractAMQP reads them; nil when it
// carries none.
func MessageLogFields(headers amqp.Table) logrus.Fields {
	m := b3Headers(headers)
	if len(m) == 0 {
		return nil
	}
	sc, err := m.Extract()
	if err != nil || sc == nil || sc.TraceID.Empty() {
		return nil
	}
	return logrus.Fields{"traceId": sc.TraceID.String(), "spanId": sc.ID.String()}
}

// b3Headers are the B3 headers among headers, names lower-cased, string or
// []byte values as strings.
func b3Headers(headers amqp.Table) b3.Map {
	m := b3.Map{}
	for k, v := range headers {
		key := strings.ToLower(k)
		if !isB3Key(key) {
			continue
		}
		switch s := v.(type) {
		case string:
			m[key] = s
		case []byte:
			m[key] = string(s)
		}
	}
	return m
}

// StartConsumerSpan starts a consumer span named name, remote service
// BrokerServiceName, that continues the trace carried by headers (a new
// trace when there is none) and returns it with a context holding it.
// Finish the span when the message is handled.
func (t *Tracer) StartConsumerSpan(ctx context.Context, name string, headers amqp.Table) (zipkin.Span, context.Context) {
	sp := t.StartSpan(name, zipkin.Kind(model.Consumer), zipkin.Parent(t.ExtractAMQP(headers)),
		zipkin.RemoteEndpoint(brokerEndpoint()))
	return sp, zipkin.NewContext(ctx, sp)
}

// StartProducerSpan starts a producer span named name, remote service
// BrokerServiceName, child of the span in ctx, and returns it with a context
// holding it: pass that context to InjectAMQP so the consumer continues from
// the producer span.
func (t *Tracer) StartProducerSpan(ctx context.Context, name string) (zipkin.Span, context.Context) {
	return t.StartSpanFromContext(ctx, name, zipkin.Kind(model.Producer), zipkin.RemoteEndpoint(brokerEndpoint()))
}

// isB3Key reports whether k (lower case) is a B3 header name.
func isB3Key(k string) bool {
	switch k {
	case b3.TraceID, b3.SpanID, b3.ParentSpanID, b3.Sampled, b3.Flags, b3.Context:
		return true
	}
	return false
}

// TraceParent is the trace context of the span in ctx as a B3 single header
// ("{traceId}-{spanId}-{sampled}", b3.BuildSingleHeader), or "" when ctx
// holds no span. It is what work done later, outside the request, keeps with
// it (the VIP outbox row) to join the request's trace: see
// StartProducerSpanAfter.
func TraceParent(ctx context.Context) string {
	sp := zipkin.SpanFromContext(ctx)
	if sp == nil {
		return ""
	}
	return b3.BuildSingleHeader(sp.Context())
}

// StartProducerSpanAfter starts a producer span named name as a child of
// parent, a TraceParent value, and returns it with a context holding it (for
// InjectAMQP). An empty or malformed parent makes it a child of the span in
// ctx, as StartProducerSpan, or the root of a new trace.
func (t *Tracer) StartProducerSpanAfter(ctx context.Context, name, parent string) (zipkin.Span, context.Context) {
	if parent == "" {
		return t.StartProducerSpan(ctx, name)
	}
	sc, err := b3.ParseSingleHeader(parent)
	if err != nil || sc == nil {
		return t.StartProducerSpan(ctx, name)
	}
	sp := t.StartSpan(name, zipkin.Kind(model.Producer), zipkin.Parent(*sc), zipkin.RemoteEndpoint(brokerEndpoint()))
	return sp, zipkin.NewContext(ctx, sp)
}
