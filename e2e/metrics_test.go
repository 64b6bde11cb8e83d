//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// Prometheus (issue 12), published on the host with basic authentication: user operator, the
// password deploy/make-secrets.sh made.
var (
	prometheusURL          = env("E2E_PROMETHEUS_URL", "http://localhost:9090")
	prometheusPasswordFile = env("E2E_PROMETHEUS_PASSWORD_FILE", "../.secrets/prometheus_password")
)

// accountRoute is the route label of GET /accounts/{id}: accountservice's mux path template.
const accountRoute = "/accounts/{id}"

// The jobs of support/prometheus/prometheus.yml whose every target must be up on a healthy stack.
var scrapedJobs = []string{"prometheus", "accountservice", "vipservice", "imageservice", "quotes-service",
	"configserver", "edge-server", "zipkin", "rabbitmq"}

// prometheus is a client of Prometheus's HTTP API (https://prometheus.io/docs/prometheus/2.42/querying/api/).
type prometheus struct {
	base     string
	password string
	client   *http.Client
}

func newPrometheus() (*prometheus, error) {
	pw, err := os.ReadFile(prometheusPasswordFile)
	if err != nil {
		return nil, fmt.Errorf("reading Prometheus's password (make up makes it): %w", err)
	}
	return &prometheus{base: prometheusURL, password: strings.TrimSpace(string(pw)), client: &http.Client{Timeout: 10 * time.Second}}, nil
}

// get GETs path with the operator's credentials (or none, when anonymous) and decodes the API's
// envelope into data.
func (p *prometheus) get(path string, anonymous bool, data any) (int, error) {
	req, err := http.NewRequest(http.MethodGet, p.base+path, nil)
	if err != nil {
		return 0, err
	}
	if !anonymous {
		req.SetBasicAuth("operator", p.password)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || data == nil {
		return resp.StatusCode, nil
	}
	var envelope struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&envelope); err != nil {
		return resp.StatusCode, fmt.Errorf("GET %s: decoding: %w", path, err)
	}
	if envelope.Status != "success" {
		return resp.StatusCode, fmt.Errorf("GET %s: %s", path, envelope.Error)
	}
	return resp.StatusCode, json.Unmarshal(envelope.Data, data)
}

