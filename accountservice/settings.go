package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/images"
	"github.com/goblog/accountservice/internal/quotes"
	"github.com/goblog/common/circuit"
	"github.com/goblog/common/config"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/server"
)

// Settings is everything accountservice reads from its configuration. It is
// read once at start (readSettings) and again on every refresh (refresh),
// where only Live is applied: the other fields need a restart.
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

	Live LiveSettings
}

// LiveSettings are what a configuration refresh changes without a restart:
// the log level and the circuit settings are applied by applyLive, the
// downstream URLs are read from config.Live on every call.
type LiveSettings struct {
	LogLevel      string
	QuotesURL     string
	ImagesURL     string
	QuotesCircuit circuit.Settings
	ImagesCircuit circuit.Settings
}

// Schemes the HTTP URL keys accept.
var httpSchemes = []string{"http", "https"}

// readSettings reads every setting of snap into a copy of last: at start
// last is Settings{}, on a refresh the settings in effect. An absent key
// takes its default; an invalid value keeps the one in last and its error is
// listed: every one of them, joined one a line, so that one failed start
// lists everything to fix. For a circuit, one invalid value keeps all its
// settings.
func readSettings(snap *config.Snapshot, last Settings) (Settings, error) {
	s := last
	r := config.NewReader(snap)
	r.Port(&s.ServerPort, "server_port", 6767)
	r.Port(&s.HystrixStreamPort, "hystrix_stream_port", 8181)
	r.Name(&s.BoltPath, "bolt_path", "accounts.db", "a file path")
	r.Bool(&s.TestabilityEnabled, "testability_enabled", false)
	if u, err := messaging.URLFrom(snap); r.Check(err) {
		s.AMQPURL = u
	}
	r.URL(&s.ZipkinURL, "zipkin_server_url", "", httpSchemes...)
	r.String(&s.ConfigEventBus, "config_event_bus", "springCloudBus")
	r.Name(&s.VIPQueue, "vip_queue", "vip_queue", "a queue name")
	if level, err := logging.LevelFrom(snap); r.Check(err) {
		s.Live.LogLevel = level
	}
	r.URL(&s.Live.QuotesURL, "quotes_service_url", "", httpSchemes...)
	r.URL(&s.Live.ImagesURL, "imageservice_url", "", httpSchemes...)
	readCircuit(r, snap, &s.Live.QuotesCircuit, quotes.CircuitName)
	readCircuit(r, snap, &s.Live.ImagesCircuit, images.CircuitName)
	if d, err := server.ShutdownDrain(snap); r.Check(err) {
		s.ShutdownDrain = d
	}
	if s.ServerPort != 0 && s.ServerPort == s.HystrixStreamPort {
		r.Check(fmt.Errorf("config: server_port and hystrix_stream_port are both %d", s.ServerPort))
	}
	return s, r.Err()
}

// readCircuit reads the settings of circuit name into dst, all or none.
func readCircuit(r *config.Reader, snap *config.Snapshot, dst *circuit.Settings, name string) {
	if c, err := circuit.SettingsFromChecked(snap, name); r.CheckKey("hystrix.command."+name, err) {
		*dst = c
	}
}

// refresh is the settings after a configuration refresh (config.Live.Follow):
// the live ones read again from snap, an invalid value keeping the one in
// effect; the others as at start (they need a restart).
func refresh(snap *config.Snapshot, current Settings) (Settings, error) {
	next, err := readSettings(snap, current)
	current.Live = next.Live
	return current, err
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
	return config.MaskFields(map[string]any{
		"profile":             s.Profile,
		"server_port":         s.ServerPort,
		"hystrix_stream_port": s.HystrixStreamPort,
		"bolt_path":           s.BoltPath,
		"testability_enabled": s.TestabilityEnabled,
		"amqp_server_url":     s.AMQPURL,
		"zipkin_server_url":   s.ZipkinURL,
		"config_event_bus":    s.ConfigEventBus,
		"vip_queue":           s.VIPQueue,
		"log_level":           s.Live.LogLevel,
		"quotes_service_url":  s.Live.QuotesURL,
		"imageservice_url":    s.Live.ImagesURL,
		"circuits":            s.Live.circuitFields(),
		"shutdown_drain":      s.ShutdownDrain.String(),
	})
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
