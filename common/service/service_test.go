package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openzipkin/zipkin-go/model"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/config"
	"github.com/goblog/common/tracing"
)

func TestMainExitStatus(t *testing.T) {
	Convey("Given a service run by Main", t, func() {
		Convey("run gets a live context, the instance address and the arguments; nil exits 0", func() {
			var gotArgs []string
			var gotServedBy string
			var ctxErr error
			status := Main("testservice", []string{"-profile", "test"}, func(ctx context.Context, log *logrus.Logger, servedBy string, args []string) error {
				gotArgs, gotServedBy, ctxErr = args, servedBy, ctx.Err()
				So(log.GetLevel(), ShouldEqual, logrus.InfoLevel)
				return nil
			})
			So(status, ShouldEqual, 0)
			So(gotArgs, ShouldResemble, []string{"-profile", "test"})
			So(gotServedBy, ShouldNotBeEmpty)
			So(ctxErr, ShouldBeNil)
		})

		Convey("-h exits 0", func() {
			status := Main("testservice", []string{"-h"}, func(context.Context, *logrus.Logger, string, []string) error {
				return fmt.Errorf("parsing: %w", flag.ErrHelp)
			})
			So(status, ShouldEqual, 0)
		})
	})

	Convey("Given the error run returned, the exit status is 1 and the error is logged", t, func() {
		log, hook := test.NewNullLogger()
		So(exitStatus(log, "testservice", nil), ShouldEqual, 0)
		So(exitStatus(log, "testservice", flag.ErrHelp), ShouldEqual, 0)
		So(hook.AllEntries(), ShouldBeEmpty)

		So(exitStatus(log, "testservice", errors.New("port in use")), ShouldEqual, 1)
		entry := hook.LastEntry()
		So(entry, ShouldNotBeNil)
		So(entry.Level, ShouldEqual, logrus.ErrorLevel)
		So(entry.Message, ShouldEqual, "testservice stopped")
		So(fmt.Sprint(entry.Data[logrus.ErrorKey]), ShouldEqual, "port in use")
	})
}

func TestLoadConfig(t *testing.T) {
	Convey("Given a local config repository for testservice", t, func() {
		dir := t.TempDir()
		So(os.WriteFile(filepath.Join(dir, "testservice-test.yml"), []byte("server_port: 7000\n"), 0o644), ShouldBeNil)
		So(os.WriteFile(filepath.Join(dir, "application.yml"), []byte("server_port: 1\nlog_level: warn\n"), 0o644), ShouldBeNil)
		log, _ := test.NewNullLogger()
		args := func(more ...string) []string {
			return append([]string{"-configDir", dir, "-configAttempts", "1"}, more...)
		}

		Convey("LoadConfig parses the flags and loads the profile, most specific first", func() {
			flags, store, err := LoadConfig(context.Background(), "testservice", args("-profile", "test"), log)
			So(err, ShouldBeNil)
			So(flags.Profile, ShouldEqual, "test")
			So(store.Current().Int("server_port", 0), ShouldEqual, 7000)
			So(store.Current().String("log_level", ""), ShouldEqual, "warn")
		})

		Convey("a repository with nothing for the service fails, naming the profile", func() {
			empty := []string{"-configDir", t.TempDir(), "-configAttempts", "5", "-profile", "test"}
			_, _, err := LoadConfig(context.Background(), "testservice", empty, log)
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldStartWith, "loading configuration (profile test): ")
			So(errors.Is(err, config.ErrNoPropertySources), ShouldBeTrue)
		})

		Convey("-h is flag.ErrHelp, an unknown flag an error", func() {
			_, _, err := LoadConfig(context.Background(), "testservice", []string{"-h"}, log)
			So(errors.Is(err, flag.ErrHelp), ShouldBeTrue)
			_, _, err = LoadConfig(context.Background(), "testservice", []string{"-port", "1"}, log)
			So(err, ShouldNotBeNil)
			So(errors.Is(err, flag.ErrHelp), ShouldBeFalse)
		})
	})
}

func TestLogConfig(t *testing.T) {
	Convey("Given a configuration with a password and a value still encrypted", t, func() {
		log, hook := test.NewNullLogger()
		snap := config.Merge([]config.PropertySource{{Name: "testservice-test.yml", Source: map[string]any{
			"amqp_server_url": "amqp://guest:hunter2@rabbitmq:5672/",
			"db_password":     "{cipher}abc123",
			"server_port":     7000,
		}}})

		LogConfig(log, "configuration resolved", snap)

		Convey("it logs every key masked and the sources, then warns about the encrypted key", func() {
			entries := hook.AllEntries()
			So(entries, ShouldHaveLength, 2)
			So(entries[0].Level, ShouldEqual, logrus.InfoLevel)
			So(entries[0].Message, ShouldEqual, "configuration resolved")
			So(entries[0].Data["config"], ShouldResemble, snap.Masked())
			So(fmt.Sprint(entries[0].Data["config"]), ShouldNotContainSubstring, "hunter2")
			So(entries[0].Data["sources"], ShouldResemble, []string{"testservice-test.yml"})
			So(entries[1].Level, ShouldEqual, logrus.WarnLevel)
			So(entries[1].Data["keys"], ShouldResemble, []string{"db_password"})
		})
	})
}

