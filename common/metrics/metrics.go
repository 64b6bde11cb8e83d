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
func Handler(g prometheus.Gatherer, log logrus.FieldLogger) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:          log,
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true,
	})
}
