package tracing

import (
	"errors"
	"fmt"
	"testing"

	"github.com/openzipkin/zipkin-go/model"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"
)

// failingReporter cannot send its last spans.
type failingReporter struct{}

func (failingReporter) Send(model.SpanModel) {}
func (failingReporter) Close() error         { return errors.New("zipkin unreachable") }

func TestFlushSpans(t *testing.T) {
	Convey("Given a tracer whose last spans cannot be sent", t, func() {
		log, hook := test.NewNullLogger()
		tracer, err := New("testservice", "127.0.0.1:7000", "", WithReporter(failingReporter{}))
		So(err, ShouldBeNil)

		Convey("the closer warns and does not fail the shutdown", func() {
			So(FlushSpans(log, tracer)(), ShouldBeNil)
			entry := hook.LastEntry()
			So(entry, ShouldNotBeNil)
			So(entry.Level, ShouldEqual, logrus.WarnLevel)
			So(fmt.Sprint(entry.Data[logrus.ErrorKey]), ShouldContainSubstring, "zipkin unreachable")
		})
	})
}
