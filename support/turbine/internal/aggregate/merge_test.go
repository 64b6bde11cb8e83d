package aggregate

import (
	"bytes"
	"encoding/json"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

func decode(t *testing.T, s string) Event {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var ev Event
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
	return ev
}

// roundTrip shows a merged event as a client of the stream sees it.
func roundTrip(t *testing.T, ev Event) map[string]any {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatalf("encoding: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return out
}

func TestMerge(t *testing.T) {
	Convey("Given the latest event of two hosts for one command", t, func() {
		a := decode(t, `{"type":"HystrixCommand","name":"quotes-service","group":"quotes-service","currentTime":1000,"reportingHosts":1,
			"rollingCountSuccess":3,"requestCount":4,"errorPercentage":10,"latencyExecute_mean":7,"isCircuitBreakerOpen":false,
			"latencyExecute":{"50":10,"90":20,"99.5":30},
			"propertyValue_circuitBreakerSleepWindowInMilliseconds":5000,"propertyValue_circuitBreakerForceOpen":false,
			"propertyValue_executionIsolationStrategy":"THREAD",
			"propertyValue_metricsRollingStatisticalWindowInMilliseconds":10000,"onlyOnA":1.5}`)
		b := decode(t, `{"type":"HystrixCommand","name":"quotes-service","group":"quotes-service","currentTime":2000,"reportingHosts":1,
			"rollingCountSuccess":4,"requestCount":6,"errorPercentage":30,"latencyExecute_mean":9,"isCircuitBreakerOpen":true,
			"latencyExecute":{"50":30,"90":40,"99.5":50},
			"propertyValue_circuitBreakerSleepWindowInMilliseconds":5000,"propertyValue_circuitBreakerForceOpen":true,
			"propertyValue_executionIsolationStrategy":"SEMAPHORE",
			"propertyValue_metricsRollingStatisticalWindowInMilliseconds":10000,"onlyOnA":2}`)

		Convey("When they are merged", func() {
			m := roundTrip(t, Merge([]Event{a, b}))

			Convey("Then counters and the sums the dashboard averages are summed", func() {
				So(m["rollingCountSuccess"], ShouldEqual, 7)
				So(m["requestCount"], ShouldEqual, 10)
				So(m["errorPercentage"], ShouldEqual, 40)
				So(m["latencyExecute_mean"], ShouldEqual, 16)
				So(m["propertyValue_metricsRollingStatisticalWindowInMilliseconds"], ShouldEqual, 20000)
				So(m["onlyOnA"], ShouldEqual, 3.5)
			})
			Convey("Then percentiles are summed key by key", func() {
				So(m["latencyExecute"], ShouldResemble, map[string]any{"50": 40.0, "90": 60.0, "99.5": 80.0})
			})
			Convey("Then the circuit is open because one host has it open", func() {
				So(m["isCircuitBreakerOpen"], ShouldEqual, true)
			})
			Convey("Then reportingHosts counts the hosts and currentTime is the newest", func() {
				So(m["reportingHosts"], ShouldEqual, 2)
				So(m["currentTime"], ShouldEqual, 2000)
			})
			Convey("Then properties and strings come from the first host", func() {
				So(m["propertyValue_circuitBreakerSleepWindowInMilliseconds"], ShouldEqual, 5000)
				So(m["propertyValue_circuitBreakerForceOpen"], ShouldEqual, false)
				So(m["propertyValue_executionIsolationStrategy"], ShouldEqual, "THREAD")
				So(m["name"], ShouldEqual, "quotes-service")
				So(m["type"], ShouldEqual, "HystrixCommand")
			})
			Convey("Then the inputs are left untouched", func() {
				So(a["rollingCountSuccess"], ShouldEqual, json.Number("3"))
				So(a["latencyExecute"], ShouldResemble, map[string]any{"50": json.Number("10"), "90": json.Number("20"), "99.5": json.Number("30")})
			})
		})
	})

	Convey("Given hosts that all have the circuit closed, the merged circuit is closed", t, func() {
		m := Merge([]Event{
			decode(t, `{"type":"HystrixCommand","name":"x","isCircuitBreakerOpen":false}`),
			decode(t, `{"type":"HystrixCommand","name":"x","isCircuitBreakerOpen":false}`),
		})
		So(m["isCircuitBreakerOpen"], ShouldEqual, false)
	})

	Convey("Given nothing, Merge returns nil", t, func() {
		So(Merge(nil), ShouldBeNil)
	})
}
