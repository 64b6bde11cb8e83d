package tracing

import "github.com/sirupsen/logrus"

// FlushSpans returns the closer of tracer for server.Runner: it sends the last
// spans. Spans that cannot reach Zipkin are lost either way; that is worth a
// warning, not a failed shutdown, so the closer always returns nil.
func FlushSpans(log logrus.FieldLogger, tracer *Tracer) func() error {
	return func() error {
		if err := tracer.Close(); err != nil {
			log.WithError(err).Warn("closing the tracer: last spans not reported")
		}
		return nil
	}
}
