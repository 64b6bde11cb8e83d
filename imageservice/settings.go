package main

import (
	"strconv"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/config"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/server"
)

// Settings is everything imageservice reads from its configuration. It is
// read once at start (readSettings) and again on every refresh (refresh),
// where only Live is applied: the other fields need a restart.
type Settings struct {
	Profile   string // the -profile flag
	Name      string // server_name: the service's name in Zipkin
	Port      int
	AMQPURL   string
	ZipkinURL string
	EventBus  string
	// ShutdownDrain is how long the service keeps serving after SIGTERM.
	ShutdownDrain time.Duration

	Live LiveSettings
}

// LiveSettings are what a configuration refresh changes without a restart:
// the log level (applied by applyLive) and image_base_url (read from
// config.Live on every request).
type LiveSettings struct {
	LogLevel     string
	ImageBaseURL string
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
	r.Port(&s.Port, "server_port", 7777)
	// image_base_url: an http(s) URL with a host, never blank, since
	// accountservice only accepts absolute image URLs.
	def := "http://localhost:" + strconv.Itoa(s.Port)
	if u, err := snap.URLE("image_base_url", def, "http", "https"); r.Check(err) {
		if u == "" {
			r.Check(&config.ValueError{Key: "image_base_url", Value: "", Want: "an http or https URL with a host"})
		} else {
			s.Live.ImageBaseURL = u
		}
	}
	if u, err := messaging.URLFrom(snap); r.Check(err) {
		s.AMQPURL = u
	}
	r.URL(&s.ZipkinURL, "zipkin_server_url", "", "http", "https")
	if level, err := logging.LevelFrom(snap); r.Check(err) {
		s.Live.LogLevel = level
	}
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

// applyLive applies the live setting that is not read on every use: the log
// level.
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
		"profile":           s.Profile,
		"server_name":       s.Name,
		"server_port":       s.Port,
		"amqp_server_url":   s.AMQPURL,
		"zipkin_server_url": s.ZipkinURL,
		"config_event_bus":  s.EventBus,
		"shutdown_drain":    s.ShutdownDrain.String(),
		"log_level":         s.Live.LogLevel,
		"image_base_url":    s.Live.ImageBaseURL,
	})
}
