// Package metrics exposes a goblog service's Prometheus metrics: one
// registry per service, passed to whatever measures something (the HTTP
// server here, the circuits, the broker client, the store), and served at
// GET /metrics on the service's own port.
//
// Names follow Prometheus' conventions (https://prometheus.io/docs/practices/naming/):
// a goblog_ prefix, base units (seconds), _total for counters. Label values
// are bounded: route templates, never raw paths or ids. The names are
// listed in docs/common-api.md.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sirupsen/logrus"
)

// Path is where a service serves its metrics.
const Path = "/metrics"

// NewRegistry returns a service's registry, holding the Go runtime
// (go_*) and process (process_*) collectors. It is not the default
// registerer of client_golang: nothing is registered behind the service's
// back.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// Handler serves what g gathers in the Prometheus text exposition format
// (or OpenMetrics when the scraper asks for it). A collector that fails is
// logged and left out; the rest is still served.
//
// The body is never compressed, whatever Accept-Encoding asks (RFC 9110,
// section 12.5.3: identity is always acceptable unless refused with q=0,
// which Prometheus does not do). Why: promhttp keeps its gzip writers in a
// sync.Pool, which every collection empties, and an idle service collects
// about once every other scrape, so most scrapes built a new gzip writer,
// 820 KB (compress/flate's hash tables and window), for 20-30 KB of text. On
// Swarm, Prometheus asking for gzip every 10 s, that was over half of what an
// idle accountservice allocated (issue 13, item 3: 2.3 of 4.0 MB in a 70 s
// allocation profile), and it refilled the heap a load had left. The scrape stays on the stack's overlay network: the bytes saved by
// compressing do not matter there.
func Handler(g prometheus.Gatherer, log logrus.FieldLogger) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:           log,
		ErrorHandling:      promhttp.ContinueOnError,
		EnableOpenMetrics:  true,
		DisableCompression: true,
	})
}
