package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/openzipkin/zipkin-go"
	"github.com/openzipkin/zipkin-go/reporter/recorder"
	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/config"
)

func lines(buf *bytes.Buffer) []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			m = map[string]any{"unparsable": l}
		}
		out = append(out, m)
	}
	return out
}

func TestLogger(t *testing.T) {
	Convey("Given a logger for accountservice at level info", t, func() {
		var buf bytes.Buffer
		log := NewWithWriter(&buf, "accountservice", "10.0.0.5", "info")

		Convey("each entry is one JSON object with service and instance", func() {
			log.WithField("accountId", "10000").Info("read account")
			got := lines(&buf)
			So(got, ShouldHaveLength, 1)
			So(got[0]["service"], ShouldEqual, "accountservice")
			So(got[0]["instance"], ShouldEqual, "10.0.0.5")
			So(got[0]["accountId"], ShouldEqual, "10000")
			So(got[0]["msg"], ShouldEqual, "read account")
			So(got[0]["level"], ShouldEqual, "info")
		})

		Convey("debug entries are dropped until the level is lowered", func() {
			log.Debug("hidden")
			So(SetLevel(log, "DEBUG"), ShouldBeNil)
			log.Debug("shown")
			got := lines(&buf)
			So(got, ShouldHaveLength, 1)
			So(got[0]["msg"], ShouldEqual, "shown")
		})

		Convey("an entry made WithContext carries the trace of the span in the context", func() {
			tracer, err := zipkin.NewTracer(recorder.NewReporter())
			So(err, ShouldBeNil)
			sp, ctx := tracer.StartSpanFromContext(context.Background(), "GET /accounts/{id}")
			WithContext(log, ctx).Info("traced")
			WithContext(log, context.Background()).Info("untraced")

			got := lines(&buf)
			So(got, ShouldHaveLength, 2)
			So(got[0]["traceId"], ShouldEqual, sp.Context().TraceID.String())
			So(got[0]["spanId"], ShouldEqual, sp.Context().ID.String())
			So(got[1], ShouldNotContainKey, "traceId")
		})
	})

	Convey("Given an invalid level at creation", t, func() {
		var buf bytes.Buffer
		log := NewWithWriter(&buf, "vipservice", "host", "loud")

		Convey("the logger stays at info and says why", func() {
			So(log.GetLevel(), ShouldEqual, logrus.InfoLevel)
			got := lines(&buf)
			So(got, ShouldHaveLength, 1)
			So(got[0]["level"], ShouldEqual, "warning")
			So(got[0]["error"], ShouldContainSubstring, "loud")
		})
	})
}

func TestSetLevel(t *testing.T) {
	cases := []struct {
		in      string
		want    logrus.Level
		wantErr bool
	}{
		{in: "debug", want: logrus.DebugLevel},
		{in: "INFO", want: logrus.InfoLevel},
		{in: " warn ", want: logrus.WarnLevel},
		{in: "warning", want: logrus.WarnLevel},
		{in: "error", want: logrus.ErrorLevel},
		{in: "trace", want: logrus.TraceLevel},
		{in: "", wantErr: true},
		{in: "verbose", wantErr: true},
	}
	for _, c := range cases {
		log := logrus.New()
		log.SetLevel(logrus.PanicLevel)
		err := SetLevel(log, c.in)
		if c.wantErr {
			if err == nil {
				t.Errorf("SetLevel(%q): want an error", c.in)
			}
			if log.GetLevel() != logrus.PanicLevel {
				t.Errorf("SetLevel(%q) changed the level on error", c.in)
			}
			continue
		}
		if err != nil || log.GetLevel() != c.want {
			t.Errorf("SetLevel(%q) = %v, level %v; want %v", c.in, err, log.GetLevel(), c.want)
		}
		// ParseLevel is the check SetLevel applies, without applying it.
		if lvl, err := ParseLevel(c.in); err != nil || lvl != c.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", c.in, lvl, err, c.want)
		}
	}
	if _, err := ParseLevel("verbose"); err == nil {
		t.Error(`ParseLevel("verbose"): want an error`)
	}
}

func TestLevelFrom(t *testing.T) {
	snapOf := func(src map[string]any) *config.Snapshot {
		return config.Merge([]config.PropertySource{{Name: "t", Source: src}})
	}

	Convey("Given log_level in the configuration", t, func() {
		Convey("a level is read as written; an absent one is info", func() {
			for src, want := range map[string]string{"debug": "debug", "WARN": "WARN", " error ": " error "} {
				level, err := LevelFrom(snapOf(map[string]any{"log_level": src}))
				So(err, ShouldBeNil)
				So(level, ShouldEqual, want)
			}
			level, err := LevelFrom(snapOf(nil))
			So(err, ShouldBeNil)
			So(level, ShouldEqual, "info")
		})

		Convey("anything else is info and an error naming the key, the value and the levels", func() {
			for _, bad := range []any{"loud", "", 3} {
				level, err := LevelFrom(snapOf(map[string]any{"log_level": bad}))
				So(level, ShouldEqual, "info")
				var ve *config.ValueError
				So(errors.As(err, &ve), ShouldBeTrue)
				So(ve.Key, ShouldEqual, "log_level")
			}
			_, err := LevelFrom(snapOf(map[string]any{"log_level": "loud"}))
			So(err.Error(), ShouldEqual, `config: log_level: "loud" is not a log level (trace, debug, info, warn, error, fatal, panic)`)
		})
	})
}
