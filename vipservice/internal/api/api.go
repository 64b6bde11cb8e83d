// Package api is the HTTP transport of vipservice: the VIP counts and the
// health of the broker connection.
package api

import (
	"context"
	"net/http"

	"github.com/goblog/common/server"
	"github.com/goblog/common/tracing"
	"github.com/goblog/vipservice/internal/vip"
	"github.com/gorilla/mux"
	"github.com/sirupsen/logrus"
)

// Broker is the part of the messaging client /health looks at.
type Broker interface {
	// Healthy returns nil while the broker connection is up.
	Healthy() error
}

// NewRouter serves GET /health, DOWN (503) while broker is unhealthy, and,
// traced, GET /vip/stats → {"received":N,"rejected":M}.
func NewRouter(tracer *tracing.Tracer, stats *vip.Stats, broker Broker, log logrus.FieldLogger) *mux.Router {
	health := server.NewHealth()
	health.Register("rabbitmq", func(context.Context) error { return broker.Healthy() })

	router := mux.NewRouter()
	router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteError(w, http.StatusNotFound, "no such resource: "+r.URL.Path)
	})
	router.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on "+r.URL.Path)
	})
	router.Handle("/health", health.Handler()).Methods(http.MethodGet)

	traced := router.NewRoute().Subrouter()
	traced.Use(tracer.Middleware(), server.LogRequests(log), server.Recover(log))
	traced.HandleFunc("/vip/stats", func(w http.ResponseWriter, _ *http.Request) {
		server.WriteJSON(w, http.StatusOK, stats.Snapshot())
	}).Methods(http.MethodGet)
	return router
}
