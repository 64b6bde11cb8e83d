package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/bearer"
	"github.com/goblog/common/config"
	"github.com/goblog/common/servicetest"
	"github.com/goblog/vipservice/internal/vip"
)

func TestRun(t *testing.T) {
	Convey("Given vipservice started by run while its broker is unreachable", t, func() {
		dir := t.TempDir()
		port, brokerPort := servicetest.FreePort(t), servicetest.FreePort(t) // nothing listens on brokerPort
		yml := fmt.Sprintf("server_port: %d\namqp_server_url: amqp://guest:guest@127.0.0.1:%d/\nlog_level: warn\n", port, brokerPort)
		So(os.WriteFile(filepath.Join(dir, "vipservice-test.yml"), []byte(yml), 0o644), ShouldBeNil)

		svc := servicetest.Start(t, port, func(ctx context.Context) error {
			return run(ctx, servicetest.QuietLogger(), "10.9.8.7", []string{"-profile", "test", "-configDir", dir, "-configAttempts", "1"})
		})
		status, err := svc.FirstAnswer("/health", servicetest.AnyStatus)
		So(err, ShouldBeNil)
		base := svc.BaseURL

		Convey("it serves, /health says 503, /health/live 200 (within the grace), the stats are zero; cancel stops it cleanly", func() {
			So(status, ShouldEqual, http.StatusServiceUnavailable)
			live, err := http.Get(base + "/health/live")
			So(err, ShouldBeNil)
			live.Body.Close()
			So(live.StatusCode, ShouldEqual, http.StatusOK)
			resp, err := http.Get(base + "/vip/stats")
			So(err, ShouldBeNil)
			var stats map[string]any
			So(json.NewDecoder(resp.Body).Decode(&stats), ShouldBeNil)
			resp.Body.Close()
			So(stats["received"], ShouldEqual, 0)
			So(stats["rejected"], ShouldEqual, 0)
			So(stats["broker"], ShouldStartWith, "DOWN: ")

			// GET /metrics: the request above by its route, the runtime's collectors.
			resp, err = http.Get(base + "/metrics")
			So(err, ShouldBeNil)
			text, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			So(err, ShouldBeNil)
			So(resp.StatusCode, ShouldEqual, http.StatusOK)
			So(string(text), ShouldContainSubstring, `goblog_http_requests_total{code="200",method="GET",route="/vip/stats"} 1`)
			So(string(text), ShouldContainSubstring, "go_goroutines ")
			So(string(text), ShouldContainSubstring, "process_resident_memory_bytes ")

			So(svc.Stop(), ShouldBeNil)
		})
	})

	Convey("Given a configuration without amqp_server_url, run refuses to start and says why", t, func() {
		dir := t.TempDir()
		So(os.WriteFile(filepath.Join(dir, "vipservice-test.yml"), []byte("server_port: 1\n"), 0o644), ShouldBeNil)
		err := run(context.Background(), servicetest.QuietLogger(), "10.9.8.7",
			[]string{"-profile", "test", "-configDir", dir, "-configAttempts", "1"})
		So(err, ShouldNotBeNil)
		So(err.Error(), ShouldContainSubstring, "amqp_server_url")
	})
}

