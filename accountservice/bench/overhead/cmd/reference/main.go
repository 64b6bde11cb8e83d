// Command reference is the yardstick of the overhead benchmark (make
// bench-overhead), not a service: the least a hand-written aggregator does
// to answer accountservice's GET /accounts/{id}. It looks the account up in a
// map (10000…10099, Person_0…Person_99, as accountservice's seed), fetches the
// quote and the image concurrently with one plain net/http client, and writes
// the same JSON as accountservice. No circuit breaker, no retry, no tracing,
// no logging, no store.
//
// The client keeps up to 100 idle connections per host, as accountservice and a careful author
// would (net/http's default of 2 would reopen connections under load and
// measure the default, not the aggregation).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
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
	addr := flag.String("addr", "127.0.0.1:7072", "listen address")
	quotesURL := flag.String("quotes", "http://127.0.0.1:7070/api/quote?strength=4", "quotes-service URL")
	imagesURL := flag.String("images", "http://127.0.0.1:7070/accounts/", "imageservice URL, the account id appended")
	flag.Parse()
	if err := run(*addr, *quotesURL, *imagesURL); err != nil {
		fmt.Fprintln(os.Stderr, "reference:", err)
		os.Exit(1)
	}
}

func run(addr, quotesURL, imagesURL string) error {
	names := make(map[string]string, 100)
	for i := range 100 {
		names[strconv.Itoa(10000+i)] = "Person_" + strconv.Itoa(i)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 100
	client := &http.Client{Transport: transport, Timeout: time.Second}
	imagesURL = strings.TrimSuffix(imagesURL, "/") + "/"

	mux := http.NewServeMux()
	mux.HandleFunc("GET /accounts/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		name, ok := names[id]
		if !ok {
			http.Error(w, `{"error":"account not found"}`, http.StatusNotFound)
			return
		}
		acc := account{ID: id, Name: name, ServedBy: "127.0.0.1"}
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := getJSON(r, client, quotesURL, &acc.Quote); err != nil {
				acc.Quote = quote{Quote: "May the source be with you, always.", IPAddress: "circuit-breaker", Language: "en"}
			}
		})
		wg.Go(func() {
			if err := getJSON(r, client, imagesURL+id, &acc.ImageData); err != nil {
				acc.ImageData = image{URL: "http://path.to.placeholder", ServedBy: "fallback"}
			}
		})
		wg.Wait()
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

// getJSON decodes the 200 answer of GET url into v.
func getJSON(in *http.Request, client *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(in.Context(), http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() {
		_, _ = io.Copy(io.Discard, resp.Body) // read to the end, so the connection is reused
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
