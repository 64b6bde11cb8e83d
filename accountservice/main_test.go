package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/memstore"
	"github.com/goblog/accountservice/internal/relay"
	"github.com/goblog/common/bearer"
	"github.com/goblog/common/circuit"
	"github.com/goblog/common/config"
	"github.com/goblog/common/config/configtest"
)

func TestReadSettings(t *testing.T) {
	local := func(t *testing.T, profile string, secrets ...config.PropertySource) Settings {
		t.Helper()
		srcs, err := config.NewLocalLoader("../support/config-repo", serviceName, profile).Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(secrets, srcs...) // the config server's secrets location comes first
		cfg, err := readSettings(config.Merge(srcs), profile)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}

	t.Run("dev profile of the config repo", func(t *testing.T) {
		cfg := local(t, "dev")
		want := Settings{
			Profile: "dev", ServerPort: 6767, HystrixStreamPort: 8181, BoltPath: "accounts.db",
			TestabilityEnabled: true, AMQPURL: "amqp://guest:guest@localhost:5672/", ZipkinURL: "http://localhost:9411",
			ConfigEventBus: "springCloudBus", VIPQueue: "vip_queue",
			Live: LiveSettings{
				LogLevel:      "info",
				QuotesURL:     "http://localhost:8080/api/quote?strength=4",
				ImagesURL:     "http://localhost:7777/accounts/",
				QuotesCircuit: repoCircuit, ImagesCircuit: repoCircuit,
			},
			AccountStore: "bolt",
			VIPOutboxMax: 10000, VIPOutboxMaxAge: 24 * time.Hour, // the documented defaults
			Auth: bearer.Settings{Required: false, ClockSkew: bearer.DefaultClockSkew},
		}
		if !reflect.DeepEqual(cfg, want) {
			t.Errorf("got  %+v\nwant %+v", cfg, want)
		}
		if got := cfg.Fields()["amqp_server_url"]; got != "amqp://guest:xxxxx@localhost:5672/" {
			t.Errorf("logged amqp_server_url = %q; want the password masked", got)
		}
	})

	t.Run("the postgres store, its password masked in the log", func(t *testing.T) {
		cfg, err := readSettings(config.Merge([]config.PropertySource{{Name: "t", Source: map[string]any{
			"account_store": "postgres", "postgres_url": "postgres://goblog:hunter2@postgres:5432/accounts?sslmode=disable",
		}}}), "swarm")
		if err != nil {
			t.Fatal(err)
		}
		if cfg.AccountStore != "postgres" || cfg.PostgresURL != "postgres://goblog:hunter2@postgres:5432/accounts?sslmode=disable" {
			t.Errorf("got store %q, URL %q", cfg.AccountStore, cfg.PostgresURL)
		}
		if got := cfg.Fields()["postgres_url"]; got != "postgres://goblog:xxxxx@postgres:5432/accounts?sslmode=disable" {
			t.Errorf("logged postgres_url = %q; want the password masked", got)
		}
	})

	t.Run("swarm profile of the config repo, with the secrets make-secrets.sh renders", func(t *testing.T) {
		secrets := config.PropertySource{Name: "file:/config-secrets/accountservice-swarm.yml", Source: map[string]any{
			"postgres_url": "postgres://goblog:hunter2@postgres:5432/goblog",
		}}
		cfg := local(t, "swarm", secrets)
		if cfg.AccountStore != "postgres" || cfg.PostgresURL != "postgres://goblog:hunter2@postgres:5432/goblog" ||
			cfg.Live.QuotesURL != "http://quotes-service:8080/api/quote?strength=4" || !cfg.Live.AccessLog ||
			!cfg.Auth.Required || cfg.Auth.Issuer != "https://localhost:8765" ||
			cfg.Auth.JWKSURL != "http://auth-server:9999/oauth2/jwks" || cfg.Auth.Audience != "goblog" {
			t.Errorf("got %+v", cfg)
		}
	})

	t.Run("swarm profile of the config repo without its secrets fails, naming postgres_url", func(t *testing.T) {
		srcs, err := config.NewLocalLoader("../support/config-repo", serviceName, "swarm").Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := readSettings(config.Merge(srcs), "swarm"); err == nil || !strings.Contains(err.Error(), "postgres_url") {
			t.Errorf("readSettings without postgres_url: %v; want an error naming postgres_url", err)
		}
	})

	t.Run("rejected values", func(t *testing.T) {
		hystrixKey := func(key string, v any) map[string]any {
			return map[string]any{"hystrix": map[string]any{"command": map[string]any{"quotes-service": map[string]any{key: v}}}}
		}
		for _, tc := range []struct {
			name string
			src  map[string]any
			want string
		}{
			{"port not an integer", map[string]any{"server_port": "abc"}, `config: server_port: "abc" is not an integer`},
			{"port out of range", map[string]any{"server_port": 70000}, `config: server_port: "70000" is not a TCP port (1-65535)`},
			{"stream port empty", map[string]any{"hystrix_stream_port": nil}, `config: hystrix_stream_port: "" is not an integer`},
			{"same ports", map[string]any{"server_port": 8181, "hystrix_stream_port": 8181}, "config: server_port and hystrix_stream_port are both 8181"},
			{"empty bolt path", map[string]any{"bolt_path": ""}, `config: bolt_path: "" is not a file path`},
			{"empty vip queue", map[string]any{"vip_queue": " "}, `config: vip_queue: " " is not a queue name`},
			{"testability not a boolean", map[string]any{"testability_enabled": "sometimes"}, `config: testability_enabled: "sometimes" is not a boolean`},
			{"unknown log level", map[string]any{"log_level": "loud"}, `config: log_level: "loud" is not a log level`},
			{"access log not a boolean", map[string]any{"access_log": "verbose"}, `config: access_log: "verbose" is not a boolean`},
			{"quotes URL without scheme", map[string]any{"quotes_service_url": "quotes-service:8080/api/quote"}, `config: quotes_service_url: "quotes-service:8080/api/quote" is not an http or https URL with a host`},
			{"images URL of another scheme", map[string]any{"imageservice_url": "ftp://imageservice/accounts/"}, `config: imageservice_url: "ftp://imageservice/accounts/" is not an http or https URL`},
			{"zipkin URL without host", map[string]any{"zipkin_server_url": "http://"}, `config: zipkin_server_url: "http://" is not an http or https URL`},
			{"AMQP URL over http, password masked", map[string]any{"amqp_server_url": "http://guest:hunter2@rabbitmq:5672/"}, `config: amqp_server_url: "http://guest:xxxxx@rabbitmq:5672/" is not an amqp or amqps URL`},
			{"pprof port not an integer", map[string]any{"pprof_port": "on"}, `config: pprof_port: "on" is not an integer`},
			{"pprof port out of range", map[string]any{"pprof_port": -1}, `config: pprof_port: "-1" is not a TCP port (1-65535)`},
			{"pprof port taken", map[string]any{"pprof_port": 6767}, "config: pprof_port 6767 is already server_port or hystrix_stream_port"},
			{"unknown account store", map[string]any{"account_store": "mongo"}, `config: account_store: "mongo" is not "bolt" or "postgres"`},
			{"postgres store without a URL", map[string]any{"account_store": "postgres"}, `config: postgres_url: "" is not a postgres URL (account_store is postgres)`},
			{"postgres URL with the password in a parameter", map[string]any{"postgres_url": "postgres://goblog@postgres/accounts?password=hunter2"}, `config: postgres_url: "<hidden>" is not a postgres:// URL with a host`},
			{"postgres key=value string", map[string]any{"postgres_url": "host=postgres password=hunter2"}, `config: postgres_url: "<hidden>" is not a postgres:// URL`},
			{"postgres URL of another scheme", map[string]any{"postgres_url": "mysql://goblog:hunter2@db/accounts"}, `config: postgres_url: "<hidden>" is not a postgres:// URL`},
			{"outbox cap not a number", map[string]any{"vip_outbox_max": "lots"}, `config: vip_outbox_max: "lots" is not an integer`},
			{"outbox cap of zero", map[string]any{"vip_outbox_max": 0}, `config: vip_outbox_max: "0" is not a count of 1 or more`},
			{"outbox age not a duration", map[string]any{"vip_outbox_max_age": "forever"}, `config: vip_outbox_max_age: "forever" is not`},
			{"outbox age negative", map[string]any{"vip_outbox_max_age": "-1h"}, `config: vip_outbox_max_age: "-1h0m0s" is not a duration above 0`},
			{"tokens required without issuer", map[string]any{"auth_required": true, "auth_jwks_url": "http://auth-server:9999/oauth2/jwks"}, `config: auth_issuer: "" is not the token issuer's URL (auth_required is true)`},
			{"tokens required without JWKS", map[string]any{"auth_required": true, "auth_issuer": "https://localhost:8765/auth"}, `config: auth_jwks_url: "" is not the authorization server's JWKS URL (auth_required is true)`},
			{"clock skew too long", map[string]any{"auth_clock_skew": "1h"}, `config: auth_clock_skew: "1h0m0s" is not a duration from 0s to 5m0s`},
			{"hystrix timeout not a number", hystrixKey("Timeout", "fast"), `config: hystrix.command.quotes-service.Timeout: "fast" is not an integer`},
			{"hystrix percentage out of range", hystrixKey("ErrorPercentThreshold", 150), `config: hystrix.command.quotes-service.ErrorPercentThreshold: "150" is not a percentage from 1 to 100`},
		} {
			_, err := readSettings(config.Merge([]config.PropertySource{{Name: "t", Source: tc.src}}), "dev")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error %v; want one containing %s", tc.name, err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("%s: the error shows the password: %v", tc.name, err)
			}
		}
	})

	t.Run("every bad value is listed at once", func(t *testing.T) {
		_, err := readSettings(config.Merge([]config.PropertySource{{Name: "t", Source: map[string]any{
			"server_port": "abc", "log_level": "loud", "amqp_server_url": "rabbitmq:5672",
			"hystrix": map[string]any{"command": map[string]any{"imageservice": map[string]any{"SleepWindow": 0}}},
		}}}), "dev")
		if err == nil {
			t.Fatal("want an error")
		}
		want := []string{
			`config: server_port: "abc" is not an integer`,
			`config: amqp_server_url: "rabbitmq:5672" is not an amqp or amqps URL with a host`,
			`config: log_level: "loud" is not a log level (trace, debug, info, warn, error, fatal, panic)`,
			`config: hystrix.command.imageservice.SleepWindow: "0" is not a positive number of milliseconds`,
		}
		if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
			t.Errorf("error lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// repoCircuit is what support/config-repo/accountservice.yml sets for both circuits.
var repoCircuit = circuit.Settings{
	Timeout: time.Second, MaxConcurrentRequests: 200, ErrorPercentThreshold: 50,
	RequestVolumeThreshold: 10, SleepWindow: 5 * time.Second,
}

func TestRefreshAppliesLive(t *testing.T) {
	ctx := context.Background()
	log := logrus.New()
	log.Out = io.Discard

	loader := configtest.NewLoader(map[string]any{
		"log_level":          "info",
		"quotes_service_url": "http://quotes-service:8080/api/quote?strength=4",
		"hystrix":            map[string]any{"command": map[string]any{"quotes-service": map[string]any{"Timeout": 1000}}},
	})
	store := config.NewStore(loader, log)
	if err := store.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := readSettings(store.Current(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	settings := config.NewLive(cfg)
	settings.Follow(store, log, refresh, applyLive(log))
	info := infoFunc(settings, "10.0.0.7", nil, checkedStore{memstore.New(), nil}, nil)

	loader.Set(map[string]any{
		"log_level":          "debug",
		"access_log":         true,
		"quotes_service_url": "http://localhost:8080/api/quote?strength=4",
		"hystrix":            map[string]any{"command": map[string]any{"quotes-service": map[string]any{"Timeout": 700}}},
	})
	if err := store.Reload(ctx); err != nil {
		t.Fatal(err)
	}

	if log.GetLevel() != logrus.DebugLevel {
		t.Errorf("log level after refresh = %v; want debug", log.GetLevel())
	}
	if got, _ := circuit.Applied("quotes-service"); got.Timeout != 700*time.Millisecond {
		t.Errorf("circuit timeout of quotes-service after refresh = %v; want 700ms", got.Timeout)
	}
	body, err := json.Marshal(info(ctx))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"quotes_service_url":"http://localhost:8080/api/quote?strength=4"`,
		`"log_level":"debug"`,
		`"access_log":true`,
		`"timeoutMs":700`,
		`"broker":"disabled"`,
		`"vipOutbox":"disabled"`,
		`"servedBy":"10.0.0.7"`,
		`"store":{"kind":"bolt","path":"accounts.db","state":"up"}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/info after refresh lacks %s: %s", want, body)
		}
	}
}

// checkedStore is a store whose health check gives err.
type checkedStore struct {
	*memstore.Store // accounts and the VIP outbox
	err             error
}

func (s checkedStore) Check(context.Context) error { return s.err }
func (checkedStore) Close() error                  { return nil }

func TestInfoShowsTheVIPOutbox(t *testing.T) {
	store := checkedStore{memstore.New(), nil}
	r := relay.New(relay.Config{Outbox: store, Publisher: nil, MaxPending: 1, MaxAge: time.Hour})
	body, err := json.Marshal(infoFunc(config.NewLive(Settings{}), "10.0.0.7", nil, store, r)(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	want := `"vipOutbox":{"published":0,"droppedTooOld":0,"droppedOverCap":0,"failedRounds":0}`
	if !strings.Contains(string(body), want) {
		t.Errorf("/info lacks %s: %s", want, body)
	}
}

func TestStoreState(t *testing.T) {
	cfg := Settings{AccountStore: storePostgres, PostgresURL: "postgres://goblog:hunter2@postgres:5432/accounts"}
	down := fmt.Errorf("pinging PostgreSQL: %w: connection refused", account.ErrUnavailable)
	got := storeState(context.Background(), cfg, checkedStore{memstore.New(), down})
	want := map[string]string{
		"kind":  "postgres",
		"url":   "postgres://goblog:xxxxx@postgres:5432/accounts",
		"state": "unavailable: pinging PostgreSQL: account store unavailable: connection refused",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("storeState = %v; want %v (password masked)", got, want)
	}
}

func TestRefreshRejectsInvalidValues(t *testing.T) {
	ctx := context.Background()
	log, hook := test.NewNullLogger()
	good := map[string]any{
		"log_level":          "debug",
		"quotes_service_url": "http://quotes-service:8080/api/quote?strength=4",
		"imageservice_url":   "http://imageservice:7777/accounts/",
		"hystrix": map[string]any{"command": map[string]any{
			"quotes-service": map[string]any{"Timeout": 700},
			"imageservice":   map[string]any{"Timeout": 800},
		}},
	}
	loader := configtest.NewLoader(good)
	store := config.NewStore(loader, log)
	if err := store.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := readSettings(store.Current(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	applyLive(log)(cfg) // as at start: the good values in effect
	settings := config.NewLive(cfg)
	settings.Follow(store, log, refresh, applyLive(log))

	// A refresh with a bad value for every live key, and one good change.
	loader.Set(map[string]any{
		"log_level":          "loud",
		"quotes_service_url": "quotes-service:8080/api/quote",
		"imageservice_url":   "http://imageservice:7777/images/",
		"hystrix": map[string]any{"command": map[string]any{
			"quotes-service": map[string]any{"Timeout": "fast"},
			"imageservice":   map[string]any{"Timeout": 900, "ErrorPercentThreshold": 0},
		}},
	})
	hook.Reset()
	if err := store.Reload(ctx); err != nil {
		t.Fatal(err)
	}

	got := settings.Load().Live
	if log.GetLevel() != logrus.DebugLevel || got.LogLevel != "debug" {
		t.Errorf("log level after a refresh to %q = %v (%q); want debug kept", "loud", log.GetLevel(), got.LogLevel)
	}
	if got.QuotesURL != "http://quotes-service:8080/api/quote?strength=4" {
		t.Errorf("quotes_service_url after an invalid refresh = %q; want the last good one", got.QuotesURL)
	}
	if got.ImagesURL != "http://imageservice:7777/images/" {
		t.Errorf("imageservice_url after a valid refresh = %q; want the new one", got.ImagesURL)
	}
	if s, _ := circuit.Applied("quotes-service"); s.Timeout != 700*time.Millisecond {
		t.Errorf("quotes-service timeout after Timeout: fast = %v; want 700ms kept", s.Timeout)
	}
	if s, _ := circuit.Applied("imageservice"); s.Timeout != 800*time.Millisecond {
		t.Errorf("imageservice timeout after a refresh with a bad ErrorPercentThreshold = %v; want 800ms kept", s.Timeout)
	}

	warned := map[string]string{}
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.WarnLevel {
			key, _ := e.Data["key"].(string)
			err, _ := e.Data[logrus.ErrorKey].(error)
			warned[key] = fmt.Sprint(err)
		}
	}
	for key, want := range map[string]string{
		"log_level":                      `"loud" is not a log level`,
		"quotes_service_url":             `"quotes-service:8080/api/quote" is not an http or https URL`,
		"hystrix.command.quotes-service": `hystrix.command.quotes-service.Timeout: "fast" is not an integer`,
		"hystrix.command.imageservice":   `hystrix.command.imageservice.ErrorPercentThreshold: "0" is not a percentage`,
	} {
		if !strings.Contains(warned[key], want) {
			t.Errorf("warning for %s = %q; want one containing %s", key, warned[key], want)
		}
	}
	if _, ok := warned["imageservice_url"]; ok {
		t.Errorf("a valid imageservice_url was warned about: %s", warned["imageservice_url"])
	}
}
