// Package api is the HTTP transport of accountservice: it routes
// requests to the account service and translates its results and errors to
// status codes and JSON bodies, all in this one place.
package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync/atomic"

	"github.com/gorilla/mux"
	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/images"
	"github.com/goblog/common/bearer"
	"github.com/goblog/common/forwarded"
	"github.com/goblog/common/server"
)

// Accounts is the business logic behind the routes; *account.Service is one.
type Accounts interface {
	Get(ctx context.Context, id string) (account.Account, error)
	Create(ctx context.Context, name string) (account.Account, error)
}

// Config holds what the router serves.
type Config struct {
	Accounts Accounts
	// Health answers GET /health.
	Health http.Handler
	// Metrics answers GET /metrics (metrics.Handler).
	Metrics http.Handler
	// Info returns the body of GET /info.
	Info func(ctx context.Context) any
	// Testability, when not nil, enables GET /testability/healthy/{state}.
	Testability *Testability
	// Middleware wraps every route but /health and /metrics, e.g. the
	// tracing middleware.
	Middleware []mux.MiddlewareFunc
	// Log returns the logger for a request (with its trace ids).
	Log func(ctx context.Context) logrus.FieldLogger
}

// AuthRules are the scopes the routes need (issue 11, the edge's rules):
// account:read to read an account, account:write to create one. /health and
// /info are open (bearer.IsOpen); /testability needs a valid token.
func AuthRules() bearer.Rules {
	return bearer.Rules{
		"GET /accounts/{id}": bearer.ScopeRead,
		"POST /accounts":     bearer.ScopeWrite,
	}
}

// NewRouter returns the routes of accountservice. Methods follow RFC 9110
// (server.ApplyMethodRules: HEAD wherever GET, OPTIONS, 405 with Allow).
func NewRouter(cfg Config) *mux.Router {
	h := &handlers{accounts: cfg.Accounts, info: cfg.Info, testability: cfg.Testability, log: cfg.Log,
		proxies: forwarded.PrivateNetworks()}

	r := mux.NewRouter()
	// Swarm's health check and Prometheus's scrape come every few seconds:
	// outside the middleware, so they make no span and no request log line
	// (as in imageservice and vipservice).
	r.Handle("/health", cfg.Health).Methods(http.MethodGet).Name("health")
	r.Handle("/metrics", cfg.Metrics).Methods(http.MethodGet).Name("metrics")
	traced := r.NewRoute().Subrouter()
	traced.Use(cfg.Middleware...)
	traced.HandleFunc("/accounts/{id}", h.getAccount).Methods(http.MethodGet).Name("getAccount")
	traced.HandleFunc("/accounts", h.createAccount).Methods(http.MethodPost).Name("createAccount")
	traced.HandleFunc("/info", h.getInfo).Methods(http.MethodGet).Name("info")
	if cfg.Testability != nil {
		traced.HandleFunc("/testability/healthy/{state}", h.setHealthy).Methods(http.MethodGet).Name("testability")
	}
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		server.WriteError(w, http.StatusNotFound, "no such route")
	})
	server.ApplyMethodRules(r)
	return r
}

type handlers struct {
	accounts    Accounts
	info        func(ctx context.Context) any
	testability *Testability
	log         func(ctx context.Context) logrus.FieldLogger
	// proxies are the peers whose forwarded headers build the links handed
	// out: the edge on the overlay network, the landscape on localhost.
	proxies forwarded.Proxies
}

func (h *handlers) getAccount(w http.ResponseWriter, r *http.Request) {
	origin, ok := h.origin(w, r)
	if !ok {
		return
	}
	acc, err := h.accounts.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		h.writeServiceError(w, r, err)
		return
	}
	acc.Image = publicImage(origin, acc.Image)
	server.WriteJSON(w, http.StatusOK, newAccountJSON(acc))
}

