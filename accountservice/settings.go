package main

import (
	"fmt"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/images"
	"github.com/goblog/accountservice/internal/quotes"
	"github.com/goblog/accountservice/internal/relay"
	"github.com/goblog/common/bearer"
	"github.com/goblog/common/circuit"
	"github.com/goblog/common/config"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/server"
)

// The configuration keys of accountservice, each spelled here only. Keys
// read through common are spelled there: log_level (logging.LevelFrom),
// access_log (server.AccessLogKey),
// amqp_server_url (messaging.URLFrom), shutdown_drain (server.ShutdownDrain),
// auth_* (bearer.ReadSettings) and hystrix.command.<name>.*
// (circuit.SettingsFromChecked); pprof_port is
// in pprof.go, with what it opens; the downstream URLs in the client that
// calls them and names them in its log (quotes.URLKey, images.URLKey).
const (
	keyServerPort        = "server_port"
	keyHystrixStreamPort = "hystrix_stream_port"
	keyBoltPath          = "bolt_path"
	keyTestability       = "testability_enabled"
	keyZipkinURL         = "zipkin_server_url"
	keyEventBus          = "config_event_bus"
	keyVIPQueue          = "vip_queue"
	keyQuotesURL         = quotes.URLKey
	keyImagesURL         = images.URLKey
	keyAccountStore      = "account_store"
	keyPostgresURL       = "postgres_url"
	keyVIPOutboxMax      = "vip_outbox_max"
	keyVIPOutboxMaxAge   = "vip_outbox_max_age"
)

// The values of account_store.
const (
	storeBolt     = "bolt"
	storePostgres = "postgres"
)

// Settings is everything accountservice reads from its configuration, read
// at start by readSettings. Live is what a bus refresh changes without a
// restart (refresh); the other fields need a restart.
type Settings struct {
	Profile            string // the -profile flag
	ServerPort         int
	HystrixStreamPort  int
	BoltPath           string
	TestabilityEnabled bool
	AMQPURL            string
	ZipkinURL          string
	ConfigEventBus     string
	VIPQueue           string
	// ShutdownDrain is how long the service keeps serving after SIGTERM.
	ShutdownDrain time.Duration
	// PprofPort serves net/http/pprof on 127.0.0.1 at this port; 0 (the
	// default): not at all.
	PprofPort int
	// AccountStore is where accounts live: storeBolt (default) or storePostgres.
	AccountStore string
	// PostgresURL is the database of storePostgres; it holds the password.
	PostgresURL string
	// VIPOutboxMax caps the VIP notifications waiting in the outbox; the
	// oldest beyond it are dropped and counted.
	VIPOutboxMax int
	// VIPOutboxMaxAge drops VIP notifications of reads older than this.
	VIPOutboxMaxAge time.Duration
	// Auth is the access-token check (auth_*).
	Auth bearer.Settings

	Live LiveSettings
}

// LiveSettings are what a configuration refresh changes without a restart:
// the log level and the circuit settings are applied by applyLive, the
// downstream URLs and the access log switch are read from config.Live on
// every call.
type LiveSettings struct {
	LogLevel      string
	QuotesURL     string
	ImagesURL     string
	QuotesCircuit circuit.Settings
	ImagesCircuit circuit.Settings
	// AccessLog writes a line at info for every request (server.LogRequests).
	AccessLog bool
}

// Schemes the HTTP URL keys accept.
var httpSchemes = []string{"http", "https"}

// readSettings reads the settings of profile at start. An absent key takes
// its default; every invalid value is listed in the error, one a line, so
// that one failed start lists everything to fix.
func readSettings(snap *config.Snapshot, profile string) (Settings, error) {
	s := Settings{Profile: profile}
	r := config.NewReader(snap)
	r.Port(&s.ServerPort, keyServerPort, 6767)
	r.Port(&s.HystrixStreamPort, keyHystrixStreamPort, 8181)
	r.Name(&s.BoltPath, keyBoltPath, "accounts.db", "a file path")
	r.Bool(&s.TestabilityEnabled, keyTestability, false)
	if u, err := messaging.URLFrom(snap); r.Check(err) {
		s.AMQPURL = u
	}
	r.URL(&s.ZipkinURL, keyZipkinURL, "", httpSchemes...)
	r.String(&s.ConfigEventBus, keyEventBus, "springCloudBus")
	r.Name(&s.VIPQueue, keyVIPQueue, "vip_queue", "a queue name")
	readLive(r, snap, &s.Live)
	if d, err := server.ShutdownDrain(snap); r.Check(err) {
		s.ShutdownDrain = d
	}
	if p, err := pprofPort(snap); r.Check(err) {
		s.PprofPort = p
	}
	r.String(&s.AccountStore, keyAccountStore, storeBolt)
	s.AccountStore = strings.TrimSpace(s.AccountStore)
	if n, err := snap.IntE(keyVIPOutboxMax, relay.DefaultMaxPending); r.Check(err) {
		if n < 1 {
			r.Check(&config.ValueError{Key: keyVIPOutboxMax, Value: strconv.Itoa(n), Want: "a count of 1 or more"})
		} else {
			s.VIPOutboxMax = n
		}
	}
	if d, err := snap.DurationE(keyVIPOutboxMaxAge, relay.DefaultMaxAge); r.Check(err) {
		if d <= 0 {
			r.Check(&config.ValueError{Key: keyVIPOutboxMaxAge, Value: d.String(), Want: "a duration above 0"})
		} else {
			s.VIPOutboxMaxAge = d
		}
	}
	pgURL, pgErr := postgresURL(snap)
	if r.Check(pgErr) {
		s.PostgresURL = pgURL
	}
	switch s.AccountStore {
	case storeBolt:
	case storePostgres:
		if s.PostgresURL == "" && pgErr == nil {
			r.Check(&config.ValueError{Key: keyPostgresURL, Value: "", Want: "a postgres URL (account_store is postgres)"})
		}
	default:
		r.Check(&config.ValueError{Key: keyAccountStore, Value: s.AccountStore, Want: `"bolt" or "postgres"`})
	}
	s.Auth = bearer.ReadSettings(r, snap)
	if s.ServerPort != 0 && s.ServerPort == s.HystrixStreamPort {
		r.Check(fmt.Errorf("config: %s and %s are both %d", keyServerPort, keyHystrixStreamPort, s.ServerPort))
	}
	if s.PprofPort != 0 && (s.PprofPort == s.ServerPort || s.PprofPort == s.HystrixStreamPort) {
		r.Check(fmt.Errorf("config: %s %d is already %s or %s", pprofPortKey, s.PprofPort, keyServerPort, keyHystrixStreamPort))
	}
	return s, r.Err()
}

