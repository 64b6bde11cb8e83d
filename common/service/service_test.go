package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/config"
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

		Convey("loadConfig parses the flags and loads the profile, most specific first", func() {
			flags, store, err := loadConfig(context.Background(), "testservice", args("-profile", "test"), log)
			So(err, ShouldBeNil)
			So(flags.Profile, ShouldEqual, "test")
			So(store.Current().String("server_port", ""), ShouldEqual, "7000")
			So(store.Current().String("log_level", ""), ShouldEqual, "warn")
		})

		Convey("a repository with nothing for the service fails, naming the profile", func() {
			empty := []string{"-configDir", t.TempDir(), "-configAttempts", "5", "-profile", "test"}
			_, _, err := loadConfig(context.Background(), "testservice", empty, log)
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldStartWith, "loading configuration (profile test): ")
			So(errors.Is(err, config.ErrNoPropertySources), ShouldBeTrue)
		})

		Convey("-h is flag.ErrHelp, an unknown flag an error", func() {
			_, _, err := loadConfig(context.Background(), "testservice", []string{"-h"}, log)
			So(errors.Is(err, flag.ErrHelp), ShouldBeTrue)
			_, _, err = loadConfig(context.Background(), "testservice", []string{"-port", "1"}, log)
			So(err, ShouldNotBeNil)
			So(errors.Is(err, flag.ErrHelp), ShouldBeFalse)
		})
	})
}

// testSettings is a service's typed settings for TestLoadSettings: the port
// is read at start only, the log level at start and on every refresh.
type testSettings struct {
	Port     string
	LogLevel string
}

func (s testSettings) Fields() map[string]any {
	return map[string]any{"server_port": s.Port, "log_level": s.LogLevel}
}

func TestLoadSettings(t *testing.T) {
	Convey("Given a local config repository and a service's settings functions", t, func() {
		dir := t.TempDir()
		write := func(yml string) {
			So(os.WriteFile(filepath.Join(dir, "testservice-test.yml"), []byte(yml), 0o644), ShouldBeNil)
		}
		write("server_port: 7000\nlog_level: warn\n")
		log, hook := test.NewNullLogger()
		args := []string{"-configDir", dir, "-configAttempts", "1", "-profile", "test"}
		var gotProfile string
		var applied []string
		funcs := SettingsFuncs[testSettings]{
			Read: func(snap *config.Snapshot, profile string) (testSettings, error) {
				gotProfile = profile
				if snap.String("server_port", "") == "bad" {
					return testSettings{}, errors.New("config: server_port: not a port")
				}
				return testSettings{Port: snap.String("server_port", ""), LogLevel: snap.String("log_level", "")}, nil
			},
			Refresh: func(snap *config.Snapshot, current testSettings) (testSettings, error) {
				current.LogLevel = snap.String("log_level", "")
				return current, nil
			},
			Apply: func(s testSettings) { applied = append(applied, s.LogLevel) },
		}

		Convey("the settings are read for the profile, applied and logged once", func() {
			live, store, err := LoadSettings(context.Background(), "testservice", args, log, funcs)
			So(err, ShouldBeNil)
			So(gotProfile, ShouldEqual, "test")
			So(live.Load(), ShouldResemble, testSettings{Port: "7000", LogLevel: "warn"})
			So(applied, ShouldResemble, []string{"warn"})
			So(hook.LastEntry().Message, ShouldEqual, "configuration resolved")
			So(hook.LastEntry().Data["server_port"], ShouldEqual, "7000")

			Convey("and a reload refreshes the live part and applies it; start-only keys stay", func() {
				write("server_port: 7001\nlog_level: debug\n")
				So(store.Reload(context.Background()), ShouldBeNil)
				So(live.Load(), ShouldResemble, testSettings{Port: "7000", LogLevel: "debug"})
				So(applied, ShouldResemble, []string{"warn", "debug"})
				So(hook.LastEntry().Message, ShouldEqual, "configuration refreshed")
			})
		})

		Convey("a bad value fails the start with Read's error, nothing applied", func() {
			write("server_port: bad\n")
			_, _, err := LoadSettings(context.Background(), "testservice", args, log, funcs)
			So(err, ShouldBeError, "config: server_port: not a port")
			So(applied, ShouldBeEmpty)
		})

		Convey("a configuration that does not load fails before Read", func() {
			_, _, err := LoadSettings(context.Background(), "testservice", []string{"-configDir", t.TempDir(), "-configAttempts", "1"}, log, funcs)
			So(errors.Is(err, config.ErrNoPropertySources), ShouldBeTrue)
			So(gotProfile, ShouldBeEmpty)
		})
	})
}