func (h *handlers) createAccount(w http.ResponseWriter, r *http.Request) {
	origin, ok := h.origin(w, r)
	if !ok {
		return
	}
	if err := CheckJSONMediaType(r.Header.Get("Content-Type")); err != nil {
		w.Header().Set("Accept-Post", jsonMediaType) // what to send instead (W3C LDP §7.1, IANA registered)
		server.WriteError(w, http.StatusUnsupportedMediaType, err.Error())
		return
	}
	body := http.MaxBytesReader(w, r.Body, MaxCreateBodyBytes)
	name, err := DecodeCreateAccount(body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			server.WriteError(w, http.StatusRequestEntityTooLarge, "request body larger than 65536 bytes")
			return
		}
		server.WriteError(w, http.StatusBadRequest, err.Error())
		return
	}
	acc, err := h.accounts.Create(r.Context(), name)
	if err != nil {
		h.writeServiceError(w, r, err)
		return
	}
	w.Header().Set("Location", origin.URL("/accounts/"+url.PathEscape(acc.ID)))
	server.WriteJSON(w, http.StatusCreated, newAccountJSON(acc))
}

// origin is where the client reached the service, for the links in the
// answer; a malformed Host or forwarded header is answered 400 (ok false)
// before anything is read or stored.
func (h *handlers) origin(w http.ResponseWriter, r *http.Request) (forwarded.Origin, bool) {
	origin, err := h.proxies.Origin(r)
	if err != nil {
		server.WriteError(w, http.StatusBadRequest, err.Error())
		return forwarded.Origin{}, false
	}
	return origin, true
}

// publicImage returns img with a URL the client can follow. imageservice
// answers with its own address (image_base_url, e.g.
// http://imageservice:7777/file/cake.jpg), which a client that reaches
// accountservice directly can also reach (make run, the overlay network).
// Behind the edge the client cannot: the edge serves every downstream path p
// at <prefix>p (support/edge-server: /api/file/** is imageservice's
// /file/**), so the URL becomes the origin's base with imageservice's path
// and query. The fallback placeholder is not imageservice's and is kept.
func publicImage(origin forwarded.Origin, img account.Image) account.Image {
	if !origin.Proxied || img == images.Fallback() {
		return img
	}
	u, err := url.Parse(img.URL)
	if err != nil { // images.Parse only lets absolute URLs through
		return img
	}
	public := origin.Base.JoinPath(u.EscapedPath())
	public.RawQuery = u.RawQuery
	img.URL = public.String()
	return img
}

func (h *handlers) getInfo(w http.ResponseWriter, r *http.Request) {
	server.WriteJSON(w, http.StatusOK, h.info(r.Context()))
}

func (h *handlers) setHealthy(w http.ResponseWriter, r *http.Request) {
	var healthy bool
	switch state := mux.Vars(r)["state"]; state {
	case "true":
		healthy = true
	case "false":
		healthy = false
	default:
		server.WriteError(w, http.StatusBadRequest, `state must be "true" or "false"`)
		return
	}
	h.testability.SetHealthy(healthy)
	h.log(r.Context()).WithField("healthy", healthy).Warn("health state changed through /testability")
	server.WriteJSON(w, http.StatusOK, map[string]bool{"healthy": healthy})
}

// writeServiceError maps the service's errors to status codes. Only
// business errors reach the client verbatim; an unavailable store is 503
// (the database is down or slow: try again later); anything else is logged
// and answered with a generic 500.
func (h *handlers) writeServiceError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, account.ErrInvalid):
		server.WriteError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, account.ErrNotFound):
		server.WriteError(w, http.StatusNotFound, "account not found")
	case errors.Is(err, account.ErrUnavailable):
		h.log(r.Context()).WithError(err).Warn("account store unavailable")
		server.WriteError(w, http.StatusServiceUnavailable, "account store unavailable, try again later")
	default:
		h.log(r.Context()).WithError(err).Error("request failed")
		server.WriteError(w, http.StatusInternalServerError, "internal error")
	}
}

// Testability lets integration tests make the instance unhealthy, so Swarm
// replaces it.
type Testability struct{ unhealthy atomic.Bool }

// SetHealthy sets the state the health check reports.
func (t *Testability) SetHealthy(healthy bool) { t.unhealthy.Store(!healthy) }

// Check is a health check: an error while made unhealthy.
func (t *Testability) Check(context.Context) error {
	if t.unhealthy.Load() {
		return errors.New("made unhealthy through /testability/healthy/false")
	}
	return nil
}
