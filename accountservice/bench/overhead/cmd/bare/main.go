// Command bare is the floor of the overhead benchmark (make bench-overhead):
// a net/http server answering GET /accounts/{id} with a constant account
// encoded by encoding/json, no downstream call, no store. It shows what the
// machine, the load generator and net/http cost alone.
//
// It is a yardstick, not a service.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type quote struct {
	Quote     string `json:"quote"`
	IPAddress string `json:"ipAddress"`
	Language  string `json:"language"`
}

type image struct {
	URL      string `json:"url"`
	ServedBy string `json:"servedBy"`
}

type account struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	ServedBy  string `json:"servedBy"`
	Quote     quote  `json:"quote"`
	ImageData image  `json:"imageData"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7071", "listen address")
	flag.Parse()
	if err := run(*addr); err != nil {
		fmt.Fprintln(os.Stderr, "bare:", err)
		os.Exit(1)
	}
}

func run(addr string) error {
	acc := account{
		ID: "10000", Name: "Person_0", ServedBy: "127.0.0.1",
		Quote:     quote{Quote: "Do not fear failure but rather fear not trying.", IPAddress: "quotes-service/127.0.0.1:8080", Language: "en"},
		ImageData: image{URL: "http://imageservice:7777/file/cake.jpg", ServedBy: "127.0.0.1"},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /accounts/{id}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(acc)
	})
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
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
