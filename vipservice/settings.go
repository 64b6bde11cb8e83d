package main

import (
	"errors"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/config"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/server"
)

// defaultOutageGrace is how long /health/live (the container's health check)
// stays UP while the broker is unreachable: longer than a RabbitMQ restart
// (its start period is 60 s).
const defaultOutageGrace = 90 * time.Second

// Settings is everything vipservice reads from its configuration. It is read
// once at start (readSettings) and again on every refresh (refresh), where
// only Live is applied: the other fields need a restart.
type Settings struct {
	Profile   string // the -profile flag
	Name      string // server_name: the service's name in Zipkin
	Port      int
	AMQPURL   string
	ZipkinURL string
	EventBus  string
	VIPQueue  string
	// OutageGrace is how long a broker outage leaves /health/live UP.
	OutageGrace time.Duration
	// ShutdownDrain is how long the service keeps serving after SIGTERM.
	ShutdownDrain time.Duration

	Live LiveSettings
}

// LiveSettings are what a configuration refresh changes without a restart:
// the log level, applied by applyLive.
type LiveSettings struct {
	LogLevel string
}

// readSettings reads every setting of snap into a copy of last: at start
// last is Settings{}, on a refresh the settings in effect. An absent key
// takes its default; an invalid value keeps the one in last and its error is
// listed: every one of them, joined one a line, so that one failed start
// lists everything to fix.
func readSettings(snap *config.Snapshot, last Settings) (Settings, error) {
	s := last
	r := config.NewReader(snap)
	r.String(&s.Name, "server_name", app)
	r.String(&s.EventBus, "config_event_bus", "springCloudBus")
	r.Name(&s.VIPQueue, "vip_queue", "vip_queue", "a queue name")
	r.Port(&s.Port, "server_port", 6868)
	if u, err := messaging.URLFrom(snap); r.Check(err) {
		if u == "" {
			r.Check(errors.New("config: amqp_server_url is not configured: vipservice needs RabbitMQ to consume " + s.VIPQueue))
		} else {
			s.AMQPURL = u
		}
	}
	r.URL(&s.ZipkinURL, "zipkin_server_url", "", "http", "https")
	if level, err := logging.LevelFrom(snap); r.Check(err) {
		s.Live.LogLevel = level
	}
	r.Duration(&s.OutageGrace, "broker_outage_grace", defaultOutageGrace, 0)
	if d, err := server.ShutdownDrain(snap); r.Check(err) {
		s.ShutdownDrain = d
	}
	return s, r.Err()
}

// refresh is the settings after a configuration refresh (config.Live.Follow):
// the live ones read again from snap, an invalid value keeping the one in
// effect; the others as at start (they need a restart).
func refresh(snap *config.Snapshot, current Settings) (Settings, error) {
	next, err := readSettings(snap, current)
	current.Live = next.Live
	return current, err
}

// applyLive applies the live settings: the log level.
func applyLive(log *logrus.Logger) func(Settings) {
	return func(s Settings) {
		if err := logging.SetLevel(log, s.Live.LogLevel); err != nil {
			log.WithError(err).Warn("refresh: keeping the log level") // checked by readSettings; unreachable
		}
	}
}

// Fields is the settings under their configuration keys, secrets masked: the
// start-up log line and each "configuration refreshed" line.
func (s Settings) Fields() map[string]any {
	return config.MaskFields(map[string]any{
		"profile":             s.Profile,
		"server_name":         s.Name,
		"server_port":         s.Port,
		"amqp_server_url":     s.AMQPURL,
		"zipkin_server_url":   s.ZipkinURL,
		"config_event_bus":    s.EventBus,
		"vip_queue":           s.VIPQueue,
		"broker_outage_grace": s.OutageGrace.String(),
		"shutdown_drain":      s.ShutdownDrain.String(),
		"log_level":           s.Live.LogLevel,
	})
}