func TestReadSettings(t *testing.T) {
	snapOf := func(src map[string]any) *config.Snapshot {
		return config.Merge([]config.PropertySource{{Name: "vipservice-test.yml", Source: src}})
	}
	const amqp = "amqp://guest:guest@rabbitmq:5672/"

	Convey("Given the config repository's dev profile, the settings are read without error", t, func() {
		// swarm gets amqp_server_url from the deployment's secret config, not from the repository.
		srcs, err := config.NewLocalLoader("../support/config-repo", app, "dev").Load(context.Background())
		So(err, ShouldBeNil)
		cfg, err := readSettings(config.Merge(srcs), "")
		So(err, ShouldBeNil)
		So(cfg, ShouldResemble, Settings{
			Name: "vipservice", AMQPURL: "amqp://guest:guest@localhost:5672/", ZipkinURL: "http://localhost:9411",
			EventBus: "springCloudBus", VIPQueue: "vip_queue", Port: 6868,
			OutageGrace: 90 * time.Second, Live: LiveSettings{LogLevel: "info"},
			DedupeWindow: 10000, // the documented default
			Auth:         bearer.Settings{Required: false, ClockSkew: bearer.DefaultClockSkew},
		})
	})

	Convey("Given bad values, readSettings names each key, its value and what was expected", t, func() {
		for _, c := range []struct {
			src  map[string]any
			want string
		}{
			{map[string]any{"amqp_server_url": amqp, "server_port": "abc"}, `config: server_port: "abc" is not an integer`},
			{map[string]any{"amqp_server_url": amqp, "server_port": 0}, `config: server_port: "0" is not a TCP port (1-65535)`},
			{map[string]any{"amqp_server_url": "http://rabbitmq:5672/"}, `config: amqp_server_url: "http://rabbitmq:5672/" is not an amqp or amqps URL with a host`},
			{map[string]any{"amqp_server_url": ""}, "config: amqp_server_url is not configured"},
			{map[string]any{"amqp_server_url": amqp, "zipkin_server_url": "zipkin:9411"}, `config: zipkin_server_url: "zipkin:9411" is not an http or https URL`},
			{map[string]any{"amqp_server_url": amqp, "log_level": "loud"}, `config: log_level: "loud" is not a log level`},
			{map[string]any{"amqp_server_url": amqp, "access_log": "verbose"}, `config: access_log: "verbose" is not a boolean`},
			{map[string]any{"amqp_server_url": amqp, "vip_queue": ""}, `config: vip_queue: "" is not a queue name`},
			{map[string]any{"amqp_server_url": amqp, "broker_outage_grace": "soon"}, `config: broker_outage_grace: "soon" is not a duration`},
			{map[string]any{"amqp_server_url": amqp, "vip_dedupe_window": "big"}, `config: vip_dedupe_window: "big" is not an integer`},
			{map[string]any{"amqp_server_url": amqp, "vip_dedupe_window": 0}, `config: vip_dedupe_window: "0" is not a count of 1 or more`},
			{map[string]any{"amqp_server_url": amqp, "broker_outage_grace": "-5s"}, `config: broker_outage_grace: "-5s" is not a duration of 0 or more`},
			{map[string]any{"amqp_server_url": amqp, "auth_required": true}, "config: auth_issuer: \"\" is not the token issuer's URL (auth_required is true)\nconfig: auth_jwks_url: \"\" is not the authorization server's JWKS URL (auth_required is true)"},
		} {
			_, err := readSettings(snapOf(c.src), "")
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, c.want)
		}
	})

	Convey("Given several bad values, all are listed, one line each", t, func() {
		_, err := readSettings(snapOf(map[string]any{"server_port": "abc", "amqp_server_url": "rabbitmq", "log_level": "loud"}), "")
		So(err, ShouldNotBeNil)
		So(strings.Split(err.Error(), "\n"), ShouldResemble, []string{
			`config: server_port: "abc" is not an integer`,
			`config: amqp_server_url: "rabbitmq" is not an amqp or amqps URL with a host`,
			`config: log_level: "loud" is not a log level (trace, debug, info, warn, error, fatal, panic)`,
		})
	})

	Convey("Given a start with a port that is not a number, run fails with the key, not the default port", t, func() {
		dir := t.TempDir()
		yml := "server_port: abc\namqp_server_url: amqp://guest:guest@127.0.0.1:1/\n"
		So(os.WriteFile(filepath.Join(dir, "vipservice-test.yml"), []byte(yml), 0o644), ShouldBeNil)
		err := run(context.Background(), servicetest.QuietLogger(), "10.9.8.7",
			[]string{"-profile", "test", "-configDir", dir, "-configAttempts", "1"})
		So(err, ShouldNotBeNil)
		So(err.Error(), ShouldEqual, `config: server_port: "abc" is not an integer`)
	})
}

func TestRefresh(t *testing.T) {
	Convey("Given vipservice at log level debug", t, func() {
		log, hook := test.NewNullLogger()
		log.SetLevel(logrus.DebugLevel)
		current := Settings{Port: 6868, Live: LiveSettings{LogLevel: "debug"}}
		refreshTo := func(level string) Settings {
			snap := config.Merge([]config.PropertySource{{Name: "t", Source: map[string]any{"log_level": level}}})
			next, err := refresh(snap, current)
			config.RejectRefresh(log, err)
			applyLive(log)(next)
			return next
		}

		Convey("a refresh to a valid level applies it", func() {
			So(refreshTo("warn").Live.LogLevel, ShouldEqual, "warn")
			So(log.GetLevel(), ShouldEqual, logrus.WarnLevel)
		})

		Convey("a refresh to an invalid level is rejected with a warning naming the key; debug stays", func() {
			So(refreshTo("loud").Live.LogLevel, ShouldEqual, "debug")
			So(log.GetLevel(), ShouldEqual, logrus.DebugLevel)
			warning := hook.LastEntry()
			So(warning, ShouldNotBeNil)
			So(warning.Level, ShouldEqual, logrus.WarnLevel)
			So(warning.Data["key"], ShouldEqual, "log_level")
			So(fmt.Sprint(warning.Data[logrus.ErrorKey]), ShouldContainSubstring, `"loud" is not a log level`)
		})
	})
}

func TestIdleReturn(t *testing.T) {
	Convey("vipservice's memory return counts the VIP events it handles", t, func() {
		stats := &vip.Stats{}
		r := idleReturn(stats)
		perTick := int64(r.Tick / time.Second) // one event a second

		Convey("one event a second over a tick is a busy period, even with no request", func() {
			for range perTick {
				stats.Received()
			}
			So(r.Work(), ShouldEqual, perTick)
			So(r.Work(), ShouldBeGreaterThanOrEqualTo, r.Busy)
		})
		Convey("an idle tick, two health checks and a scrape, is quiet", func() {
			So(int64(3), ShouldBeLessThanOrEqualTo, r.Quiet)
		})
		Convey("malformed and duplicate messages are work too", func() {
			stats.Rejected()
			stats.Duplicate()
			So(r.Work(), ShouldEqual, 2)
		})
	})
}
