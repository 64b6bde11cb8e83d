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

// Run serves every server until ctx is done (main cancels it on SIGTERM or
// SIGINT through signal.NotifyContext) or one of them fails, for instance
// because its port is taken. With no servers it just waits for ctx. It then shuts every server down, letting
// in-flight requests finish for up to ShutdownTimeout, and runs closers in
// the order given (pass them in reverse order of opening: broker, tracer,
// database). It returns the server failure, if any, joined with every
// shutdown and closer error.
func Run(ctx context.Context, log logrus.FieldLogger, servers []*http.Server, closers ...func() error) error {
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
wait:
	for {
		select {
		case <-ctx.Done():
			log.Info("shutting down")
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

	for i, closeFn := range closers {
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
