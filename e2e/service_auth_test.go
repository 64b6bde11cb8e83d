//go:build e2e

package e2e

import (
	"net/http"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// Issue 11: the overlay network is not a trust boundary. From inside it (the probe container),
// every service refuses a request without a token and serves the suite's; quotes-service's read
// needs account:read; its actuator needs none.
func TestServicesCheckTokensInsideTheOverlay(t *testing.T) {
	Convey("Given the probe container inside the overlay network", t, func() {
		for _, target := range []struct {
			service string
			port    int
			path    string
		}{
			{"accountservice", 6767, "/accounts/" + vipAccount},
			{"imageservice", 7777, "/accounts/" + vipAccount},
			{"vipservice", 6868, "/vip/stats"},
			{"quotes-service", 8080, "/api/quote"},
		} {
			Convey(target.service+" refuses a request without a token (401, JSON) and answers one with the suite's token", func() {
				status, body, err := probe.httpWithToken("", http.MethodGet, target.service, target.port, target.path, "")
				So(err, ShouldBeNil)
				So(status, ShouldEqual, http.StatusUnauthorized)
				So(string(body), ShouldStartWith, `{"error":`)

				status, body, err = probe.http(http.MethodGet, target.service, target.port, target.path, "")
				So(err, ShouldBeNil)
				So(status, ShouldEqual, http.StatusOK)
				So(len(body), ShouldBeGreaterThan, 0)
			})
		}

		Convey("quotes-service refuses a valid token without account:read (403 insufficient_scope)", func() {
			key, err := authSigningKey()
			So(err, ShouldBeNil)
			now := time.Now()
			writer := mint(key, kidOf(&key.PublicKey), map[string]any{"iss": authIssuer, "aud": authAudience,
				"sub": "e2e", "scope": "account:write", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()})
			status, body, err := probe.httpWithToken(writer, http.MethodGet, "quotes-service", 8080, "/api/quote", "")
			So(err, ShouldBeNil)
			So(status, ShouldEqual, http.StatusForbidden)
			So(string(body), ShouldEqual, `{"error":"insufficient scope: account:read required"}`)
		})

		// (Its /actuator/prometheus needs no token either: metrics_test.go sees every target up.
		// The probe asks for JSON, which that text endpoint answers 406.)
		Convey("quotes-service's health and info endpoints answer without a token", func() {
			for _, path := range []string{"/actuator/health", "/actuator/info"} {
				status, _, err := probe.httpWithToken("", http.MethodGet, "quotes-service", 8080, path, "")
				So(err, ShouldBeNil)
				So(status, ShouldEqual, http.StatusOK)
			}
		})
	})
}
