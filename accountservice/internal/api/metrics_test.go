package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

// TestMetrics: GET /metrics counts requests by route template, so a
// thousand accounts make one series, not a thousand.
func TestMetrics(t *testing.T) {
	Convey("Given accountservice asked for 1000 different accounts that do not exist", t, func() {
		f := newFixture(t)
		for i := range 1000 {
			f.do(http.MethodGet, "/accounts/"+strconv.Itoa(20000+i), nil)
		}
		f.do(http.MethodGet, "/no/such/route", nil)

		Convey("GET /metrics has one series for them, counting 1000, and one for the unknown path", func() {
			rec := f.do(http.MethodGet, "/metrics", nil)
			So(rec.Code, ShouldEqual, http.StatusOK)
			var series []string
			for line := range strings.Lines(rec.Body.String()) {
				if strings.HasPrefix(line, "goblog_http_requests_total{") {
					series = append(series, strings.TrimSpace(line))
				}
			}
			So(series, ShouldResemble, []string{
				`goblog_http_requests_total{code="404",method="GET",route="/accounts/{id}"} 1000`,
				`goblog_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
			})
		})

		Convey("an account read counts a successful call of each circuit, both closed", func() {
			So(f.do(http.MethodGet, "/accounts/10000", nil).Code, ShouldEqual, http.StatusOK)
			body := f.do(http.MethodGet, "/metrics", nil).Body.String()
			So(body, ShouldContainSubstring, `goblog_circuit_calls_total{circuit="quotes-service",outcome="success"} 1`)
			So(body, ShouldContainSubstring, `goblog_circuit_calls_total{circuit="imageservice",outcome="success"} 1`)
			So(body, ShouldContainSubstring, `goblog_circuit_open{circuit="quotes-service"} 0`)
		})
	})
}
