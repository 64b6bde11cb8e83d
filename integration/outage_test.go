//go:build landscape

package integration

import (
	"fmt"
	"strconv"
	"syscall"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// Slack on top of the breaker's timeout for what is not the quote call: the
// edge, accountservice's handler and the loopback hops.
const budgetSlack = time.Second

// Issue 3, integration 6: with quotes-service gone every request still
// succeeds with the fallback quote within the breaker's timeout, the circuit
// shows open on turbine.stream, and real quotes come back after a restart.
func TestQuotesServiceOutage(t *testing.T) {
	Convey("Given the landscape with quotes-service running", t, func() {
		i, err := accountserviceInfo()
		So(err, ShouldBeNil)
		settings, ok := i.Circuits["quotes-service"]
		So(ok, ShouldBeTrue)
		So(settings.TimeoutMs, ShouldBeGreaterThan, 0)
		budget := time.Duration(settings.TimeoutMs)*time.Millisecond + budgetSlack
		// Enough failures in one rolling window to trip the breaker.
		requests := 2 * max(settings.RequestVolumeThreshold, 10)

		pid, err := pidOf("quotes-service")
		So(err, ShouldBeNil)
		// Whatever happens below, quotes-service runs again afterwards.
		Reset(func() {
			if _, err := pidOf("quotes-service"); err != nil {
				_, err := landscapeScript(5*time.Minute, "start", "quotes-service")
				So(err, ShouldBeNil)
			}
		})

		Convey("When quotes-service is killed", func() {
			So(syscall.Kill(pid, syscall.SIGKILL), ShouldBeNil)
			So(eventually(20*time.Second, 200*time.Millisecond, func() error {
				if r, err := get(quotesURL + "/actuator/health"); err == nil {
					return fmt.Errorf("quotes-service still answers (%d)", r.Status)
				}
				return nil
			}), ShouldBeNil)

			Convey("every request through the edge is 200 with the fallback quote within the breaker timeout", func() {
				for n := 0; n < requests; n++ {
					id := strconv.Itoa(10001 + n%99) // not the VIP: no notification per request
					acc, resp, err := edgeAccount(id)
					So(err, ShouldBeNil)
					So(acc.ID, ShouldEqual, id)
					So(acc.Quote.IPAddress, ShouldEqual, fallbackIPAddress)
					So(acc.Quote.Quote, ShouldEqual, fallbackQuote)
					So(resp.Elapsed, ShouldBeLessThanOrEqualTo, budget)
				}

				Convey("turbine.stream shows the quotes-service circuit open", func() {
					ev, err := waitForStreamEvent(turbineURL+"/turbine.stream", 30*time.Second, func(ev hystrixEvent) bool {
						return ev.Type == "HystrixCommand" && ev.Name == "quotes-service" && ev.IsCircuitBreakerOpen
					})
					So(err, ShouldBeNil)
					So(ev.ReportingHosts, ShouldBeGreaterThanOrEqualTo, 1)

					Convey("and after quotes-service is started again, real quotes return after the sleep window", func() {
						out, err := landscapeScript(5*time.Minute, "start", "quotes-service")
						So(err, ShouldBeNil)
						So(out, ShouldContainSubstring, "quotes-service")
						newPid, err := pidOf("quotes-service")
						So(err, ShouldBeNil)
						So(newPid, ShouldNotEqual, pid)

						window := time.Duration(settings.SleepWindowMs) * time.Millisecond
						So(eventually(window+30*time.Second, 500*time.Millisecond, func() error {
							acc, _, err := edgeAccount("10001")
							if err != nil {
								return err
							}
							if acc.Quote.IPAddress == fallbackIPAddress {
								return fmt.Errorf("still the fallback quote")
							}
							return nil
						}), ShouldBeNil)
					})
				})
			})
		})
	})
}