func TestRejectRefresh(t *testing.T) {
	Convey("A rejected refreshed value is a warning naming the key and the reason", t, func() {
		log, hook := test.NewNullLogger()
		RejectRefresh(log, "log_level", errors.New(`config: log_level: "loud" is not a log level`))
		entry := hook.LastEntry()
		So(entry, ShouldNotBeNil)
		So(entry.Level, ShouldEqual, logrus.WarnLevel)
		So(entry.Data["key"], ShouldEqual, "log_level")
		So(fmt.Sprint(entry.Data[logrus.ErrorKey]), ShouldContainSubstring, `"loud" is not a log level`)
	})
}

// failingReporter cannot send its last spans.
type failingReporter struct{}

func (failingReporter) Send(model.SpanModel) {}
func (failingReporter) Close() error         { return errors.New("zipkin unreachable") }

func TestFlushSpans(t *testing.T) {
	Convey("Given a tracer whose last spans cannot be sent", t, func() {
		log, hook := test.NewNullLogger()
		tracer, err := tracing.New("testservice", "127.0.0.1:7000", "", tracing.WithReporter(failingReporter{}))
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

func TestShutdownDrain(t *testing.T) {
	snapOf := func(src map[string]any) *config.Snapshot {
		return config.Merge([]config.PropertySource{{Name: "test.yml", Source: src}})
	}
	Convey("shutdown_drain is 0 when absent, a duration up to a minute when set, and a clear error otherwise", t, func() {
		for _, c := range []struct {
			src  map[string]any
			want time.Duration
			err  string
		}{
			{map[string]any{}, 0, ""},
			{map[string]any{"shutdown_drain": "12s"}, 12 * time.Second, ""},
			{map[string]any{"shutdown_drain": 1500}, 1500 * time.Millisecond, ""},
			{map[string]any{"shutdown_drain": "1m"}, time.Minute, ""},
			{map[string]any{"shutdown_drain": "later"}, 0, `config: shutdown_drain: "later" is not a duration`},
			{map[string]any{"shutdown_drain": "-1s"}, 0, `config: shutdown_drain: "-1s" is not a duration from 0s to 1m0s`},
			{map[string]any{"shutdown_drain": "2m"}, 0, `config: shutdown_drain: "2m0s" is not a duration from 0s to 1m0s`},
		} {
			d, err := ShutdownDrain(snapOf(c.src))
			if c.err == "" {
				So(err, ShouldBeNil)
			} else {
				So(err, ShouldNotBeNil)
				So(err.Error(), ShouldStartWith, c.err)
			}
			So(d, ShouldEqual, c.want)
		}
	})
}

func TestReloadedAMQPURL(t *testing.T) {
	Convey("Given a store loaded from a repository whose amqp_server_url then changes", t, func() {
		dir := t.TempDir()
		file := filepath.Join(dir, "testservice-test.yml")
		So(os.WriteFile(file, []byte("amqp_server_url: amqp://goblog:old@rabbitmq:5672/\n"), 0o644), ShouldBeNil)
		log, _ := test.NewNullLogger()
		store := config.NewStore(config.NewLocalLoader(dir, "testservice", "test"), log)
		So(store.Reload(context.Background()), ShouldBeNil)
		refresh := ReloadedAMQPURL(store)

		Convey("the refresh reloads and returns the new URL", func() {
			So(os.WriteFile(file, []byte("amqp_server_url: amqp://goblog:new@rabbitmq:5672/\n"), 0o644), ShouldBeNil)
			u, err := refresh(context.Background())
			So(err, ShouldBeNil)
			So(u, ShouldEqual, "amqp://goblog:new@rabbitmq:5672/")
		})
		Convey("a URL that is gone or invalid is an error naming the key", func() {
			So(os.WriteFile(file, []byte("log_level: info\n"), 0o644), ShouldBeNil)
			_, err := refresh(context.Background())
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "amqp_server_url")

			So(os.WriteFile(file, []byte("amqp_server_url: http://rabbitmq/\n"), 0o644), ShouldBeNil)
			_, err = refresh(context.Background())
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "amqp_server_url")
		})
	})
}
