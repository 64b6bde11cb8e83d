package systest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// What accountservice answers when a downstream cannot, and the account whose
// reads are announced to vipservice.
const (
	FallbackQuote     = "May the source be with you, always."
	FallbackIPAddress = "circuit-breaker"
	FallbackImage     = "fallback"
	VIPAccount        = "10000"
)

// clientTimeout bounds each request of the stories but those bounded by a
// breaker's timeout.
const clientTimeout = 10 * time.Second

// tracedServices are the names the services of one read report to Zipkin.
func tracedServices() []string {
	return []string{"edge-server", "accountservice", "quotes-service", "imageservice", "vipservice"}
}

// NewClient is the HTTP client of the stories' requests but those bounded by
// a breaker's timeout: a 10 s timeout over http.DefaultTransport (so every
// client shares its connections).
func NewClient() *http.Client {
	return &http.Client{Timeout: clientTimeout}
}

// Eventually calls check every interval until it returns nil or timeout has
// passed, and returns the last error: the bound of every wait of the suites.
func Eventually(timeout, interval time.Duration, check func() error) error {
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

// Response is a finished HTTP exchange.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends req with client and reads the whole answer (at most 8 MiB).
func Do(client *http.Client, req *http.Request) (Response, error) {
	resp, err := client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return Response{}, fmt.Errorf("reading %s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// Get sends GET rawURL with NewClient.
func Get(rawURL string) (Response, error) {
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		return Response{}, err
	}
	return Do(NewClient(), req)
}

// GetJSON GETs rawURL, wants 200 and decodes the body into v.
func GetJSON(rawURL string, v any) error {
	r, err := Get(rawURL)
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("GET %s: status %d: %.300s", Redacted(rawURL), r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("GET %s: decoding %.300s: %w", Redacted(rawURL), r.Body, err)
	}
	return nil
}

// Account is accountservice's answer to GET /accounts/{id}, through the edge
// or not.
type Account struct {
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

// ReadAccount GETs /api/accounts/{id} from the edge at edgeURL with client;
// anything but a 200 with an account is an error.
func ReadAccount(client *http.Client, edgeURL, id string) (Account, Response, error) {
	var a Account
	req, err := http.NewRequest(http.MethodGet, edgeURL+"/api/accounts/"+id, nil)
	if err != nil {
		return a, Response{}, err
	}
	r, err := Do(client, req)
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

// RealAnswers says why a is not enriched with a real quote and a real image,
// or nil when it is.
func RealAnswers(a Account) error {
	switch {
	case a.Quote.Quote == "" || a.Quote.IPAddress == "":
		return fmt.Errorf("account %s has no quote: %+v", a.ID, a.Quote)
	case a.Quote.IPAddress == FallbackIPAddress:
		return fmt.Errorf("account %s has the fallback quote", a.ID)
	case a.ImageData.URL == "" || a.ImageData.ServedBy == "":
		return fmt.Errorf("account %s has no imageData: %+v", a.ID, a.ImageData)
	case a.ImageData.ServedBy == FallbackImage:
		return fmt.Errorf("account %s has the fallback image", a.ID)
	}
	return nil
}

// Info is the part of accountservice's GET /info the stories read.
type Info struct {
	Service  string         `json:"service"`
	Profile  string         `json:"profile"`
	Broker   string         `json:"broker"`
	ServedBy string         `json:"servedBy"`
	Config   map[string]any `json:"config"`
	Circuits map[string]struct {
		TimeoutMs              int `json:"timeoutMs"`
		RequestVolumeThreshold int `json:"requestVolumeThreshold"`
		SleepWindowMs          int `json:"sleepWindowMs"`
	} `json:"circuits"`
}

// InfoOf reads GET /info of one accountservice instance.
func InfoOf(env Environment, inst Instance) (Info, error) {
	var i Info
	status, body, err := env.Get(inst, AccountservicePort, "/info")
	if err != nil {
		return i, err
	}
	if status != http.StatusOK {
		return i, fmt.Errorf("GET /info of %s %s: status %d: %.300s", inst.Service, inst.ID, status, body)
	}
	if err := json.Unmarshal(body, &i); err != nil {
		return i, fmt.Errorf("decoding /info %.300s: %w", body, err)
	}
	return i, nil
}

// VIPCount sums the field (received or rejected) of GET /vip/stats over
// vipservice's instances.
func VIPCount(env Environment, field string) (int, error) {
	instances, err := env.Instances("vipservice")
	if err != nil {
		return 0, err
	}
	total := 0
	for _, inst := range instances {
		status, body, err := env.Get(inst, VipservicePort, "/vip/stats")
		if err != nil {
			return 0, err
		}
		if status != http.StatusOK {
			return 0, fmt.Errorf("vipservice %s: /vip/stats answered %d: %.200s", inst.ID, status, body)
		}
		var counts map[string]any
		if err := json.Unmarshal(body, &counts); err != nil {
			return 0, fmt.Errorf("vipservice %s: /vip/stats: %w: %.200s", inst.ID, err, body)
		}
		n, ok := counts[field].(float64)
		if !ok {
			return 0, fmt.Errorf("vipservice %s: /vip/stats without a %s count: %.200s", inst.ID, field, body)
		}
		total += int(n)
	}
	return total, nil
}

// HystrixEvent is one event of a Hystrix SSE stream (hystrix.stream,
// turbine.stream).
type HystrixEvent struct {
	Type                 string `json:"type"`
	Name                 string `json:"name"`
	IsCircuitBreakerOpen bool   `json:"isCircuitBreakerOpen"`
	ReportingHosts       int    `json:"reportingHosts"`
}

// WaitForStreamEvent reads the SSE stream at streamURL until match accepts an
// event, or timeout, and returns the accepted event.
func WaitForStreamEvent(streamURL string, timeout time.Duration, match func(HystrixEvent) bool) (HystrixEvent, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, streamURL, nil)
	if err != nil {
		return HystrixEvent{}, err
	}
	// No client timeout: the stream is one long response, bounded by ctx.
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		return HystrixEvent{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return HystrixEvent{}, fmt.Errorf("GET %s: status %d", Redacted(streamURL), resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	seen := map[string]HystrixEvent{}
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data:")
		if !ok {
			continue
		}
		var ev HystrixEvent
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
		err = errors.New("no matching event within " + timeout.String())
	}
	return HystrixEvent{}, fmt.Errorf("reading %s: %w (last events: %+v)", Redacted(streamURL), err, seen)
}

// Redacted is rawURL with the password of its user info, if any, replaced by
// "xxxxx" (url.URL.Redacted), for messages; a URL that does not parse is
// replaced whole, since it may hold one.
func Redacted(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// WithTopLevelKey returns the YAML file content with its top-level key set to
// value: the line "key: …" replaced, or appended when there is none. Both
// adapters change a config file this way.
func WithTopLevelKey(content []byte, key, value string) []byte {
	var out []string
	set := false
	for _, l := range strings.Split(strings.TrimRight(string(content), "\n"), "\n") {
		if strings.HasPrefix(l, key+":") {
			l, set = key+": "+value, true
		}
		out = append(out, l)
	}
	if !set {
		out = append(out, key+": "+value)
	}
	return []byte(strings.Join(out, "\n") + "\n")
}
