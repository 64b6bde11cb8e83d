// Package app builds accountservice from its settings and its dependencies.
// New is the one constructor main and the handler tests share, so that the
// tests serve what the service serves: GET /accounts/{id} is measured
// (metrics.HTTP, served at GET /metrics), goes through the middleware
// (tracing, request log, panic recovery, token check) to api, to
// account.Service.Get, which reads the store and asks quotes-service and
// imageservice through the circuit breaker.
package app

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/panjf2000/ants/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/api"
	"github.com/goblog/accountservice/internal/downstream"
	"github.com/goblog/accountservice/internal/images"
	"github.com/goblog/accountservice/internal/quotes"
	"github.com/goblog/common/circuit"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/metrics"
	"github.com/goblog/common/server"
	"github.com/goblog/common/tracing"
)

// Config is what the application takes from the service's settings.
type Config struct {
	// QuotesURL and ImagesURL return the downstream URLs in effect. They are
	// called on every request, so a configuration refresh applies at once.
	QuotesURL, ImagesURL func() string
	// Testability enables GET /testability/healthy/{state} and its health
	// check, for the system tests.
	Testability bool
	// Info returns the body of GET /info.
	Info func(ctx context.Context) any
	// AccessLog reports whether every request gets a line at info
	// (access_log, server.LogRequests), read on every request; nil: off.
	AccessLog func() bool
}

// Dependencies are what the application uses but does not own: main opens
// and closes them, the handler tests fake them.
type Dependencies struct {
	Store    account.Store
	Notifier account.Notifier
	Tracer   *tracing.Tracer
	// Health answers GET /health; New registers the testability check on it.
	Health *server.Health
	// Transport carries the downstream calls under tracing and the circuit
	// breaker: main's is DNS round robin; nil is http.DefaultTransport.
	Transport http.RoundTripper
	// CircuitOptions tune the circuit breaker client (tests retry sooner).
	CircuitOptions []circuit.Option
	Log            *logrus.Logger
	// Metrics is the service's registry (metrics.NewRegistry), served at GET
	// /metrics, where the requests (metrics.HTTP) and the circuits
	// (circuit.Metrics) are measured; nil: a registry of the App's own (tests).
	Metrics *prometheus.Registry
	// ServedBy names this instance in every response (the container's IP).
	ServedBy string
	// Auth checks the access token of every request, innermost of the
	// middleware (bearer.Guard.Middleware); nil: no check.
	Auth mux.MiddlewareFunc
}

// App is accountservice's HTTP application.
type App struct {
	// Handler serves every route of accountservice, measured (metrics.HTTP).
	Handler http.Handler
	// Router is the routes under Handler, for tests that walk them.
	Router *mux.Router
	// Accounts is the business logic.
	Accounts *account.Service
	// Testability is the switch of GET /testability/healthy/{state}, nil
	// unless Config.Testability.
	Testability *api.Testability

	calls *ants.Pool // nil when it could not be made: a goroutine per call
}

// The goroutines that fetch the quote of a GET /accounts/{id} while the
// request's own goroutine fetches the image (account.ServiceConfig.Go) are
// kept between requests (github.com/panjf2000/ants): a new goroutine starts
// with a small stack that grows, copy by copy, to the depth of a downstream
// call (circuit, retry, tracing, transport), and those copies were 5 % of
// accountservice's CPU under `make bench-overhead` (issue 13). A kept
// goroutine has grown already. At most maxPooledCalls are kept; one more
// concurrent call gets a goroutine of its own, never a wait. A goroutine idle
// for pooledCallIdle ends, so an idle service keeps none.
const (
	maxPooledCalls = 1024
	pooledCallIdle = 10 * time.Second
)

// Close releases what New started: the pooled goroutines end. Requests still
// served afterwards fetch their quote on a goroutine of their own.
func (a *App) Close() error {
	if a.calls != nil {
		a.calls.Release()
	}
	return nil
}

// New builds the application: the downstream clients (circuit breaker →
// tracing → the caller's token relayed → deps.Transport), the account
// service and the routes.
func New(cfg Config, deps Dependencies) *App {
	log := deps.Log
	reg := deps.Metrics
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	reqLog := func(ctx context.Context) logrus.FieldLogger { return logging.WithContext(log, ctx) }
	circuitOpts := append([]circuit.Option{circuit.WithMetrics(circuit.NewMetrics(reg))}, deps.CircuitOptions...)
	// The caller's access token goes on to quotes-service and imageservice.
	breaker := circuit.NewClient(deps.Tracer.HTTPClient(downstream.RelayToken(deps.Transport)), circuitOpts...)
	a := &App{}
	svc := account.ServiceConfig{
		Store:    deps.Store,
		Quotes:   quotes.New(breaker, cfg.QuotesURL, reqLog),
		Images:   images.New(breaker, cfg.ImagesURL, reqLog),
		Notifier: deps.Notifier,
		ServedBy: deps.ServedBy,
	}
	calls, err := ants.NewPool(maxPooledCalls, ants.WithNonblocking(true), ants.WithExpiryDuration(pooledCallIdle), ants.WithLogger(log))
	if err != nil {
		log.WithError(err).Warn("no pool for the downstream calls: a goroutine per call")
	} else {
		a.calls = calls
		svc.Go = func(task func()) {
			if calls.Submit(task) != nil { // all kept goroutines busy, or released
				go task()
			}
		}
	}
	a.Accounts = account.NewService(svc)
	if cfg.Testability {
		a.Testability = &api.Testability{}
		deps.Health.Register("testability", a.Testability.Check)
	}
	middleware := []mux.MiddlewareFunc{deps.Tracer.Middleware(), server.LogRequests(log, cfg.AccessLog), server.Recover(log)}
	if deps.Auth != nil {
		middleware = append(middleware, deps.Auth)
	}
	a.Router = api.NewRouter(api.Config{
		Accounts:    a.Accounts,
		Health:      deps.Health.Handler(),
		Metrics:     metrics.Handler(reg, log),
		Info:        cfg.Info,
		Testability: a.Testability,
		Middleware:  middleware,
		Log:         reqLog,
	})
	a.Handler = metrics.NewHTTP(reg).Instrument(a.Router)
	return a
}
