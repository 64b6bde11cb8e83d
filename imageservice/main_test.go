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
	"github.com/goblog/common/bearer/bearertest"
	"github.com/goblog/common/config"
	"github.com/goblog/common/config/configtest"
	"github.com/goblog/common/servicetest"
)

func TestRun(t *testing.T) {
	Convey("Given imageservice started by run with a local config repository and no infrastructure", t, func() {
		dir := t.TempDir()
		port := servicetest.FreePort(t)
		yml := fmt.Sprintf("server_port: %d\nimage_base_url: http://images.test:7777\nlog_level: warn\n", port)
		So(os.WriteFile(filepath.Join(dir, "imageservice-test.yml"), []byte(yml), 0o644), ShouldBeNil)

		svc := servicetest.Start(t, port, func(ctx context.Context) error {
			return run(ctx, servicetest.QuietLogger(), "10.9.8.7", []string{"-profile", "test", "-configDir", dir, "-configAttempts", "1"})
		})
		_, err := svc.FirstAnswer("/health", servicetest.StatusOK)
		So(err, ShouldBeNil)
		base := svc.BaseURL

		resp, err := http.Get(base + "/accounts/10000")
		So(err, ShouldBeNil)
		var body map[string]string
		So(json.NewDecoder(resp.Body).Decode(&body), ShouldBeNil)
		resp.Body.Close()
		So(body, ShouldResemble, map[string]string{"url": "http://images.test:7777/file/cake.jpg", "servedBy": "10.9.8.7"})

		resp, err = http.Get(base + "/file/cake.jpg")
		So(err, ShouldBeNil)
		resp.Body.Close()
		So(resp.Header.Get("Content-Type"), ShouldEqual, "image/jpeg")

		// GET /metrics: the requests above by route template, not by account or file. A request
		// counts when its handler returns, which may be just after the client has the answer (the
		// file's body closed unread): read until both are there, within a deadline.
		wants := []string{
			`goblog_http_requests_total{code="200",method="GET",route="/accounts/{id}"} 1`,
			`goblog_http_requests_total{code="200",method="GET",route="/file/{name}"} 1`,
			"go_goroutines ",
		}
		var text string
		for deadline := time.Now().Add(5 * time.Second); ; {
			resp, err = http.Get(base + "/metrics")
			So(err, ShouldBeNil)
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			So(err, ShouldBeNil)
			So(resp.StatusCode, ShouldEqual, http.StatusOK)
			text = string(b)
			if containsAll(text, wants) || time.Now().After(deadline) {
				break
			}
		}
		for _, w := range wants {
			So(text, ShouldContainSubstring, w)
		}

		So(svc.Stop(), ShouldBeNil)
	})

	Convey("Given imageservice started by run requiring tokens of a real authorization server", t, func() {
		iss := bearertest.NewIssuer(t)
		dir := t.TempDir()
		port := servicetest.FreePort(t)
		yml := fmt.Sprintf("server_port: %d\nauth_required: true\nauth_issuer: %s\nauth_jwks_url: %s\n", port, iss.Issuer, iss.JWKSURL)
		So(os.WriteFile(filepath.Join(dir, "imageservice-test.yml"), []byte(yml), 0o644), ShouldBeNil)
		svc := servicetest.Start(t, port, func(ctx context.Context) error {
			return run(ctx, servicetest.QuietLogger(), "10.9.8.7", []string{"-profile", "test", "-configDir", dir, "-configAttempts", "1"})
		})
		_, err := svc.FirstAnswer("/health", servicetest.StatusOK)
		So(err, ShouldBeNil)
		status := func(auth string) int {
			req, err := http.NewRequest(http.MethodGet, svc.BaseURL+"/accounts/10000", nil)
			So(err, ShouldBeNil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			So(err, ShouldBeNil)
			resp.Body.Close()
			return resp.StatusCode
		}
		So(status(""), ShouldEqual, http.StatusUnauthorized)
		So(status("Bearer "+iss.Token(t, bearer.ScopeRead)), ShouldEqual, http.StatusOK)
		So(svc.Stop(), ShouldBeNil)
	})

	Convey("Given tokens required but no issuer or JWKS, run refuses to start and names both keys", t, func() {
		dir := t.TempDir()
		So(os.WriteFile(filepath.Join(dir, "imageservice-test.yml"), []byte("auth_required: true\n"), 0o644), ShouldBeNil)
		err := run(context.Background(), servicetest.QuietLogger(), "10.9.8.7",
			[]string{"-profile", "test", "-configDir", dir, "-configAttempts", "1"})
		So(err, ShouldNotBeNil)
		So(err.Error(), ShouldContainSubstring, "auth_issuer")
		So(err.Error(), ShouldContainSubstring, "auth_jwks_url")
	})

	Convey("Given no configuration for imageservice, run fails with the reason", t, func() {
		err := run(context.Background(), servicetest.QuietLogger(), "10.9.8.7",
			[]string{"-profile", "test", "-configDir", t.TempDir(), "-configAttempts", "1"})
		So(err, ShouldNotBeNil)
		So(err.Error(), ShouldContainSubstring, "configuration")
	})
}

func TestSettingsFrom(t *testing.T) {
	snapOf := func(src map[string]any) *config.Snapshot {
		return config.Merge([]config.PropertySource{{Name: "imageservice-test.yml", Source: src}})
	}

	Convey("Given the config repository's profiles, the settings are read without error", t, func() {
		for profile, want := range map[string]struct {
			base   string
			tokens bool // required on Swarm (issue 11), off for make run
		}{"dev": {"http://localhost:7777", false}, "swarm": {"http://imageservice:7777", true}} {
			srcs, err := config.NewLocalLoader("../support/config-repo", app, profile).Load(context.Background())
			So(err, ShouldBeNil)
			cfg, err := readSettings(config.Merge(srcs), "test")
			So(err, ShouldBeNil)
			So(cfg.Port, ShouldEqual, 7777)
			So(cfg.Live.ImageBaseURL, ShouldEqual, want.base)
			So(cfg.Auth.Required, ShouldEqual, want.tokens)
			So(cfg.Live.AccessLog, ShouldEqual, profile == "swarm")
		}
	})

	Convey("Given no image_base_url, it defaults to localhost on server_port", t, func() {
		cfg, err := readSettings(snapOf(map[string]any{"server_port": 7788}), "test")
		So(err, ShouldBeNil)
		So(cfg.Live.ImageBaseURL, ShouldEqual, "http://localhost:7788")
	})

	Convey("Given bad values, readSettings names each key, its value and what was expected", t, func() {
		for _, c := range []struct {
			src  map[string]any
			want string
		}{
			{map[string]any{"server_port": "abc"}, `config: server_port: "abc" is not an integer`},
			{map[string]any{"server_port": 65536}, `config: server_port: "65536" is not a TCP port (1-65535)`},
			{map[string]any{"image_base_url": "imageservice:7777"}, `config: image_base_url: "imageservice:7777" is not an http or https URL with a host`},
			{map[string]any{"image_base_url": nil}, `config: image_base_url: "" is not an http or https URL with a host`},
			{map[string]any{"amqp_server_url": "amqp://"}, `config: amqp_server_url: "amqp://" is not an amqp or amqps URL with a host`},
			{map[string]any{"zipkin_server_url": "udp://zipkin:9411"}, `config: zipkin_server_url: "udp://zipkin:9411" is not an http or https URL`},
			{map[string]any{"log_level": "loud"}, `config: log_level: "loud" is not a log level`},
			{map[string]any{"access_log": "verbose"}, `config: access_log: "verbose" is not a boolean`},
		} {
			_, err := readSettings(snapOf(c.src), "test")
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, c.want)
		}
	})

	Convey("Given several bad values, all are listed, one line each", t, func() {
		_, err := readSettings(snapOf(map[string]any{"server_port": "abc", "image_base_url": "/images", "log_level": "loud"}), "test")
		So(err, ShouldNotBeNil)
		So(strings.Split(err.Error(), "\n"), ShouldResemble, []string{
			`config: server_port: "abc" is not an integer`,
			`config: image_base_url: "/images" is not an http or https URL with a host`,
			`config: log_level: "loud" is not a log level (trace, debug, info, warn, error, fatal, panic)`,
		})
	})

	Convey("Given a start with a bad image_base_url, run fails with the key", t, func() {
		dir := t.TempDir()
		So(os.WriteFile(filepath.Join(dir, "imageservice-test.yml"), []byte("image_base_url: images.test\n"), 0o644), ShouldBeNil)
		err := run(context.Background(), servicetest.QuietLogger(), "10.9.8.7",
			[]string{"-profile", "test", "-configDir", dir, "-configAttempts", "1"})
		So(err, ShouldNotBeNil)
		So(err.Error(), ShouldEqual, `config: image_base_url: "images.test" is not an http or https URL with a host`)
	})
}

