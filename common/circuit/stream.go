package circuit

import (
	"net/http"
	"sync"
	"time"

	"github.com/afex/hystrix-go/hystrix"
	"github.com/gorilla/mux"

	"github.com/goblog/common/server"
)

// StreamPath is where StreamServer serves the Hystrix event stream.
const StreamPath = "/hystrix.stream"

// StreamServer returns a server for addr publishing every circuit's metrics
// once a second as Hystrix JSON server-sent events at /hystrix.stream, the
// stream the Hystrix dashboard and Turbine read. The caller runs it like any
// other server (server.Runner); its Shutdown ends the open streams, so it does
// not wait for dashboards to disconnect, and stops hystrix-go's publisher.
//
// The server has read and idle timeouts but no write timeout: a stream is one
// long response. Its handler is a *mux.Router under server.ApplyMethodRules
// (HEAD as GET, OPTIONS, 405 with Allow); other paths answer a JSON 404. A
// HEAD of the stream gets its headers and ends.
func StreamServer(addr string) *http.Server {
	s := &stream{handler: hystrix.NewStreamHandler(), stopping: make(chan struct{})}
	router := mux.NewRouter()
	router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		server.WriteError(w, http.StatusNotFound, "no such resource: "+r.URL.Path)
	})
	router.Handle(StreamPath, s).Methods(http.MethodGet)
	server.ApplyMethodRules(router)
	srv := &http.Server{
		Addr:              addr,
		Handler:           router,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	srv.RegisterOnShutdown(s.stop)
	return srv
}

// stream wraps hystrix-go's StreamHandler, starting its publisher on the
// first request and stopping it, and every open stream, on shutdown.
type stream struct {
	handler *hystrix.StreamHandler

	mu       sync.Mutex
	started  bool
	stopped  bool
	stopping chan struct{} // closed on shutdown
}

func (s *stream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if !s.started {
		s.handler.Start()
		s.started = true
	}
	s.mu.Unlock()

	// hystrix-go ends a stream when CloseNotify fires; make it fire on
	// shutdown as well as when the client goes away, and at once for a HEAD:
	// the stream's headers and no body, where a stream kept running would
	// hold the connection and a keep-alive client's next request on it would
	// never be answered.
	done := r.Context().Done()
	if r.Method == http.MethodHead {
		ended := make(chan struct{})
		close(ended)
		done = ended
	}
	s.handler.ServeHTTP(&streamWriter{ResponseWriter: w, done: done, stopping: s.stopping}, r)
}

func (s *stream) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return
	}
	s.stopped = true
	close(s.stopping)
	if s.started {
		s.handler.Stop()
	}
}

// streamWriter is the ResponseWriter hystrix-go's handler needs: a Flusher
// and a CloseNotifier.
type streamWriter struct {
	http.ResponseWriter
	done     <-chan struct{}
	stopping <-chan struct{}
}

func (w *streamWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// CloseNotify implements the deprecated http.CloseNotifier hystrix-go uses.
func (w *streamWriter) CloseNotify() <-chan bool {
	ch := make(chan bool, 1)
	go func() {
		select {
		case <-w.done:
		case <-w.stopping:
		}
		ch <- true
	}()
	return ch
}
