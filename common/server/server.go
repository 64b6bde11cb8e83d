// Package server runs the HTTP servers of a goblog service: timeouts on every
// server, a /health endpoint fed by registered checks, JSON responses, and a
// graceful shutdown that drains in-flight requests before closing what the
// service owns.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// Timeouts of the servers New makes, and of Run's shutdown.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 10 * time.Second
	WriteTimeout      = 30 * time.Second
	IdleTimeout       = 120 * time.Second
	ShutdownTimeout   = 15 * time.Second
)

// New returns a server for addr with read-header, read, write and idle
// timeouts, so no client can hold a connection or goroutine forever.
func New(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
	}
}

// Runner runs the HTTP servers of a service and shuts them down gracefully.
type Runner struct {
	Log     logrus.FieldLogger
	Servers []*http.Server
	// Closers run after the servers have shut down, in the order given (pass
	// them in reverse order of opening: broker, tracer, database).
	Closers []func() error
	// Drain is how long the servers keep serving after ctx is done, before
	// they shut down. Meanwhile HealthPath answers 503 {"status":"DOWN"} and
	// every response carries "Connection: close", so clients stop reusing
	// their keep-alive connections; idle ones are left to expire on the
	// client's side. Shutting down at once closes idle connections under a
	// client that may be writing a request on one that very moment: a GET is
	// resent by most clients, a POST fails. Set Drain longer than the
	// clients' DNS cache plus their connection time-to-live (the edge's: 2 s
	// and 10 s). Zero shuts down at once.
	Drain time.Duration
	// HealthPath is the path answered DOWN while draining (default /health).
	HealthPath string
	// IdleReturn returns the memory of a busy period to the OS once it is
	// over (DefaultIdleReturn in every service); counted are the requests of
	// all Servers, and IdleReturn.Work when set. The zero value is off.
	IdleReturn IdleReturn
}

// Run serves every server until ctx is done (main cancels it on SIGTERM or
// SIGINT through signal.NotifyContext) or one of them fails, for instance
// because its port is taken. With no servers it just waits for ctx. After
// the drain phase (see Drain; skipped when a server failed) it shuts every
// server down, letting in-flight requests finish for up to ShutdownTimeout,
// and runs the closers. It returns the server failure, if any, joined with
// every shutdown and closer error.
func (r Runner) Run(ctx context.Context) error {
	log, servers := r.Log, r.Servers
	var draining atomic.Bool
	healthPath := r.HealthPath
	if healthPath == "" {
		healthPath = "/health"
	}
	var requests atomic.Int64
	for _, srv := range servers {
		srv.Handler = drainAware(srv.Handler, &draining, healthPath)
		if r.IdleReturn.enabled() {
			srv.Handler = counted(srv.Handler, &requests)
		}
	}
	if r.IdleReturn.enabled() {
		stopWatch := r.watchIdle(ctx, &requests)
		defer stopWatch()
	}
	serveErrs := make(chan error, len(servers))
	for _, srv := range servers {
		log.WithField("addr", srv.Addr).Info("serving HTTP")
		go func() {
			err := srv.ListenAndServe()
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			} else {
				err = fmt.Errorf("serving on %s: %w", srv.Addr, err)
			}
			serveErrs <- err
		}()
	}

	var errs []error
	running := len(servers)
	drain := false
wait:
	for {
		select {
		case <-ctx.Done():
			log.Info("shutting down")
			drain = r.Drain > 0 && running > 0
			break wait
		case err := <-serveErrs:
			running--
			if err != nil {
				log.WithError(err).Error("server failed, shutting down")
				errs = append(errs, err)
				break wait
			}
			if running == 0 {
				break wait // every server was shut down from elsewhere
			}
		}
	}
	if drain {
		draining.Store(true)
		log.WithField("drain", r.Drain.String()).Info("draining: health DOWN, connections closed after each response")
		t := time.NewTimer(r.Drain)
		select {
		case <-t.C:
		case err := <-serveErrs: // a server failed while draining
			running--
			t.Stop()
			if err != nil {
				errs = append(errs, err)
			}
		}
	}

	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	for _, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Shutdown(shutdownCtx); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("shutting down %s: %w", srv.Addr, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// Every ListenAndServe has returned once Shutdown did; collect the rest.
	for ; running > 0; running-- {
		if err := <-serveErrs; err != nil {
			errs = append(errs, err)
		}
	}

	for i, closeFn := range r.Closers {
		if err := closeFn(); err != nil {
			errs = append(errs, fmt.Errorf("closer %d: %w", i, err))
		}
	}
	err := errors.Join(errs...)
	if err == nil {
		log.Info("stopped")
	}
	return err
}

// watchIdle runs r.IdleReturn over requests (and its Work, when set) until
// ctx is done or the returned stop is called; stop waits for it to end.
func (r Runner) watchIdle(ctx context.Context, requests *atomic.Int64) (stop func()) {
	count := requests.Load
	if work := r.IdleReturn.Work; work != nil {
		count = func() int64 { return requests.Load() + work() }
	}
	ctx, cancel := context.WithCancel(ctx)
	ticker := time.NewTicker(r.IdleReturn.Tick)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.IdleReturn.watch(ctx, count, ticker.C, r.Log)
	}()
	return func() {
		cancel()
		<-done
		ticker.Stop()
	}
}

// counted wraps h, adding one to requests for every request.
func counted(h http.Handler, requests *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		requests.Add(1)
		h.ServeHTTP(w, req)
	})
}

// drainAware wraps h: once draining is set, every response asks the client
// to close the connection, and healthPath answers 503 DOWN.
func drainAware(h http.Handler, draining *atomic.Bool, healthPath string) http.Handler {
	if h == nil {
		h = http.DefaultServeMux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !draining.Load() {
			h.ServeHTTP(w, req)
			return
		}
		w.Header().Set("Connection", "close")
		if req.URL.Path == healthPath {
			w.Header().Set("Cache-Control", "no-store")
			WriteJSON(w, http.StatusServiceUnavailable, healthStatus{Status: "DOWN", Reason: "shutting down"})
			return
		}
		h.ServeHTTP(w, req)
	})
}

// WriteJSON writes v as a JSON response with status. A value that cannot be
// encoded gives a 500 with a JSON error instead.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":"encoding response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// WriteError writes {"error": msg} with status.
func WriteError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, map[string]string{"error": msg})
}
