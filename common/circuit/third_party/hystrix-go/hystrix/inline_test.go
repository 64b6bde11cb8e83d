package hystrix

// goblog: DoInline's tests (not upstream's).

import (
	"context"
	"errors"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

func TestDoInline(t *testing.T) {
	noFallback := fallbackFuncC(nil)
	succeed := func(context.Context) error { return nil }
	fail := func(context.Context) error { return errors.New("i failed") }
	// untilDone is a run that honours its context, as an HTTP request does.
	untilDone := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	fallbackOK := func(context.Context, error) error { return nil }
	collector := func(name string) func() *metricCollectorView {
		return func() *metricCollectorView {
			cb, _, err := GetCircuit(name)
			So(err, ShouldBeNil)
			c := cb.metrics.DefaultCollector()
			now := time.Now()
			return &metricCollectorView{
				requests:         c.NumRequests().Sum(now),
				successes:        c.Successes().Sum(now),
				failures:         c.Failures().Sum(now),
				timeouts:         c.Timeouts().Sum(now),
				shortCircuits:    c.ShortCircuits().Sum(now),
				rejects:          c.Rejects().Sum(now),
				canceled:         c.ContextCanceled().Sum(now),
				deadlineExceeded: c.ContextDeadlineExceeded().Sum(now),
				fallbackOK:       c.FallbackSuccesses().Sum(now),
				fallbackFailed:   c.FallbackFailures().Sum(now),
				active:           cb.executorPool.ActiveCount(),
			}
		}
	}

	Convey("Given a circuit with a 20 ms timeout", t, func() {
		defer Flush()
		ConfigureCommand("inline", CommandConfig{Timeout: 20, MaxConcurrentRequests: 1})
		metrics := collector("inline")

		Convey("a run that succeeds returns nil, counted as a success before DoInline returns", func() {
			So(DoInline(context.Background(), "inline", succeed, noFallback), ShouldBeNil)
			m := metrics()
			So(m.requests, ShouldEqual, 1)
			So(m.successes, ShouldEqual, 1)
			So(m.active, ShouldEqual, 0)
		})

		Convey("calls one after the other never find the single ticket taken", func() {
			for range 200 {
				So(DoInline(context.Background(), "inline", succeed, noFallback), ShouldBeNil)
			}
			So(metrics().successes, ShouldEqual, 200)
			So(metrics().rejects, ShouldEqual, 0)
		})

		Convey("a run that fails without a fallback returns its error", func() {
			err := DoInline(context.Background(), "inline", fail, noFallback)
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldEqual, "i failed")
			So(metrics().failures, ShouldEqual, 1)
		})

		Convey("a run that fails with a fallback that answers returns nil", func() {
			var got error
			err := DoInline(context.Background(), "inline", fail, func(_ context.Context, err error) error {
				got = err
				return nil
			})
			So(err, ShouldBeNil)
			So(got.Error(), ShouldEqual, "i failed")
			So(metrics().failures, ShouldEqual, 1)
			So(metrics().fallbackOK, ShouldEqual, 1)
		})

		Convey("a fallback that fails returns both errors, as DoC does", func() {
			err := DoInline(context.Background(), "inline", fail, func(context.Context, error) error {
				return errors.New("fallback failed")
			})
			So(err.Error(), ShouldEqual, "fallback failed with 'fallback failed'. run error was 'i failed'")
			So(metrics().fallbackFailed, ShouldEqual, 1)
		})

		Convey("a run still going at the timeout has its context ended and returns ErrTimeout", func() {
			err := DoInline(context.Background(), "inline", untilDone, noFallback)
			So(err, ShouldResemble, ErrTimeout)
			m := metrics()
			So(m.timeouts, ShouldEqual, 1)
			So(m.failures, ShouldEqual, 0)
			So(m.active, ShouldEqual, 0)
		})

		Convey("the fallback gets ErrTimeout", func() {
			var got error
			err := DoInline(context.Background(), "inline", untilDone, func(_ context.Context, err error) error {
				got = err
				return nil
			})
			So(err, ShouldBeNil)
			So(got, ShouldResemble, ErrTimeout)
			So(metrics().fallbackOK, ShouldEqual, 1)
		})

		Convey("a run that succeeds only after the timeout is a timeout", func() {
			late := func(ctx context.Context) error { <-ctx.Done(); return nil }
			So(DoInline(context.Background(), "inline", late, noFallback), ShouldResemble, ErrTimeout)
			So(metrics().successes, ShouldEqual, 0)
		})

		Convey("a caller whose context is cancelled gets context.Canceled", func() {
			ctx, cancel := context.WithCancel(context.Background())
			err := DoInline(ctx, "inline", func(runCtx context.Context) error {
				cancel()
				return untilDone(runCtx)
			}, noFallback)
			So(err, ShouldEqual, context.Canceled)
			m := metrics()
			So(m.canceled, ShouldEqual, 1)
			So(m.timeouts, ShouldEqual, 0)
		})

		Convey("a caller's deadline before the timeout gives context.DeadlineExceeded", func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			defer cancel()
			err := DoInline(ctx, "inline", untilDone, fallbackOK)
			So(err, ShouldBeNil)
			m := metrics()
			So(m.deadlineExceeded, ShouldEqual, 1)
			So(m.timeouts, ShouldEqual, 0)
			So(m.fallbackOK, ShouldEqual, 1)
		})

		Convey("with the only ticket taken, the call is rejected without running", func() {
			cb, _, _ := GetCircuit("inline")
			ticket := <-cb.executorPool.Tickets
			defer func() { cb.executorPool.Tickets <- ticket }()
			ran := false
			err := DoInline(context.Background(), "inline", func(context.Context) error { ran = true; return nil }, noFallback)
			So(err, ShouldResemble, ErrMaxConcurrency)
			So(ran, ShouldBeFalse)
			So(metrics().rejects, ShouldEqual, 1)
		})

		Convey("with the circuit forced open, the call short-circuits without running", func() {
			cb, _, _ := GetCircuit("inline")
			So(cb.toggleForceOpen(true), ShouldBeNil)
			ran := false
			err := DoInline(context.Background(), "inline", func(context.Context) error { ran = true; return nil }, noFallback)
			So(err, ShouldResemble, ErrCircuitOpen)
			So(ran, ShouldBeFalse)
			So(metrics().shortCircuits, ShouldEqual, 1)
		})
	})

	Convey("Given a circuit that opens after 5 requests at 50 % errors and tests again after 10 ms", t, func() {
		defer Flush()
		ConfigureCommand("inline-open", CommandConfig{
			RequestVolumeThreshold: 5, ErrorPercentThreshold: 50, SleepWindow: 10,
		})
		cb, _, err := GetCircuit("inline-open")
		So(err, ShouldBeNil)

		for range 5 {
			_ = DoInline(context.Background(), "inline-open", fail, fallbackOK)
		}
		So(DoInline(context.Background(), "inline-open", succeed, noFallback), ShouldResemble, ErrCircuitOpen)
		So(cb.IsOpen(), ShouldBeTrue)

		Convey("a success after the sleep window closes it", func() {
			deadline := time.Now().Add(5 * time.Second)
			for cb.IsOpen() && time.Now().Before(deadline) {
				_ = DoInline(context.Background(), "inline-open", succeed, fallbackOK)
			}
			So(cb.IsOpen(), ShouldBeFalse)
			So(DoInline(context.Background(), "inline-open", succeed, noFallback), ShouldBeNil)
		})
	})
}

// metricCollectorView is what TestDoInline reads of a circuit's counts.
type metricCollectorView struct {
	requests, successes, failures, timeouts, shortCircuits, rejects float64
	canceled, deadlineExceeded, fallbackOK, fallbackFailed          float64
	active                                                          int
}