func TestRefresh(t *testing.T) {
	Convey("Given imageservice at log level debug serving http://images.test:7777", t, func() {
		log, hook := test.NewNullLogger()
		const start = "http://images.test:7777"
		loader := configtest.NewLoader(map[string]any{"log_level": "debug", "image_base_url": start})
		store := config.NewStore(loader, log)
		So(store.Reload(context.Background()), ShouldBeNil)
		cfg, err := readSettings(store.Current(), "test")
		So(err, ShouldBeNil)
		applyLive(log)(cfg)
		settings := config.NewLive(cfg)
		settings.Follow(store, log, refresh, applyLive(log))
		refreshTo := func(src map[string]any) {
			loader.Set(src)
			hook.Reset()
			So(store.Reload(context.Background()), ShouldBeNil)
		}
		warnings := func() map[string]string {
			out := map[string]string{}
			for _, e := range hook.AllEntries() {
				if e.Level == logrus.WarnLevel {
					out[fmt.Sprint(e.Data["key"])] = fmt.Sprint(e.Data[logrus.ErrorKey])
				}
			}
			return out
		}

		Convey("a valid refresh applies the level and the base URL", func() {
			refreshTo(map[string]any{"log_level": "warn", "image_base_url": "https://edge.test/images"})
			So(log.GetLevel(), ShouldEqual, logrus.WarnLevel)
			So(settings.Load().Live.ImageBaseURL, ShouldEqual, "https://edge.test/images")
			So(warnings(), ShouldBeEmpty)
		})

		Convey("invalid values are rejected with a warning naming the key; the last good ones stay", func() {
			refreshTo(map[string]any{"log_level": "https://edge.test/images", "image_base_url": "warn"})
			So(log.GetLevel(), ShouldEqual, logrus.DebugLevel)
			So(settings.Load().Live.ImageBaseURL, ShouldEqual, start)
			w := warnings()
			So(w["log_level"], ShouldContainSubstring, `"https://edge.test/images" is not a log level`)
			So(w["image_base_url"], ShouldContainSubstring, `"warn" is not an http or https URL with a host`)
		})

		Convey("a blanked image_base_url is rejected too (accountservice needs absolute URLs)", func() {
			refreshTo(map[string]any{"log_level": "debug", "image_base_url": nil})
			So(settings.Load().Live.ImageBaseURL, ShouldEqual, start)
			So(warnings()["image_base_url"], ShouldContainSubstring, `"" is not an http or https URL`)
		})

		Convey("a removed image_base_url is localhost on server_port again, as after a restart", func() {
			refreshTo(map[string]any{"log_level": "debug"})
			So(settings.Load().Live.ImageBaseURL, ShouldEqual, "http://localhost:7777")
		})
	})
}

// containsAll reports whether s contains every one of subs.
func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