// scalar runs an instant query whose answer is one number; no series is an error.
func (p *prometheus) scalar(expr string) (float64, error) {
	var data struct {
		Result []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	if _, err := p.get("/api/v1/query?query="+url.QueryEscape(expr), false, &data); err != nil {
		return 0, err
	}
	if len(data.Result) != 1 {
		return 0, fmt.Errorf("%s: %d series, want 1", expr, len(data.Result))
	}
	s, _ := data.Result[0].Value[1].(string)
	return strconv.ParseFloat(s, 64)
}

// target is one active scrape target, as on Prometheus's targets page.
type target struct {
	Labels    map[string]string `json:"labels"`
	Health    string            `json:"health"`
	LastError string            `json:"lastError"`
}

// targets returns the active targets of job.
func (p *prometheus) targets(job string) ([]target, error) {
	var data struct {
		ActiveTargets []target `json:"activeTargets"`
	}
	if _, err := p.get("/api/v1/targets?state=active", false, &data); err != nil {
		return nil, err
	}
	var out []target
	for _, t := range data.ActiveTargets {
		if t.Labels["job"] == job {
			out = append(out, t)
		}
	}
	return out, nil
}

// allUp returns nil when job has at least one target and each is up.
func (p *prometheus) allUp(job string) error {
	ts, err := p.targets(job)
	if err != nil {
		return err
	}
	if len(ts) == 0 {
		return fmt.Errorf("%s: no target", job)
	}
	for _, t := range ts {
		if t.Health != "up" {
			return fmt.Errorf("%s: target %s is %s: %s", job, t.Labels["instance"], t.Health, t.LastError)
		}
	}
	return nil
}

// scrapedSince returns nil when every target of job has been scraped, successfully, by a scrape
// that started after since (timestamp(up) is a scrape's start; timestamp() of a bare selector, as
// it would give the evaluation time of a filtered expression).
func (p *prometheus) scrapedSince(job string, since time.Time) error {
	oldest, err := p.scalar(fmt.Sprintf(`min(timestamp(up{job=%q}))`, job))
	if err != nil {
		return err
	}
	down, err := p.scalar(fmt.Sprintf(`count(up{job=%q} == 0) or vector(0)`, job))
	if err != nil {
		return err
	}
	if down > 0 {
		return fmt.Errorf("%s: %v targets down", job, down)
	}
	if oldest <= float64(since.UnixNano())/1e9 {
		return fmt.Errorf("%s: the oldest last scrape is at %v, not after %v", job, oldest, since.Unix())
	}
	return nil
}

// alertState is the state of the alert whose labels include match: firing, pending, or "" when
// it is neither.
func (p *prometheus) alertState(match map[string]string) (string, error) {
	var data struct {
		Alerts []struct {
			Labels map[string]string `json:"labels"`
			State  string            `json:"state"`
		} `json:"alerts"`
	}
	if _, err := p.get("/api/v1/alerts", false, &data); err != nil {
		return "", err
	}
	state := ""
next:
	for _, a := range data.Alerts {
		for k, v := range match {
			if a.Labels[k] != v {
				continue next
			}
		}
		if a.State == "firing" || state == "" {
			state = a.State
		}
	}
	return state, nil
}

// 12.1. After N requests through the edge, every service's targets are up and accountservice's
// request counter for the route /accounts/{id} grew by N. Prometheus answers nobody without the
// operator's password.
func TestMetricsCountRequestsThroughTheEdge(t *testing.T) {
	const n = 40
	Convey("Given Prometheus on the stack", t, func() {
		prom, err := newPrometheus()
		So(err, ShouldBeNil)

		Convey("it refuses a request without the operator's password", func() {
			status, err := prom.get("/api/v1/query?query=up", true, nil)
			So(err, ShouldBeNil)
			So(status, ShouldEqual, http.StatusUnauthorized)
		})

		Convey("every target of every service is up", func() {
			for _, job := range scrapedJobs {
				So(eventually(60*time.Second, 2*time.Second, func() error { return prom.allUp(job) }), ShouldBeNil)
			}
		})

		Convey(fmt.Sprintf("When %d accounts are read through the edge", n), func() {
			// "or vector(0)": on a fresh stack the series appears with the first read.
			counter := fmt.Sprintf(`sum(goblog_http_requests_total{job="accountservice",route=%q,method="GET",code="200"}) or vector(0)`, accountRoute)
			// The count before the requests: from scrapes of every accountservice target that
			// began after this moment (the suite sends nothing else meanwhile).
			quiet := time.Now()
			So(eventually(30*time.Second, time.Second, func() error { return prom.scrapedSince("accountservice", quiet) }), ShouldBeNil)
			before, err := prom.scalar(counter)
			So(err, ShouldBeNil)
			for i := range n {
				_, _, err := edgeAccount(strconv.Itoa(10001 + i%50))
				So(err, ShouldBeNil)
			}
			sent := time.Now()

			Convey(fmt.Sprintf("the counter of route %s grew by exactly %d at the next scrape", accountRoute, n), func() {
				So(eventually(30*time.Second, time.Second, func() error { return prom.scrapedSince("accountservice", sent) }), ShouldBeNil)
				after, err := prom.scalar(counter)
				So(err, ShouldBeNil)
				So(after-before, ShouldEqual, n)
			})
		})
	})
}

// 12.2. accountservice scaled to 3 shows 3 targets within 30 s of its tasks being healthy; back
// to 1, one target.
func TestPrometheusFollowsScaling(t *testing.T) {
	Convey("Given Prometheus and accountservice", t, func() {
		prom, err := newPrometheus()
		So(err, ShouldBeNil)
		before, err := desiredReplicas("accountservice")
		So(err, ShouldBeNil)
		t.Cleanup(func() {
			if err := scale("accountservice", before); err != nil {
				t.Errorf("scaling accountservice back to %d: %v", before, err)
			}
			if err := waitReady("accountservice", 3*time.Minute); err != nil {
				t.Errorf("accountservice after scaling back: %v", err)
			}
		})
		upTargets := func(want int) func() error {
			return func() error {
				ts, err := prom.targets("accountservice")
				if err != nil {
					return err
				}
				up := 0
				for _, tk := range ts {
					if tk.Health == "up" {
						up++
					}
				}
				if len(ts) != want || up != want {
					return fmt.Errorf("accountservice: %d targets, %d up; want %d up", len(ts), up, want)
				}
				return nil
			}
		}

		Convey("When it is scaled to 3 replicas", func() {
			So(scale("accountservice", 3), ShouldBeNil)
			So(waitReady("accountservice", 3*time.Minute), ShouldBeNil)

			Convey("Prometheus scrapes 3 targets within 30 s", func() {
				So(eventually(30*time.Second, time.Second, upTargets(3)), ShouldBeNil)

				Convey("and back at 1 replica, 1 target within 30 s", func() {
					So(scale("accountservice", 1), ShouldBeNil)
					So(waitReady("accountservice", 3*time.Minute), ShouldBeNil)
					So(eventually(30*time.Second, time.Second, upTargets(1)), ShouldBeNil)
				})
			})
		})
	})
}

// 12.3. quotes-service scaled to 0 under traffic: accountservice's circuit quotes-service opens
// and, a minute later, the alert CircuitOpen fires (with ServiceWithoutHealthyTarget for
// quotes-service); back to 1, both resolve.
func TestCircuitOpenAlert(t *testing.T) {
	Convey("Given Prometheus and traffic through the edge", t, func() {
		prom, err := newPrometheus()
		So(err, ShouldBeNil)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // five reads a second, answered with the fallback quote while quotes-service is gone
			defer wg.Done()
			tick := time.NewTicker(200 * time.Millisecond)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-tick.C:
					_, _, _ = edgeAccount(strconv.Itoa(10001 + i%50))
				}
			}
		}()
		t.Cleanup(func() {
			close(stop)
			wg.Wait()
			if err := scale("quotes-service", 1); err != nil {
				t.Errorf("scaling quotes-service back to 1: %v", err)
			}
			if err := waitReady("quotes-service", 3*time.Minute); err != nil {
				t.Errorf("quotes-service after scaling back: %v", err)
			}
		})
		circuitOpen := map[string]string{"alertname": "CircuitOpen", "job": "accountservice", "circuit": "quotes-service"}
		noTarget := map[string]string{"alertname": "ServiceWithoutHealthyTarget", "job": "quotes-service"}
		state, err := prom.alertState(circuitOpen)
		So(err, ShouldBeNil)
		So(state, ShouldBeEmpty)

		Convey("When quotes-service is scaled to 0", func() {
			So(scale("quotes-service", 0), ShouldBeNil)

			Convey("CircuitOpen fires for accountservice's circuit quotes-service, and quotes-service has no target", func() {
				// Open within seconds, then for: 1m, evaluated every 10 s.
				firing := func(match map[string]string) func() error {
					return func() error {
						s, err := prom.alertState(match)
						if err != nil {
							return err
						}
						if s != "firing" {
							return fmt.Errorf("%v: state %q", match, s)
						}
						return nil
					}
				}
				So(eventually(3*time.Minute, 5*time.Second, firing(circuitOpen)), ShouldBeNil)
				So(eventually(time.Minute, 5*time.Second, firing(noTarget)), ShouldBeNil)

				Convey("and back at 1 replica both resolve", func() {
					So(scale("quotes-service", 1), ShouldBeNil)
					So(waitReady("quotes-service", 3*time.Minute), ShouldBeNil)
					resolved := func(match map[string]string) func() error {
						return func() error {
							s, err := prom.alertState(match)
							if err != nil {
								return err
							}
							if s != "" {
								return fmt.Errorf("%v: still %s", match, s)
							}
							return nil
						}
					}
					So(eventually(2*time.Minute, 5*time.Second, resolved(circuitOpen)), ShouldBeNil)
					So(eventually(time.Minute, 5*time.Second, resolved(noTarget)), ShouldBeNil)
				})
			})
		})
	})
}
