package systest

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// RequestThroughTheEdge: GET /api/accounts/10000 through the edge answers 200
// with the account, a real quote from quotes-service and imageData from
// imageservice; the edge's trace holds spans of all five services, vipservice's
// continuing it from the AMQP headers; vipservice counts the VIP reads.
// (Issue 3, integration 3-5; issue 4, checks 2 and 6.)
func RequestThroughTheEdge(t *testing.T, env Environment) {
	b := env.Bounds()
	Convey("Given the "+env.Name()+" and vipservice's count of VIP notifications", t, func() {
		receivedBefore, err := VIPCount(env, "received")
		So(err, ShouldBeNil)

		Convey("When GET /api/accounts/10000 goes through the edge", func() {
			// A JVM's first requests may be slow enough for the breaker's
			// timeout; the read that counts is the first one with real answers
			// from both downstreams, and every one must be a 200.
			var (
				acc      Account
				resp     Response
				vipReads int
			)
			So(Eventually(b.FirstRead, time.Second, func() error {
				var err error
				if acc, resp, err = ReadAccount(NewClient(), env.EdgeURL(), VIPAccount); err != nil {
					return err
				}
				vipReads++
				return RealAnswers(acc)
			}), ShouldBeNil)

			Convey("the answer is 200 with the account, a real quote and imageData from imageservice", func() {
				So(resp.Status, ShouldEqual, http.StatusOK)
				So(acc.ID, ShouldEqual, VIPAccount)
				So(acc.Name, ShouldEqual, "Person_0")
				So(acc.ServedBy, ShouldNotBeBlank)
				So(acc.Quote.Quote, ShouldNotBeBlank)
				So(acc.Quote.IPAddress, ShouldNotEqual, FallbackIPAddress)
				So(acc.Quote.IPAddress, ShouldEndWith, ":8080") // "<hostname>/<ip>:<port>" of quotes-service
				So(acc.Quote.Language, ShouldEqual, "en")
				So(acc.ImageData.ServedBy, ShouldNotEqual, FallbackImage)
				So(acc.ImageData.URL, ShouldStartWith, "http")
				So(acc.ImageData.URL, ShouldNotEqual, "http://path.to.placeholder")
			})

			Convey("Zipkin knows every service, and the edge's trace holds spans of all five", func() {
				traceID := resp.Header.Get("X-B3-TraceId")
				So(traceID, ShouldNotBeBlank)

				So(Eventually(b.Telemetry, time.Second, func() error {
					var services []string
					if err := GetJSON(env.ZipkinURL()+"/api/v2/services", &services); err != nil {
						return err
					}
					if m := missing(tracedServices(), services); len(m) > 0 {
						return fmt.Errorf("/api/v2/services lacks %v (has %v)", m, services)
					}
					return nil
				}), ShouldBeNil)

				var spans []zipkinSpan
				So(Eventually(b.Telemetry, time.Second, func() error {
					spans = nil
					if err := GetJSON(env.ZipkinURL()+"/api/v2/trace/"+traceID, &spans); err != nil {
						return err
					}
					var names []string
					for _, s := range spans {
						names = append(names, s.LocalEndpoint.ServiceName)
					}
					slices.Sort(names)
					names = slices.Compact(names)
					if m := missing(tracedServices(), names); len(m) > 0 {
						return fmt.Errorf("trace %s lacks spans of %v (has %v)", traceID, m, names)
					}
					return nil
				}), ShouldBeNil)

				// vipservice's span continues the trace through the AMQP headers.
				So(slices.ContainsFunc(spans, func(s zipkinSpan) bool {
					return s.LocalEndpoint.ServiceName == "vipservice" && s.TraceID == traceID && s.Kind == "CONSUMER"
				}), ShouldBeTrue)
			})

			Convey("vipservice counts the VIP reads", func() {
				So(vipReads, ShouldBeGreaterThan, 0)
				So(Eventually(b.Telemetry, time.Second, func() error {
					n, err := VIPCount(env, "received")
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

// zipkinSpan is the part of a Zipkin v2 span the stories read.
type zipkinSpan struct {
	TraceID       string `json:"traceId"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	LocalEndpoint struct {
		ServiceName string `json:"serviceName"`
	} `json:"localEndpoint"`
}

// missing lists the names of want that are not in have.
func missing(want, have []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}

// breakerSlack is what a read through the edge may take on top of the
// breaker's timeout: the edge, accountservice's handler, the hops between.
const breakerSlack = time.Second

// QuotesServiceOutage: with quotes-service gone every read through the edge
// still answers 200 with the fallback quote before the breaker's timeout (plus
// breakerSlack) has passed, the circuit shows open on turbine.stream, and real
// quotes come back after quotes-service is back and the sleep window has
// passed. (Issue 3, integration 6; issue 4, check 4.)
//
// "Before the breaker's timeout" is the deadline of the client that reads, set
// from the timeout accountservice reports in /info: a read that takes longer
// fails as a client timeout. The story measures no time itself.
func QuotesServiceOutage(t *testing.T, env Environment) {
	b := env.Bounds()
	Convey("Given quotes-service running and accountservice's circuit for it", t, func() {
		accounts, err := env.Instances("accountservice")
		So(err, ShouldBeNil)
		info, err := InfoOf(env, accounts[0])
		So(err, ShouldBeNil)
		circuit, ok := info.Circuits["quotes-service"]
		So(ok, ShouldBeTrue)
		So(circuit.TimeoutMs, ShouldBeGreaterThan, 0)
		within := &http.Client{Timeout: time.Duration(circuit.TimeoutMs)*time.Millisecond + breakerSlack}
		// Enough failures in one rolling window to trip the breaker.
		requests := 2 * max(circuit.RequestVolumeThreshold, 10)

		before, err := env.Instances("quotes-service")
		So(err, ShouldBeNil)

		Convey("When quotes-service is stopped", func() {
			start, err := env.Stop("quotes-service")
			// Whatever happens below, quotes-service runs again afterwards.
			t.Cleanup(func() {
				if start == nil {
					return
				}
				if err := start(); err != nil {
					t.Errorf("starting quotes-service again: %v", err)
				}
			})
			So(err, ShouldBeNil)

			Convey(fmt.Sprintf("%d reads through the edge answer 200 with the fallback quote within the breaker's timeout (%d ms)",
				requests, circuit.TimeoutMs), func() {
				for n := range requests {
					id := strconv.Itoa(10001 + n%99) // not the VIP: no notification per read
					acc, _, err := ReadAccount(within, env.EdgeURL(), id)
					So(err, ShouldBeNil)
					So(acc.ID, ShouldEqual, id)
					So(acc.Quote.IPAddress, ShouldEqual, FallbackIPAddress)
					So(acc.Quote.Quote, ShouldEqual, FallbackQuote)
				}

				Convey("turbine.stream shows the quotes-service circuit open", func() {
					ev, err := WaitForStreamEvent(env.TurbineStreamURL(), b.Telemetry, func(ev HystrixEvent) bool {
						return ev.Type == "HystrixCommand" && ev.Name == "quotes-service" && ev.IsCircuitBreakerOpen
					})
					So(err, ShouldBeNil)
					So(ev.ReportingHosts, ShouldBeGreaterThanOrEqualTo, 1)

					Convey("and when quotes-service is back, a new instance, real quotes return after the sleep window", func() {
						So(start(), ShouldBeNil)
						after, err := env.Instances("quotes-service")
						So(err, ShouldBeNil)
						for _, old := range before {
							So(slices.ContainsFunc(after, func(i Instance) bool { return i.ID == old.ID }), ShouldBeFalse)
						}

						window := time.Duration(circuit.SleepWindowMs) * time.Millisecond
						var acc Account
						So(Eventually(window+b.Recovery, time.Second, func() error {
							var err error
							if acc, _, err = ReadAccount(NewClient(), env.EdgeURL(), "10001"); err != nil {
								return err
							}
							return RealAnswers(acc)
						}), ShouldBeNil)
						So(acc.Quote.Quote, ShouldNotEqual, FallbackQuote)
					})
				})
			})
		})
	})
}

// ConfigRefreshThroughTheBus: a changed value in the configuration the config
// server serves reaches the running accountservice once the refresh is
// announced on the bus, not before, and without a restart: the same instance
// shows it in /info. The change is put back the same way afterwards. (Issue 3,
// integration 2; issue 4, check 5.)
func ConfigRefreshThroughTheBus(t *testing.T, env Environment) {
	b := env.Bounds()
	Convey("Given a running accountservice instance and its log_level", t, func() {
		accounts, err := env.Instances("accountservice")
		So(err, ShouldBeNil)
		inst := accounts[0]
		info, err := InfoOf(env, inst)
		So(err, ShouldBeNil)
		oldLevel, _ := info.Config["log_level"].(string)
		So(oldLevel, ShouldNotBeBlank)
		newLevel := "debug"
		if oldLevel == newLevel {
			newLevel = "warn"
		}
		levelIs := func(want string) func() error {
			return func() error {
				i, err := InfoOf(env, inst)
				if err != nil {
					return err
				}
				if got := i.Config["log_level"]; got != want {
					return fmt.Errorf("/info of %s: log_level %v, want %s", inst.ID, got, want)
				}
				return nil
			}
		}

		Convey("When the config server serves log_level: "+newLevel+" for accountservice", func() {
			restore, err := env.SetConfig("accountservice", "log_level", newLevel)
			t.Cleanup(func() {
				if restore == nil {
					return
				}
				if err := restore(); err != nil {
					t.Errorf("putting accountservice's configuration back: %v", err)
					return
				}
				if err := env.AnnounceRefresh("accountservice"); err != nil {
					t.Errorf("refresh after the restore: %v", err)
				}
				if err := Eventually(b.Refresh, time.Second, levelIs(oldLevel)); err != nil {
					t.Errorf("accountservice after the restore: %v", err)
				}
			})
			So(err, ShouldBeNil)
			// The config server serves what it has; nobody told accountservice.
			So(levelIs(oldLevel)(), ShouldBeNil)

			Convey("and the refresh is announced on the bus", func() {
				So(env.AnnounceRefresh("accountservice"), ShouldBeNil)

				Convey("the same accountservice instance shows the new log_level in /info", func() {
					So(Eventually(b.Refresh, 200*time.Millisecond, levelIs(newLevel)), ShouldBeNil)
					So(env.StillRunning(inst), ShouldBeNil)
				})
			})
		})
	})
}
