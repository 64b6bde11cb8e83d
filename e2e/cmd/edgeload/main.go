// Command edgeload sends a steady GET load through the edge and prints what
// came back: the load behind deploy/measure-memory.sh, and a quick way to watch
// a rolling update by hand.
//
//	go run ./e2e/cmd/edgeload -rate 20 -duration 60s
//
// from the repository root (the default -cacert is .secrets/edge_ca.pem, the
// edge's CA that make up makes).
//
// It loops over the seed accounts 10000-10029 and exits 1 when any request
// failed (not 200, or a transport error).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/goblog/e2e/load"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "edgeload:", err)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("edgeload", flag.ContinueOnError)
	base := fs.String("url", "https://localhost:8765/api/accounts/", "base URL; the account id is appended")
	caFile := fs.String("cacert", ".secrets/edge_ca.pem", "PEM file of the CA to trust for HTTPS (deploy/edge-tls.sh); empty: the system's")
	rate := fs.Int("rate", 20, "requests per second")
	duration := fs.Duration("duration", 30*time.Second, "how long to send")
	timeout := fs.Duration("timeout", 5*time.Second, "timeout of each request")
	accounts := fs.Int("accounts", 30, "how many seed accounts to loop over, from 10000")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *accounts < 1 || *accounts > 100 {
		return errors.New("-accounts must be 1..100")
	}
	urls := make([]string, *accounts)
	for i := range urls {
		urls[i] = fmt.Sprintf("%s%d", *base, 10000+i)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	client := &http.Client{Timeout: *timeout}
	if *caFile != "" {
		tr, err := trusting(*caFile)
		if err != nil {
			return err
		}
		client.Transport = tr
	}
	fmt.Printf("edgeload: GET %s{10000..%d} at %d/s for %s\n", *base, 10000+*accounts-1, *rate, *duration)
	res := load.For(ctx, client, urls, *rate, *duration)
	fmt.Println("edgeload:", res)
	if res.Failed > 0 {
		return fmt.Errorf("%d of %d requests failed", res.Failed, res.Sent)
	}
	return nil
}

// trusting is http.DefaultTransport trusting exactly the CA certificates in caFile (PEM).
func trusting(caFile string) (*http.Transport, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("reading the CA file: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	return tr, nil
}
