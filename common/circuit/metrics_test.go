package circuit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	. "github.com/smartystreets/goconvey/convey"
)

func TestMetrics(t *testing.T) {
	Convey("Given a client measured by Metrics, retrying once", t, func() {
		reg := prometheus.NewRegistry()
		m := NewMetrics(reg)
		client := NewClient(nil, WithAttempts(1), WithMetrics(m))
		name := circuitName(t)
		Configure(name, fastSettings())
		fb := &fallbackRecorder{}
		calls := func(outcome string) float64 {
			return testutil.ToFloat64(m.calls.WithLabelValues(name, outcome))
		}
		open := func() float64 {
			mfs, err := reg.Gather()
			So(err, ShouldBeNil)
			for _, mf := range mfs {
				if mf.GetName() != "goblog_circuit_open" {
					continue
				}
				for _, metric := range mf.GetMetric() {
					if metric.GetLabel()[0].GetValue() == name {
						return metric.GetGauge().GetValue()
					}
				}
			}
			return -1 // no series
		}

		Convey("a 2xx and a 4xx count as success, and the circuit shows closed", func() {
			ok, notFound := newDownstream(http.StatusOK), newDownstream(http.StatusNotFound)
			defer ok.Close()
			defer notFound.Close()
			_, err := client.Get(context.Background(), name, ok.URL, fb.fn)
			So(err, ShouldBeNil)
			_, err = client.Get(context.Background(), name, notFound.URL, fb.fn)
			So(err, ShouldNotBeNil)
			So(calls(OutcomeSuccess), ShouldEqual, 2)
			So(open(), ShouldEqual, 0)
		})

		Convey("a 500 answered by the fallback counts failure and fallback_success", func() {
			d := newDownstream(http.StatusInternalServerError)
			defer d.Close()
			_, err := client.Get(context.Background(), name, d.URL, fb.fn)
			So(err, ShouldBeNil)
			So(calls(OutcomeFailure), ShouldEqual, 1)
			So(calls(OutcomeFallbackSuccess), ShouldEqual, 1)
			So(calls(OutcomeSuccess), ShouldEqual, 0)
		})

		Convey("a failing fallback counts fallback_failure; no fallback, only the failure", func() {
			d := newDownstream(http.StatusBadGateway)
			defer d.Close()
			_, err := client.Get(context.Background(), name, d.URL, func(context.Context, error) ([]byte, error) {
				return nil, errors.New("no default either")
			})
			So(err, ShouldNotBeNil)
			_, err = client.Get(context.Background(), name, d.URL, nil)
			So(err, ShouldNotBeNil)
			So(calls(OutcomeFailure), ShouldEqual, 2)
			So(calls(OutcomeFallbackFailure), ShouldEqual, 1)
		})

		Convey("a call beyond the circuit's timeout counts timeout", func() {
			s := fastSettings()
			s.Timeout = 20 * time.Millisecond
			Configure(name, s)
			hang := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
			defer hang.Close()
			_, err := client.Get(context.Background(), name, hang.URL, fb.fn)
			So(err, ShouldBeNil)
			So(calls(OutcomeTimeout), ShouldEqual, 1)
			So(calls(OutcomeFallbackSuccess), ShouldEqual, 1)
		})

		Convey("once failures open the circuit, calls count short_circuited and the gauge shows 1", func() {
			d := newDownstream(http.StatusInternalServerError)
			defer d.Close()
			opened := eventually(func() bool {
				_, _ = client.Get(context.Background(), name, d.URL, fb.fn)
				return errors.Is(fb.lastErr(), ErrOpen)
			})
			So(opened, ShouldBeTrue)
			So(calls(OutcomeShortCircuited), ShouldBeGreaterThanOrEqualTo, 1)
			So(open(), ShouldEqual, 1)
		})
	})
}
