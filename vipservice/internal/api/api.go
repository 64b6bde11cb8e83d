// Package api is the HTTP transport of vipservice: the VIP counts and the
// health of the broker connection.
package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/goblog/common/bearer"
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
	// DownFor returns how long the connection has been down (0 while up).
	DownFor() time.Duration
	// Status is "UP", or "DOWN: <why>".
	Status() string
}

// statsBody is what GET /vip/stats answers: the counts and the broker state.
type statsBody struct {
	vip.StatsSnapshot
	// Broker is "UP", or "DOWN: <why>" while the client reconnects.
	Broker string `json:"broker"`
}

// AuthRules are the scopes vipservice's routes need (issue 11): its counts
// of VIP account reads are account data, so account:read. /health,
// /health/live and /metrics are open (bearer.IsOpen).
func AuthRules() bearer.Rules {
	return bearer.Rules{"GET /vip/stats": bearer.ScopeRead}
}

// NewRouter serves GET /health, GET /health/live, GET /metrics (metrics:
// the service's Prometheus metrics, untraced like the health checks) and, traced, GET
// /vip/stats → {"received":N,"rejected":M,"duplicates":D,"broker":"UP"}. Methods follow
// RFC 9110 (server.ApplyMethodRules: HEAD wherever GET, OPTIONS, 405 with Allow).
//
// /health is readiness: DOWN (503) while the broker connection is down.
// /health/live is liveness, the container's health check: DOWN only once the
// connection has been down for outageGrace. The client reconnects by itself
// and consumption resumes, so a broker restart (a rolling update of RabbitMQ,
// say) is no reason for Swarm to kill a vipservice task, or to roll back an
// update of vipservice that happens to overlap one of RabbitMQ; a lasting
// outage still gets the task replaced.
//
// guard, when given, is the token check of /vip/stats (bearer.Guard.Middleware,
// innermost; AuthRules).
func NewRouter(tracer *tracing.Tracer, stats *vip.Stats, broker Broker, outageGrace time.Duration, metrics http.Handler, log logrus.FieldLogger, guard ...mux.MiddlewareFunc) *mux.Router {
	ready := server.NewHealth()
	ready.Register("rabbitmq", func(context.Context) error { return broker.Healthy() })
	live := server.NewHealth()
	live.Register("rabbitmq", func(context.Context) error {
		err := broker.Healthy()
		if err == nil {
			return nil
		}
		down := broker.DownFor()
		if down < outageGrace {
			return nil
		}
		return fmt.Errorf("%w (down for %s)", err, down.Round(time.Second))
	})

	router := mux.NewRouter()
	router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteError(w, http.StatusNotFound, "no such resource: "+r.URL.Path)
	})
	router.Handle("/health", ready.Handler()).Methods(http.MethodGet)
	router.Handle("/health/live", live.Handler()).Methods(http.MethodGet)
	router.Handle("/metrics", metrics).Methods(http.MethodGet)

	traced := router.NewRoute().Subrouter()
	traced.Use(tracer.Middleware(), server.LogRequests(log), server.Recover(log))
	traced.Use(guard...)
	traced.HandleFunc("/vip/stats", func(w http.ResponseWriter, _ *http.Request) {
		server.WriteJSON(w, http.StatusOK, statsBody{StatsSnapshot: stats.Snapshot(), Broker: broker.Status()})
	}).Methods(http.MethodGet)
	server.ApplyMethodRules(router)
	return router
}
