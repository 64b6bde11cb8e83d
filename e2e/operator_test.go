//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// loginCheck is one page of a published port and the login it needs: without credentials it
// answers 401 and none of its data, with them 200 and data (the body holds wantData).
type loginCheck struct {
	svc          string
	port         int
	base         string // the port's base URL as the test host reaches it
	path         string
	user         string
	passwordFile string
	wantData     string
}

func (c loginCheck) String() string { return fmt.Sprintf("%s :%d %s", c.svc, c.port, c.path) }

// loginChecks are the operator pages of every published port but the edge's (whose API needs a
// token: auth_test.go) and the log store's syslog ingest (UDP 5140: it takes lines, serves
// nothing).
func loginChecks() []loginCheck {
	turbineStream := "/proxy.stream?origin=" + url.QueryEscape("http://turbine:8282/turbine.stream")
	return []loginCheck{
		{"hystrix-dashboard", 7979, operatorURL, "/hystrix", "operator", operatorPasswordFile, "Hystrix Dashboard"},
		{"hystrix-dashboard", 7979, operatorURL, turbineStream, "operator", operatorPasswordFile, "data:"},
		{"hystrix-dashboard", 7979, operatorURL, "/zipkin/", "operator", operatorPasswordFile, "<title>Zipkin</title>"},
		{"hystrix-dashboard", 7979, operatorURL, "/zipkin/api/v2/services", "operator", operatorPasswordFile, `"edge-server"`},
		{"rabbitmq", 15672, managementURL, "/api/overview", amqpUser, amqpPasswordFile, `"rabbitmq_version"`},
		{"logstore", 9428, logstoreURL, "/select/logsql/query?limit=1&query=" + url.QueryEscape("*"), "admin", logstorePasswordFile, `"_msg"`},
		{"prometheus", 9090, prometheusURL, "/api/v1/query?query=up", "operator", prometheusPasswordFile, `"status":"success"`},
	}
}

// notChecked are the published ports loginChecks leaves out on purpose, with the reason.
var notChecked = map[int]string{
	8765: "the edge: the public API, behind access tokens (auth_test.go)",
	5140: "the log store's syslog ingest (UDP): serves nothing",
}

// fetchUntil GETs rawURL (with basic authentication when user is not empty) and reads the body
// until it holds want, ends, or 64 KiB or 20 s have passed: a stream (proxy.stream) never ends.
func fetchUntil(rawURL, user, password, want string) (int, http.Header, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return 0, nil, "", err
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := (&http.Client{}).Do(req) // bounded by ctx, which a stream needs
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	buf := make([]byte, 4096)
	for body.Len() < 64<<10 && !strings.Contains(body.String(), want) {
		n, err := resp.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			if err != io.EOF && ctx.Err() == nil {
				return resp.StatusCode, resp.Header, body.String(), err
			}
			break
		}
	}
	return resp.StatusCode, resp.Header, body.String(), nil
}

// 19. No published port serves data without authentication (issue 11, operator UIs): every
// operator page answers 401 with a Basic challenge and none of its data to a request without
// credentials or with a wrong password, and 200 with its data to the operator's login. Zipkin and
// turbine publish nothing (check 9); the operator console on 7979 serves them behind its login.
func TestPublishedPortsNeedALogin(t *testing.T) {
	Convey("Given the stack's published ports and the operators' passwords make up made", t, func() {
		checks := loginChecks()
		checked := map[int]bool{}
		for _, c := range checks {
			checked[c.port] = true
		}

		Convey("every published port is checked below, or left out for a stated reason", func() {
			var unchecked []string
			for svc, ports := range publishedPorts {
				for _, p := range ports {
					if _, exempt := notChecked[p]; !exempt && !checked[p] {
						unchecked = append(unchecked, fmt.Sprintf("%s :%d", svc, p))
					}
				}
			}
			So(unchecked, ShouldBeEmpty)
		})

		Convey("without credentials each answers 401 with a Basic challenge and none of its data", func() {
			for _, c := range checks {
				status, header, body, err := fetchUntil(c.base+c.path, "", "", c.wantData)
				So(err, ShouldBeNil)
				So(c.String()+" "+strconv.Itoa(status), ShouldEqual, c.String()+" 401")
				So(header.Get("WWW-Authenticate"), ShouldStartWith, "Basic")
				So(body, ShouldNotContainSubstring, c.wantData)
			}
		})

		Convey("with a wrong password the operator console answers 401", func() {
			for _, c := range checks {
				if c.svc != "hystrix-dashboard" {
					continue // the others' wrong passwords are their own software's business
				}
				status, _, body, err := fetchUntil(c.base+c.path, c.user, "not-the-password", c.wantData)
				So(err, ShouldBeNil)
				So(c.String()+" "+strconv.Itoa(status), ShouldEqual, c.String()+" 401")
				So(body, ShouldNotContainSubstring, c.wantData)
			}
		})

		Convey("with the operator's login each answers 200 with its data", func() {
			// A read through the edge, so Zipkin knows the edge whatever ran before.
			_, _, err := edgeAccount("10001")
			So(err, ShouldBeNil)
			for _, c := range checks {
				pw, err := os.ReadFile(c.passwordFile)
				So(err, ShouldBeNil)
				password := strings.TrimSpace(string(pw))
				So(eventually(60*time.Second, 2*time.Second, func() error {
					status, _, body, err := fetchUntil(c.base+c.path, c.user, password, c.wantData)
					switch {
					case err != nil:
						return fmt.Errorf("%s: %w", c, err)
					case status != http.StatusOK:
						return fmt.Errorf("%s: status %d: %.200s", c, status, body)
					case !strings.Contains(body, c.wantData):
						return fmt.Errorf("%s: no %s in %.300s", c, c.wantData, body)
					}
					return nil
				}), ShouldBeNil)
			}
		})
	})
}
