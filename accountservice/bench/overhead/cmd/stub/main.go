// Command stub is the in-memory downstream of the overhead benchmark (make
// bench-overhead). On one port it answers as quotes-service
// (GET /api/quote → {"quote","ipAddress","language"}) and as imageservice
// (GET /accounts/{id} → {"url","servedBy"}) from constant bodies, accepts
// Zipkin v2 spans (POST /api/v2/spans → 202, the body read and counted), and
// reports how many TCP connections it accepted and saw closed and how many
// span batches it got (GET /stats → {"connections","closed","spanPosts",
// "spanBytes"}), so the driver can tell connection churn from reuse.
//
// It is a yardstick, not a service: no logging, no configuration.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7070", "listen address")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "stub:", err)
		os.Exit(1)
	}
}

// counters are what GET /stats reports.
type counters struct {
	connections atomic.Int64
	closed      atomic.Int64
	spanPosts   atomic.Int64
	spanBytes   atomic.Int64
}

func run(addr string) error {
	c := &counters{}
	srv := &http.Server{
		Addr:              addr,
		Handler:           routes(c),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute, // longer than a run: the clients decide when to close
		ConnState: func(_ net.Conn, s http.ConnState) {
			switch s {
			case http.StateNew:
				c.connections.Add(1)
			case http.StateClosed, http.StateHijacked:
				c.closed.Add(1)
			}
		},
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	select {
	case err := <-errc:
		return fmt.Errorf("serving %s: %w", addr, err)
	case <-sig:
	}
	if err := srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("closing: %w", err)
	}
	return nil
}

// The constant answers, shaped as quotes-service's and imageservice's.
var (
	quoteBody = []byte(`{"quote":"Do not fear failure but rather fear not trying.","ipAddress":"quotes-service/127.0.0.1:8080","language":"en"}`)
	imageBody = []byte(`{"url":"http://imageservice:7777/file/cake.jpg","servedBy":"127.0.0.1"}`)
)

func routes(c *counters) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/quote", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, quoteBody) })
	mux.HandleFunc("GET /accounts/{id}", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, imageBody) })
	mux.HandleFunc("POST /api/v2/spans", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		c.spanPosts.Add(1)
		c.spanBytes.Add(n)
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		body, _ := json.Marshal(map[string]int64{ // a map of numbers always encodes
			"connections": c.connections.Load(),
			"closed":      c.closed.Load(),
			"spanPosts":   c.spanPosts.Load(),
			"spanBytes":   c.spanBytes.Load(),
		})
		writeJSON(w, body)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}
