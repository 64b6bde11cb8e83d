//go:build landscape

package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Where the landscape is. Every base URL can be overridden from the
// environment; the defaults are the local process landscape's ports.
var (
	edgeURL           = env("LANDSCAPE_EDGE_URL", "http://localhost:8765")
	accountserviceURL = env("LANDSCAPE_ACCOUNTSERVICE_URL", "http://localhost:6767")
	vipserviceURL     = env("LANDSCAPE_VIPSERVICE_URL", "http://localhost:6868")
	quotesURL         = env("LANDSCAPE_QUOTES_URL", "http://localhost:8080")
	configServerURL   = env("LANDSCAPE_CONFIGSERVER_URL", "http://localhost:8888")
	zipkinURL         = env("LANDSCAPE_ZIPKIN_URL", "http://localhost:9411")
	turbineURL        = env("LANDSCAPE_TURBINE_URL", "http://localhost:8282")

	// rootDir is the repository root: the runtime config repo, the pid files
	// and scripts/landscape.sh are found from it.
	rootDir     = env("LANDSCAPE_ROOT", mustAbs(".."))
	configRepo  = env("LANDSCAPE_CONFIG_REPO", filepath.Join(rootDir, ".run", "config-repo"))
	runDir      = env("LANDSCAPE_RUN_DIR", filepath.Join(rootDir, ".run", "landscape"))
	rabbitmqctl = env("RABBITMQCTL", "rabbitmqctl")
)

// What accountservice answers when quotes-service cannot.
const (
	fallbackQuote     = "May the source be with you, always."
	fallbackIPAddress = "circuit-breaker"
	fallbackImage     = "fallback"
	vipAccount        = "10000"
)

// The landscape names every service reports to Zipkin under.
var landscapeServices = []string{"edge-server", "accountservice", "quotes-service", "imageservice", "vipservice"}

var httpClient = &http.Client{Timeout: 10 * time.Second}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func mustAbs(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return abs
}

// eventually calls check every interval until it returns nil or timeout has
// passed, and returns the last error: the bound of every wait in this suite.
func eventually(timeout, interval time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still failing after %s: %w", timeout, err)
		}
		time.Sleep(interval)
	}
}

// response is a finished HTTP exchange.
type response struct {
	Status  int
	Header  http.Header
	Body    []byte
	Elapsed time.Duration
}

func do(req *http.Request) (response, error) {
	start := time.Now()
	resp, err := httpClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return response{}, fmt.Errorf("reading %s %s: %w", req.Method, req.URL, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: body, Elapsed: time.Since(start)}, nil
}

func get(rawURL string) (response, error) {
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		return response{}, err
	}
	return do(req)
}

func post(rawURL, contentType, body string) (response, error) {
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(body))
	if err != nil {
		return response{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return do(req)
}

// getJSON GETs rawURL, wants 200 and decodes the body into v.
func getJSON(rawURL string, v any) error {
	r, err := get(rawURL)
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("GET %s: status %d: %.300s", rawURL, r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("GET %s: decoding %.300s: %w", rawURL, r.Body, err)
	}
	return nil
}

// account is accountservice's answer, through the edge or not.
type account struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	ServedBy string `json:"servedBy"`
	Quote    struct {
		Quote     string `json:"quote"`
		IPAddress string `json:"ipAddress"`
		Language  string `json:"language"`
	} `json:"quote"`
	ImageData struct {
		URL      string `json:"url"`
		ServedBy string `json:"servedBy"`
	} `json:"imageData"`
}

