// Package api serves the aggregated stream: GET /turbine.stream (Server-Sent
// Events, one merged Hystrix event per command and thread pool each interval)
// and GET /health. Methods follow RFC 9110 (server.ApplyMethodRules: HEAD
// wherever GET, OPTIONS, 405 with Allow); an unknown path is a JSON 404.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gorilla/mux"
	"github.com/sirupsen/logrus"

	"github.com/goblog/common/server"
	"github.com/goblog/turbine/internal/aggregate"
)

// Source is what the stream reads: the merged events of some clusters.
type Source interface {
	Merged(clusters ...string) []aggregate.Event
}

// Config tunes the handler. Zero values take the defaults in parentheses.
type Config struct {
	Interval     time.Duration // time between two emissions (1s)
	WriteTimeout time.Duration // deadline of one write to a client (10s)
}

type handler struct {
	src      Source
	clusters []string
	cfg      Config
	log      logrus.FieldLogger
}

// NewHandler returns the HTTP API over src for the named clusters.
func NewHandler(src Source, clusters []string, cfg Config, log logrus.FieldLogger) http.Handler {
	return cors(newRouter(src, clusters, cfg, log))
}

// newRouter holds the routes of NewHandler, without the CORS header.
func newRouter(src Source, clusters []string, cfg Config, log logrus.FieldLogger) *mux.Router {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	h := &handler{src: src, clusters: slices.Clone(clusters), cfg: cfg, log: log}
	router := mux.NewRouter()
	router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such resource: " + r.URL.Path})
	})
	router.HandleFunc("/turbine.stream", h.stream).Methods(http.MethodGet)
	router.HandleFunc("/health", h.health).Methods(http.MethodGet)
	server.ApplyMethodRules(router)
	return router
}

// cors lets the dashboard's JavaScript read the stream from another origin.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		next.ServeHTTP(w, r)
	})
}

func (h *handler) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "UP"})
}

// selectClusters maps ?cluster= to cluster names: empty (or "default", the
// name Turbine uses, unless a cluster has that name) means all of them.
func (h *handler) selectClusters(name string) ([]string, bool) {
	if slices.Contains(h.clusters, name) {
		return []string{name}, true
	}
	if name == "" || name == "default" {
		return h.clusters, true
	}
	return nil, false
}

func (h *handler) stream(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("cluster")
	clusters, ok := h.selectClusters(name)
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown cluster " + name})
		return
	}
	log := h.log.WithFields(logrus.Fields{"client": r.RemoteAddr, "clusters": clusters})
	rc := http.NewResponseController(w)
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Connection", "keep-alive")
	hdr.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		// The stream's headers and no body, and the response ends: a stream
		// kept running for a HEAD would hold the connection, and a keep-alive
		// client's next request on it would never be answered.
		return
	}

	write := func(b []byte) error {
		// The server's WriteTimeout would end the stream; instead every write
		// gets its own deadline, so only a stuck client is dropped.
		if err := rc.SetWriteDeadline(time.Now().Add(h.cfg.WriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	ping := []byte(": ping\n\n")
	if err := write(ping); err != nil {
		return
	}
	log.Debug("stream client connected")
	defer log.Debug("stream client gone")

	ticker := time.NewTicker(h.cfg.Interval)
	defer ticker.Stop()
	var buf bytes.Buffer
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ticker.C:
		}
		events := h.src.Merged(clusters...)
		if len(events) == 0 {
			if err := write(ping); err != nil {
				return
			}
			continue
		}
		for _, ev := range events {
			buf.Reset()
			buf.WriteString("data: ")
			if err := json.NewEncoder(&buf).Encode(ev); err != nil { // Encode ends with "\n"
				log.WithError(err).Warn("encoding merged event")
				continue
			}
			buf.WriteByte('\n')
			if err := write(buf.Bytes()); err != nil {
				return
			}
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
