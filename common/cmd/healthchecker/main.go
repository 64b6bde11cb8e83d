// Command healthchecker is the Docker HEALTHCHECK of the FROM scratch goblog
// images: `healthchecker -port 6767` exits 0 only when
// GET http://127.0.0.1:6767/health answers 200 within 2 s; otherwise it
// prints why and exits 1. `-path /health/live` checks another path.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// timeout bounds the whole check.
const timeout = 2 * time.Second

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "healthchecker:", err)
		os.Exit(1)
	}
}

// run checks the health endpoint of the port given in args.
func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthchecker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 0, "port of the service to check on 127.0.0.1")
	path := fs.String("path", "/health", "path to GET, from the root")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *port < 1 || *port > 65535 {
		return errors.New("-port must be between 1 and 65535")
	}
	if !strings.HasPrefix(*path, "/") || strings.ContainsAny(*path, " \t\r\n") {
		return fmt.Errorf("-path must be a path from the root, like /health: %q", *path)
	}
	return check(fmt.Sprintf("http://127.0.0.1:%d%s", *port, *path))
}

// check GETs url and returns nil only for a 200 within timeout.
func check(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	// A zero Transport uses no proxy, whatever HTTP_PROXY says.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return err // a *url.Error: it names the method and URL
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return fmt.Errorf("GET %s: reading body: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d: %s", url, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}