// edgeAccount reads one account through the edge.
func edgeAccount(id string) (account, response, error) {
	var a account
	r, err := get(edgeURL + "/api/accounts/" + id)
	if err != nil {
		return a, r, err
	}
	if r.Status != http.StatusOK {
		return a, r, fmt.Errorf("GET /api/accounts/%s through the edge: status %d: %.300s", id, r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, &a); err != nil {
		return a, r, fmt.Errorf("decoding account %.300s: %w", r.Body, err)
	}
	return a, r, nil
}

// info is the part of accountservice's GET /info the suite reads.
type info struct {
	Service  string `json:"service"`
	Profile  string `json:"profile"`
	Broker   string `json:"broker"`
	Config   map[string]any
	Circuits map[string]struct {
		TimeoutMs              int `json:"timeoutMs"`
		RequestVolumeThreshold int `json:"requestVolumeThreshold"`
		SleepWindowMs          int `json:"sleepWindowMs"`
	} `json:"circuits"`
}

func accountserviceInfo() (info, error) {
	var i info
	err := getJSON(accountserviceURL+"/info", &i)
	return i, err
}

// vipReceived is vipservice's count of VIP notifications.
func vipReceived() (int, error) {
	var s struct {
		Received *int `json:"received"`
	}
	if err := getJSON(vipserviceURL+"/vip/stats", &s); err != nil {
		return 0, err
	}
	if s.Received == nil {
		return 0, errors.New("/vip/stats has no received count")
	}
	return *s.Received, nil
}

// pidOf reads the pid scripts/landscape.sh recorded for a component and
// checks that the process runs.
func pidOf(name string) (int, error) {
	b, err := os.ReadFile(filepath.Join(runDir, name+".pid"))
	if err != nil {
		return 0, fmt.Errorf("pid of %s: %w (was the landscape started with scripts/landscape.sh up?)", name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("pid file of %s: %w", name, err)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		return 0, fmt.Errorf("%s (pid %d) does not run: %w", name, pid, err)
	}
	return pid, nil
}

// landscapeScript runs scripts/landscape.sh with args, bounded by timeout.
func landscapeScript(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(rootDir, "scripts", "landscape.sh")}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// gitConfigRepo runs git in the runtime config repo.
func gitConfigRepo(args ...string) (string, error) {
	full := append([]string{"-C", configRepo, "-c", "user.name=integration", "-c", "user.email=integration@localhost"}, args...)
	out, err := exec.Command("git", full...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// monitor posts the git-webhook-style form the config server's /monitor
// takes, which publishes a RefreshRemoteApplicationEvent for path's service.
func monitor(path string) error {
	r, err := post(configServerURL+"/monitor", "application/x-www-form-urlencoded", url.Values{"path": {path}}.Encode())
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("POST /monitor path=%s: status %d: %.300s", path, r.Status, r.Body)
	}
	return nil
}

// hystrixEvent is one event of a Hystrix SSE stream.
type hystrixEvent struct {
	Type                 string `json:"type"`
	Name                 string `json:"name"`
	IsCircuitBreakerOpen bool   `json:"isCircuitBreakerOpen"`
	ReportingHosts       int    `json:"reportingHosts"`
}

// waitForStreamEvent reads the SSE stream at streamURL until match accepts
// an event, or timeout. It returns the accepted event.
func waitForStreamEvent(streamURL string, timeout time.Duration, match func(hystrixEvent) bool) (hystrixEvent, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, streamURL, nil)
	if err != nil {
		return hystrixEvent{}, err
	}
	// No client timeout: the stream is one long response, bounded by ctx.
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		return hystrixEvent{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return hystrixEvent{}, fmt.Errorf("GET %s: status %d", streamURL, resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	seen := map[string]hystrixEvent{}
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data:")
		if !ok {
			continue
		}
		var ev hystrixEvent
		if json.Unmarshal([]byte(strings.TrimSpace(line)), &ev) != nil {
			continue
		}
		seen[ev.Name] = ev
		if match(ev) {
			return ev, nil
		}
	}
	err = sc.Err()
	if err == nil || ctx.Err() != nil {
		err = fmt.Errorf("no matching event within %s", timeout)
	}
	return hystrixEvent{}, fmt.Errorf("reading %s: %w (last events: %+v)", streamURL, err, seen)
}
