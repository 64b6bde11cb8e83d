package main

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/relay"
	"github.com/goblog/common/circuit"
	"github.com/goblog/common/config"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/service"
)

// Config is what accountservice reads once at start. Values that change
// live on a refresh (log level, hystrix settings, downstream URLs) start from
// here and are then kept in liveValues.
type Config struct {
	Profile            string
	ServerPort         int
	HystrixStreamPort  int
	BoltPath           string
	TestabilityEnabled bool
	AMQPURL            string
	ZipkinURL          string
	ConfigEventBus     string
	VIPQueue           string
	LogLevel           string
	QuotesURL          string
	ImagesURL          string
	Circuits           map[string]circuit.Settings // by circuit name
	// ShutdownDrain is how long the service keeps serving after SIGTERM.
	ShutdownDrain time.Duration
	// AccountStore is where accounts live: storeBolt (default) or storePostgres.
	AccountStore string
	// PostgresURL is the database of storePostgres; it holds the password.
	PostgresURL string
	// VIPOutboxMax caps the VIP notifications waiting in the outbox
	// (vip_outbox_max); the oldest beyond it are dropped and counted.
	VIPOutboxMax int
	// VIPOutboxMaxAge drops VIP notifications of reads older than this
	// (vip_outbox_max_age).
	VIPOutboxMaxAge time.Duration
}

// The values of account_store.
const (
	storeBolt     = "bolt"
	storePostgres = "postgres"
)

// Schemes the HTTP URL keys accept.
var httpSchemes = []string{"http", "https"}

