//go:build landscape

package integration

import (
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// zipkinSpan is the part of a Zipkin v2 span the suite reads.
type zipkinSpan struct {
	TraceID       string `json:"traceId"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	LocalEndpoint struct {
		ServiceName string `json:"serviceName"`
	} `json:"localEndpoint"`
}

// missing lists the names of want that are not in have.
func missing(want []string, have map[string]bool) []string {
	var out []string
	for _, w := range want {
		if !have[w] {
			out = append(out, w)
		}
	}
	return out
}

// Issue 3, integration 3, 4 and 5: one request through the edge gets a real
// quote and a real image, is traced across all five services, and the VIP
// read reaches vipservice over AMQP.
func TestRequestThroughTheEdge(t *testing.T) {
	Convey("Given the landscape and vipservice's count of VIP notifications", t, func() {
		receivedBefore, err := vipReceived()
		So(err, ShouldBeNil)

		Convey("When GET /api/accounts/10000 goes through the edge", func() {
			// A JVM's first requests may be slow enough for the breaker's
			// timeout; the request that counts is the first one that gets real
			// answers from both downstreams, and every one must be a 200.
			var (
				acc       account
				resp      response
				vipReads  int
				lastError error
			)
			So(eventually(30*time.Second, 500*time.Millisecond, func() error {
				acc, resp, lastError = edgeAccount(vipAccount)
				if lastError != nil {
					return lastError
				}
				vipReads++
				if acc.Quote.IPAddress == fallbackIPAddress || acc.ImageData.ServedBy == fallbackImage {
					return fmt.Errorf("fallback in %+v", acc)
				}
				return nil
			}), ShouldBeNil)

			Convey("the answer is 200 with a real quote and imageData from imageservice", func() {
				So(resp.Status, ShouldEqual, http.StatusOK)
				So(acc.ID, ShouldEqual, vipAccount)
				So(acc.Name, ShouldEqual, "Person_0")
				So(acc.Quote.Quote, ShouldNotBeBlank)
				So(acc.Quote.IPAddress, ShouldNotEqual, fallbackIPAddress)
				So(acc.Quote.IPAddress, ShouldEndWith, ":8080") // "<hostname>/<ip>:<port>" of quotes-service
				So(acc.Quote.Language, ShouldEqual, "en")
				So(acc.ImageData.ServedBy, ShouldNotEqual, fallbackImage)
				So(acc.ImageData.URL, ShouldNotBeBlank)
				So(acc.ImageData.URL, ShouldNotEqual, "http://path.to.placeholder")
			})

			Convey("Zipkin knows every service, and the edge's trace holds spans of all five", func() {
				traceID := resp.Header.Get("X-B3-TraceId")
				So(traceID, ShouldNotBeBlank)

				So(eventually(30*time.Second, time.Second, func() error {
					var services []string
					if err := getJSON(zipkinURL+"/api/v2/services", &services); err != nil {
						return err
					}
					have := map[string]bool{}
					for _, s := range services {
						have[s] = true
					}
					if m := missing(landscapeServices, have); len(m) > 0 {
						return fmt.Errorf("/api/v2/services lacks %v (has %v)", m, services)
					}
					return nil
				}), ShouldBeNil)

				var spans []zipkinSpan
				So(eventually(30*time.Second, time.Second, func() error {
					spans = nil
					if err := getJSON(zipkinURL+"/api/v2/trace/"+traceID, &spans); err != nil {
						return err
					}
					have := map[string]bool{}
					for _, s := range spans {
						have[s.LocalEndpoint.ServiceName] = true
					}
					if m := missing(landscapeServices, have); len(m) > 0 {
						names := make([]string, 0, len(have))
						for n := range have {
							names = append(names, n)
						}
						sort.Strings(names)
						return fmt.Errorf("trace %s lacks spans of %v (has %v)", traceID, m, names)
					}
					return nil
				}), ShouldBeNil)

				// vipservice's span continues the trace through the AMQP headers.
				var vipConsumer bool
				for _, s := range spans {
					if s.LocalEndpoint.ServiceName == "vipservice" && s.TraceID == traceID && s.Kind == "CONSUMER" {
						vipConsumer = true
					}
				}
				So(vipConsumer, ShouldBeTrue)
			})

			Convey("vipservice counts the VIP reads", func() {
				So(vipReads, ShouldBeGreaterThan, 0)
				So(eventually(15*time.Second, 200*time.Millisecond, func() error {
					n, err := vipReceived()
					if err != nil {
						return err
					}
					if n < receivedBefore+vipReads {
						return fmt.Errorf("/vip/stats received %d, want at least %d+%d", n, receivedBefore, vipReads)
					}
					return nil
				}), ShouldBeNil)
			})
		})
	})
}