// readLive reads the live settings into l, at start and on every refresh:
// an invalid value leaves its field as it was (on a refresh, the last good
// value; for a circuit, all its settings).
func readLive(r *config.Reader, snap *config.Snapshot, l *LiveSettings) {
	if level, err := logging.LevelFrom(snap); r.Check(err) {
		l.LogLevel = level
	}
	r.Bool(&l.AccessLog, server.AccessLogKey, false)
	r.URL(&l.QuotesURL, keyQuotesURL, "", httpSchemes...)
	r.URL(&l.ImagesURL, keyImagesURL, "", httpSchemes...)
	readCircuit(r, snap, &l.QuotesCircuit, quotes.CircuitName)
	readCircuit(r, snap, &l.ImagesCircuit, images.CircuitName)
}

// readCircuit reads the settings of circuit name into dst, all or none.
func readCircuit(r *config.Reader, snap *config.Snapshot, dst *circuit.Settings, name string) {
	if c, err := circuit.SettingsFromChecked(snap, name); r.CheckKey("hystrix.command."+name, err) {
		*dst = c
	}
}

// refresh is the settings after a configuration refresh (config.Live.Follow):
// the live ones read again from snap, an invalid value keeping the one in
// effect and listed in the error; the others as they are (they need a
// restart, and are not read again).
func refresh(snap *config.Snapshot, current Settings) (Settings, error) {
	r := config.NewReader(snap)
	readLive(r, snap, &current.Live)
	return current, r.Err()
}

// applyLive applies the live settings that are not read on every use: the
// log level and the circuit breakers' settings.
func applyLive(log *logrus.Logger) func(Settings) {
	return func(s Settings) {
		if err := logging.SetLevel(log, s.Live.LogLevel); err != nil {
			log.WithError(err).Warn("refresh: keeping the log level") // checked by readSettings; unreachable
		}
		circuit.Configure(quotes.CircuitName, s.Live.QuotesCircuit)
		circuit.Configure(images.CircuitName, s.Live.ImagesCircuit)
	}
}

// Fields is the settings under their configuration keys, secrets masked: the
// start-up log line, each "configuration refreshed" line, and GET /info.
func (s Settings) Fields() map[string]any {
	fields := map[string]any{
		"profile":            s.Profile,
		keyServerPort:        s.ServerPort,
		keyHystrixStreamPort: s.HystrixStreamPort,
		keyBoltPath:          s.BoltPath,
		keyTestability:       s.TestabilityEnabled,
		messaging.URLKey:     s.AMQPURL,
		keyZipkinURL:         s.ZipkinURL,
		keyEventBus:          s.ConfigEventBus,
		keyVIPQueue:          s.VIPQueue,
		logging.LevelKey:     s.Live.LogLevel,
		server.AccessLogKey:  s.Live.AccessLog,
		keyQuotesURL:         s.Live.QuotesURL,
		keyImagesURL:         s.Live.ImagesURL,
		"circuits":           s.Live.circuitFields(),
		server.DrainKey:      s.ShutdownDrain.String(),
		pprofPortKey:         s.PprofPort,
		keyAccountStore:      s.AccountStore,
		keyPostgresURL:       s.PostgresURL,
		keyVIPOutboxMax:      s.VIPOutboxMax,
		keyVIPOutboxMaxAge:   s.VIPOutboxMaxAge.String(),
	}
	maps.Copy(fields, s.Auth.Fields())
	return config.MaskFields(fields)
}

// circuitFields is the circuit settings for Fields, by circuit name.
func (l LiveSettings) circuitFields() map[string]any {
	out := map[string]any{}
	for name, s := range map[string]circuit.Settings{quotes.CircuitName: l.QuotesCircuit, images.CircuitName: l.ImagesCircuit} {
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

// addr is a listen address on every interface.
func addr(port int) string { return ":" + strconv.Itoa(port) }

// postgresURL reads postgres_url: empty, or a postgres:// (postgresql://)
// URL with a host and the password, if any, in its user info, where the log
// and /info mask it (config.MaskFields). A bad value is never repeated in the
// error: it may hold the password anywhere (a password parameter, a libpq
// key=value string).
func postgresURL(snap *config.Snapshot) (string, error) {
	raw := strings.TrimSpace(snap.String(keyPostgresURL, ""))
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Hostname() == "" || u.Query().Has("password") {
		return "", &config.ValueError{Key: keyPostgresURL, Value: "<hidden>",
			Want: "a postgres:// URL with a host, the password (if any) in its user info, not in a parameter"}
	}
	return raw, nil
}
