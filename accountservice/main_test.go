package main

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/afex/hystrix-go/hystrix"
	"github.com/sirupsen/logrus"

	"github.com/goblog/common/config"
)

func TestRedactURL(t *testing.T) {
	tests := map[string]string{
		"":                                  "",
		"amqp://guest:guest@rabbitmq:5672/": "amqp://guest:xxxxx@rabbitmq:5672/",
		"amqp://rabbitmq:5672/":             "amqp://rabbitmq:5672/",
		"http://zipkin:9411":                "http://zipkin:9411",
		"amqp://user:s3cr%zz@host/":         "<unparseable, hidden>",
	}
	for in, want := range tests {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestFirstIPv4(t *testing.T) {
	cidr := func(s string) net.Addr {
		ip, n, err := net.ParseCIDR(s)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		return n
	}
	tests := []struct {
		addrs []net.Addr
		want  string
	}{
		{[]net.Addr{cidr("127.0.0.1/8"), cidr("::1/128"), cidr("10.0.1.7/24")}, "10.0.1.7"},
		{[]net.Addr{cidr("fe80::1/64"), cidr("169.254.3.4/16"), cidr("172.18.0.3/16"), cidr("10.0.0.2/24")}, "172.18.0.3"},
		{[]net.Addr{&net.IPAddr{IP: net.ParseIP("192.168.1.5")}}, "192.168.1.5"},
		{[]net.Addr{cidr("127.0.0.1/8"), cidr("2001:db8::1/64")}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := firstIPv4(tt.addrs); got != tt.want {
			t.Errorf("firstIPv4(%v) = %q; want %q", tt.addrs, got, tt.want)
		}
	}
}

func TestConfigFrom(t *testing.T) {
	local := func(t *testing.T, profile string) Config {
		t.Helper()
		srcs, err := config.NewLocalLoader("../support/config-repo", serviceName, profile).Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := configFrom(config.Merge(srcs), profile)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}

	t.Run("dev profile of the config repo", func(t *testing.T) {
		cfg := local(t, "dev")
		want := Config{
			Profile: "dev", ServerPort: 6767, HystrixStreamPort: 8181, BoltPath: "accounts.db",
			TestabilityEnabled: true, AMQPURL: "amqp://guest:guest@localhost:5672/", ZipkinURL: "http://localhost:9411",
			ConfigEventBus: "springCloudBus", VIPQueue: "vip_queue", LogLevel: "info",
			QuotesURL: "http://localhost:8080/api/quote?strength=4", ImagesURL: "http://localhost:7777/accounts/",
		}
		if cfg != want {
			t.Errorf("got  %+v\nwant %+v", cfg, want)
		}
		if got := cfg.Fields()["amqp_server_url"]; got != "amqp://guest:xxxxx@localhost:5672/" {
			t.Errorf("logged amqp_server_url = %q; want the password masked", got)
		}
	})

	t.Run("swarm profile of the config repo", func(t *testing.T) {
		cfg := local(t, "swarm")
		if cfg.BoltPath != "/data/accounts.db" || cfg.QuotesURL != "http://quotes-service:8080/api/quote?strength=4" {
			t.Errorf("got %+v", cfg)
		}
	})

	t.Run("rejected values", func(t *testing.T) {
		for name, src := range map[string]map[string]any{
			"port out of range": {"server_port": 70000},
			"same ports":        {"server_port": 8181, "hystrix_stream_port": 8181},
			"empty bolt path":   {"bolt_path": ""},
		} {
			if _, err := configFrom(config.Merge([]config.PropertySource{{Name: "t", Source: src}}), "dev"); err == nil {
				t.Errorf("%s: want an error", name)
			}
		}
	})
}

// switchLoader serves one property source that the test replaces.
type switchLoader struct {
	mu  sync.Mutex
	src map[string]any
}

func (l *switchLoader) set(src map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.src = src
}

func (l *switchLoader) Load(context.Context) ([]config.PropertySource, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return []config.PropertySource{{Name: "test", Source: maps.Clone(l.src)}}, nil
}

func TestRefreshAppliesLive(t *testing.T) {
	ctx := context.Background()
	log := logrus.New()
	log.Out = io.Discard

	loader := &switchLoader{src: map[string]any{
		"log_level":          "info",
		"quotes_service_url": "http://quotes-service:8080/api/quote?strength=4",
		"hystrix":            map[string]any{"command": map[string]any{"quotes-service": map[string]any{"Timeout": 1000}}},
	}}
	store := config.NewStore(loader, log)
	if err := store.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	store.OnChange(func(old, cur *config.Snapshot) { applyRefresh(log, old, cur) })
	info := infoFunc(Config{Profile: "dev"}, "10.0.0.7", store, nil)

	loader.set(map[string]any{
		"log_level":          "debug",
		"quotes_service_url": "http://localhost:8080/api/quote?strength=4",
		"hystrix":            map[string]any{"command": map[string]any{"quotes-service": map[string]any{"Timeout": 700}}},
	})
	if err := store.Reload(ctx); err != nil {
		t.Fatal(err)
	}

	if log.GetLevel() != logrus.DebugLevel {
		t.Errorf("log level after refresh = %v; want debug", log.GetLevel())
	}
	if got := hystrix.GetCircuitSettings()["quotes-service"].Timeout; got != 700*time.Millisecond {
		t.Errorf("hystrix timeout of quotes-service after refresh = %v; want 700ms", got)
	}
	body, err := json.Marshal(info(ctx))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"quotes_service_url":"http://localhost:8080/api/quote?strength=4"`,
		`"log_level":"debug"`,
		`"timeoutMs":700`,
		`"broker":"disabled"`,
		`"servedBy":"10.0.0.7"`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/info after refresh lacks %s: %s", want, body)
		}
	}
}