// configFrom reads and checks the start-time configuration. Every value
// present with the wrong type or out of range is reported, the errors joined,
// so one failed start lists everything to fix.
func configFrom(snap *config.Snapshot, profile string) (Config, error) {
	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	portsOK := true
	port := func(key string, def int) int {
		v, err := snap.PortE(key, def)
		if err != nil {
			portsOK = false
			check(err)
		}
		return v
	}
	urlE := func(key string, schemes []string) string {
		v, err := snap.URLE(key, "", schemes...)
		check(err)
		return v
	}
	c := Config{
		Profile:           profile,
		ServerPort:        port("server_port", 6767),
		HystrixStreamPort: port("hystrix_stream_port", 8181),
		BoltPath:          snap.String("bolt_path", "accounts.db"),
		ConfigEventBus:    snap.String("config_event_bus", "springCloudBus"),
		VIPQueue:          snap.String("vip_queue", "vip_queue"),
		AccountStore:      strings.TrimSpace(snap.String("account_store", storeBolt)),
	}
	var err error
	c.TestabilityEnabled, err = snap.BoolE("testability_enabled", false)
	check(err)
	c.AMQPURL, err = service.AMQPURL(snap)
	check(err)
	c.ZipkinURL = urlE("zipkin_server_url", httpSchemes)
	c.LogLevel, err = logging.LevelFrom(snap)
	check(err)
	c.QuotesURL = urlE("quotes_service_url", httpSchemes)
	c.ImagesURL = urlE("imageservice_url", httpSchemes)
	c.Circuits, err = circuitSettings(snap)
	check(err)
	c.ShutdownDrain, err = service.ShutdownDrain(snap)
	check(err)
	c.PostgresURL, err = postgresURL(snap)
	check(err)
	c.VIPOutboxMax, err = snap.IntE("vip_outbox_max", relay.DefaultMaxPending)
	check(err)
	if err == nil && c.VIPOutboxMax < 1 {
		check(&config.ValueError{Key: "vip_outbox_max", Value: strconv.Itoa(c.VIPOutboxMax), Want: "a count of 1 or more"})
	}
	c.VIPOutboxMaxAge, err = snap.DurationE("vip_outbox_max_age", relay.DefaultMaxAge)
	check(err)
	if err == nil && c.VIPOutboxMaxAge <= 0 {
		check(&config.ValueError{Key: "vip_outbox_max_age", Value: c.VIPOutboxMaxAge.String(), Want: "a duration above 0"})
	}
	switch c.AccountStore {
	case storeBolt:
	case storePostgres:
		if c.PostgresURL == "" && err == nil {
			check(&config.ValueError{Key: "postgres_url", Value: "", Want: "a postgres URL (account_store is postgres)"})
		}
	default:
		check(&config.ValueError{Key: "account_store", Value: c.AccountStore, Want: `"bolt" or "postgres"`})
	}
	if portsOK && c.ServerPort == c.HystrixStreamPort {
		check(fmt.Errorf("config: server_port and hystrix_stream_port are both %d", c.ServerPort))
	}
	if strings.TrimSpace(c.BoltPath) == "" {
		check(&config.ValueError{Key: "bolt_path", Value: c.BoltPath, Want: "a file path"})
	}
	if strings.TrimSpace(c.VIPQueue) == "" {
		check(&config.ValueError{Key: "vip_queue", Value: c.VIPQueue, Want: "a queue name"})
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return c, nil
}

// postgresURL reads postgres_url: empty, or a postgres:// (postgresql://)
// URL with a host and the password, if any, in its user info, where the log
// and /info mask it. A bad value is never repeated in the error: it may hold
// the password anywhere (a password parameter, a libpq key=value string).
func postgresURL(snap *config.Snapshot) (string, error) {
	raw := strings.TrimSpace(snap.String("postgres_url", ""))
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Hostname() == "" || u.Query().Has("password") {
		return "", &config.ValueError{Key: "postgres_url", Value: "<hidden>",
			Want: "a postgres:// URL with a host, the password (if any) in its user info, not in a parameter"}
	}
	return raw, nil
}

// circuitSettings reads and checks the settings of every circuit.
func circuitSettings(snap *config.Snapshot) (map[string]circuit.Settings, error) {
	out := make(map[string]circuit.Settings)
	var errs []error
	for _, name := range circuitNames() {
		s, err := circuit.SettingsFromChecked(snap, name)
		if err != nil {
			errs = append(errs, err)
		}
		out[name] = s
	}
	return out, errors.Join(errs...)
}

// Fields is the configuration for the log, secrets masked.
func (c Config) Fields() logrus.Fields {
	return logrus.Fields{
		"profile":             c.Profile,
		"server_port":         c.ServerPort,
		"hystrix_stream_port": c.HystrixStreamPort,
		"bolt_path":           c.BoltPath,
		"testability_enabled": c.TestabilityEnabled,
		"amqp_server_url":     redactURL(c.AMQPURL),
		"zipkin_server_url":   redactURL(c.ZipkinURL),
		"config_event_bus":    c.ConfigEventBus,
		"vip_queue":           c.VIPQueue,
		"log_level":           c.LogLevel,
		"quotes_service_url":  c.QuotesURL,
		"imageservice_url":    c.ImagesURL,
		"circuits":            circuitFields(c.Circuits),
		"shutdown_drain":      c.ShutdownDrain.String(),
		"account_store":       c.AccountStore,
		"postgres_url":        redactURL(c.PostgresURL),
		"vip_outbox_max":      c.VIPOutboxMax,
		"vip_outbox_max_age":  c.VIPOutboxMaxAge.String(),
	}
}

// circuitFields formats circuit settings for the log and /info.
func circuitFields(circuits map[string]circuit.Settings) map[string]any {
	out := make(map[string]any, len(circuits))
	for name, s := range circuits {
		out[name] = map[string]any{
			"timeoutMs":              s.Timeout.Milliseconds(),
			"maxConcurrentRequests":  s.MaxConcurrentRequests,
			"errorPercentThreshold":  s.ErrorPercentThreshold,
			"requestVolumeThreshold": s.RequestVolumeThreshold,
			"sleepWindowMs":          s.SleepWindow.Milliseconds(),
		}
	}
	return out
}

// redactURL hides the password of a URL; a URL that does not parse is
// hidden whole, since it may hold a secret anywhere.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable, hidden>"
	}
	return u.Redacted()
}

// addr is a listen address on every interface.
func addr(port int) string { return ":" + strconv.Itoa(port) }
