package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// CheckTimeout bounds each health check, below the healthchecker's 2 s.
const CheckTimeout = time.Second

// Health answers /health from registered checks.
type Health struct {
	mu     sync.RWMutex
	checks []check
}

type check struct {
	name string
	fn   func(ctx context.Context) error
}

// NewHealth returns a Health with no checks: UP.
func NewHealth() *Health { return &Health{} }

// Register adds a check; name appears in the reason when it fails. Checks
// must honour ctx; one that does not is reported as timed out anyway.
func (h *Health) Register(name string, fn func(ctx context.Context) error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks = append(h.checks, check{name: name, fn: fn})
}

// Check runs every check concurrently, each within CheckTimeout, and returns
// nil when all pass, else an error listing the failures in registration
// order: "broker: not connected; db: closed".
func (h *Health) Check(ctx context.Context) error {
	h.mu.RLock()
	checks := append([]check(nil), h.checks...)
	h.mu.RUnlock()

	results := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = runCheck(ctx, c)
		}()
	}
	wg.Wait()

	var reasons []string
	for i, err := range results {
		if err != nil {
			reasons = append(reasons, checks[i].name+": "+err.Error())
		}
	}
	if len(reasons) > 0 {
		return errors.New(strings.Join(reasons, "; "))
	}
	return nil
}

// runCheck runs c within CheckTimeout without waiting for a check that
// ignores its context.
func runCheck(ctx context.Context, c check) error {
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- fmt.Errorf("panic: %v", v)
			}
		}()
		done <- c.fn(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("no answer within %s", CheckTimeout)
	}
}

// Handler serves 200 {"status":"UP"} when every check passes, else
// 503 {"status":"DOWN","reason":"name: error"}.
func (h *Health) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := h.Check(r.Context()); err != nil {
			WriteJSON(w, http.StatusServiceUnavailable, healthStatus{Status: "DOWN", Reason: err.Error()})
			return
		}
		WriteJSON(w, http.StatusOK, healthStatus{Status: "UP"})
	})
}

type healthStatus struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}
