package messaging

import "github.com/prometheus/client_golang/prometheus"

// Metrics measures a service's broker traffic and connection:
//
//	goblog_messaging_published_total{queue}  counter: messages sent (Publish, through the default exchange to queue)
//	goblog_messaging_confirmed_total{queue}  counter: acked by the broker (publisher confirms)
//	goblog_messaging_nacked_total{queue}     counter: nacked, or the connection lost before the confirm
//	goblog_messaging_returned_total{queue}   counter: returned unroutable (mandatory: the queue was deleted)
//	goblog_messaging_consumed_total{queue}   counter: deliveries handed to a handler
//	goblog_messaging_rejected_total{queue}   counter: deliveries rejected without requeue (dead-lettered when the queue has a dead-letter exchange)
//	goblog_messaging_connection_up           gauge: 1 connected, 0 not
//	goblog_messaging_reconnects_total        counter: connections made after a lost one
//
// queue is the queue's name; for a Subscribe queue, whose name is random,
// the exchange's followed by ".anonymous" (springCloudBus.anonymous).
type Metrics struct {
	published, confirmed, nacked, returned *prometheus.CounterVec
	consumed, rejected                     *prometheus.CounterVec
	up                                     prometheus.Gauge
	reconnects                             prometheus.Counter
}

// NewMetrics registers the messaging metrics on reg. It panics when reg has
// them already: one Metrics per registry.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "goblog_messaging_" + name, Help: help}, []string{"queue"})
	}
	m := &Metrics{
		published: counter("published_total", "Messages published to a queue (through the default exchange)."),
		confirmed: counter("confirmed_total", "Published messages the broker confirmed (acked)."),
		nacked:    counter("nacked_total", "Published messages the broker nacked, or whose confirm the lost connection took with it."),
		returned:  counter("returned_total", "Published messages the broker returned as unroutable (their queue was deleted)."),
		consumed:  counter("consumed_total", "Deliveries handed to a handler."),
		rejected:  counter("rejected_total", "Deliveries rejected without requeue (dead-lettered when the queue has a dead-letter exchange, else dropped)."),
		up: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "goblog_messaging_connection_up", Help: "Whether the client is connected to the broker (1) or not (0).",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "goblog_messaging_reconnects_total", Help: "Connections to the broker made after a lost one.",
		}),
	}
	reg.MustRegister(m.published, m.confirmed, m.nacked, m.returned, m.consumed, m.rejected, m.up, m.reconnects)
	return m
}

// WithMetrics measures the client's traffic and connection on m.
func WithMetrics(m *Metrics) Option { return func(o *options) { o.metrics = m } }

// The methods below do nothing on a nil *Metrics (a client without WithMetrics).

func (m *Metrics) publish(queue string) {
	if m != nil {
		m.published.WithLabelValues(queue).Inc()
	}
}

func (m *Metrics) confirm(queue string, acked bool) {
	switch {
	case m == nil:
	case acked:
		m.confirmed.WithLabelValues(queue).Inc()
	default:
		m.nacked.WithLabelValues(queue).Inc()
	}
}

func (m *Metrics) returnOf(queue string) {
	if m != nil {
		m.returned.WithLabelValues(queue).Inc()
	}
}

func (m *Metrics) handled(queue string, rejected bool) {
	if m == nil {
		return
	}
	m.consumed.WithLabelValues(queue).Inc()
	if rejected {
		m.rejected.WithLabelValues(queue).Inc()
	}
}

// connection records a connect (up) or a disconnect; reconnect: a connect
// after a lost connection.
func (m *Metrics) connection(up, reconnect bool) {
	if m == nil {
		return
	}
	if up {
		m.up.Set(1)
	} else {
		m.up.Set(0)
	}
	if reconnect {
		m.reconnects.Inc()
	}
}
