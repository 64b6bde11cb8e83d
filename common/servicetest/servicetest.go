// Package servicetest runs a service's run function inside a test: it starts
// it on a free port in a goroutine, polls it over HTTP with a deadline until
// it answers, and stops it the way SIGTERM does (by cancelling its context),
// bounded in time. It is for the services' main_test.go files only.
package servicetest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
)

// The bounds of every wait: how long a service may take to answer after it
// was started, how long to return after it was stopped, and how often it is
// asked meanwhile.
const (
	StartTimeout = 10 * time.Second
	StopTimeout  = 20 * time.Second
	pollInterval = 50 * time.Millisecond
)

// FreePort returns a TCP port of 127.0.0.1 that nothing listened on a moment
// ago. It fails the test when no port is free.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// QuietLogger is a logger that writes nowhere.
func QuietLogger() *logrus.Logger {
	log := logrus.New()
	log.SetOutput(io.Discard)
	return log
}

// Service is a service's run function running in a goroutine of the test.
type Service struct {
	// BaseURL is http://127.0.0.1:<port>, the port given to Start.
	BaseURL string

	cancel context.CancelFunc
	done   chan error
	result error
	ended  bool
}

// Start runs run(ctx) in a goroutine and returns at once. The service is
// expected to serve HTTP on 127.0.0.1:port. The test's cleanup stops it if the
// test did not.
func Start(t testing.TB, port int, run func(ctx context.Context) error) *Service {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{BaseURL: fmt.Sprintf("http://127.0.0.1:%d", port), cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx) }()
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// FirstAnswer GETs BaseURL+path every 50 ms until the service answers, for up
// to StartTimeout, and returns the status of the first answer that accept
// takes. It returns an error when run returned meanwhile (with run's error)
// or when the deadline passed (with the last status or transport error).
func (s *Service) FirstAnswer(path string, accept func(status int) bool) (int, error) {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(StartTimeout)
	for {
		if ended, err := s.returned(); ended {
			return 0, fmt.Errorf("run returned before GET %s answered as wanted: %v", path, err)
		}
		resp, err := client.Get(s.BaseURL + path)
		if err == nil {
			resp.Body.Close()
			if accept(resp.StatusCode) {
				return resp.StatusCode, nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("GET %s%s: not as wanted within %s: %w", s.BaseURL, path, StartTimeout, err)
		}
		time.Sleep(pollInterval)
	}
}

// AnyStatus accepts every answer: FirstAnswer then waits for the service to
// serve at all.
func AnyStatus(int) bool { return true }

// StatusOK accepts 200 only.
func StatusOK(status int) bool { return status == http.StatusOK }

// Stop cancels run's context, which is what SIGTERM does through
// signal.NotifyContext, and returns what run returned; an error when run did
// not return within StopTimeout. Stopping again returns the same.
func (s *Service) Stop() error {
	s.cancel()
	if s.ended {
		return s.result
	}
	select {
	case err := <-s.done:
		s.ended, s.result = true, err
		return err
	case <-time.After(StopTimeout):
		return fmt.Errorf("run did not return within %s of the cancel", StopTimeout)
	}
}

// returned reports whether run has returned, without waiting, and with what.
func (s *Service) returned() (bool, error) {
	if s.ended {
		return true, s.result
	}
	select {
	case err := <-s.done:
		s.ended, s.result = true, err
		return true, err
	default:
		return false, nil
	}
}
