package main

import (
	"errors"
	"maps"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/bearer"
	"github.com/goblog/common/config"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/server"

	"github.com/goblog/vipservice/internal/vip"
)

// defaultOutageGrace is how long /health/live (the container's health check)
// stays UP while the broker is unreachable: longer than a RabbitMQ restart
// (its start period is 60 s).
const defaultOutageGrace = 90 * time.Second

// The configuration keys of vipservice, each spelled here only. Keys read
// through common are spelled there: log_level (logging.LevelFrom),
// amqp_server_url (messaging.URLFrom), shutdown_drain
// (server.ShutdownDrain) and auth_* (bearer.ReadSettings).
const (
	keyName        = "server_name"
	keyPort        = "server_port"
	keyZipkinURL   = "zipkin_server_url"
	keyEventBus    = "config_event_bus"
	keyVIPQueue    = "vip_queue"
	keyOutageGrace = "broker_outage_grace"
	keyDedupe      = "vip_dedupe_window"
)

// Settings is everything vipservice reads from its configuration, read at
// start by readSettings. Live is what a bus refresh changes without a
// restart (refresh); the other fields need a restart.
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
	// DedupeWindow is how many event ids are remembered to count each VIP
	// event once.
	DedupeWindow int
	// Auth is the access-token check (auth_*).
	Auth bearer.Settings

	Live LiveSettings
}

// LiveSettings are what a configuration refresh changes without a restart:
// the log level, applied by applyLive, and the access log switch, read from
// config.Live on every request.
type LiveSettings struct {
	LogLevel string
	// AccessLog writes a line at info for every request (server.LogRequests).
	AccessLog bool
}

// readSettings reads the settings of profile at start. An absent key takes
// its default; every invalid value is listed in the error, one a line, so
// that one failed start lists everything to fix.
func readSettings(snap *config.Snapshot, profile string) (Settings, error) {
	s := Settings{Profile: profile}
	r := config.NewReader(snap)
	r.String(&s.Name, keyName, app)
	r.String(&s.EventBus, keyEventBus, "springCloudBus")
	r.Name(&s.VIPQueue, keyVIPQueue, "vip_queue", "a queue name")
	r.Port(&s.Port, keyPort, 6868)
	if u, err := messaging.URLFrom(snap); r.Check(err) {
		if u == "" {
			r.Check(errors.New("config: " + messaging.URLKey + " is not configured: vipservice needs RabbitMQ to consume " + s.VIPQueue))
		} else {
			s.AMQPURL = u
		}
	}
	r.URL(&s.ZipkinURL, keyZipkinURL, "", "http", "https")
	readLive(r, snap, &s.Live)
	r.Duration(&s.OutageGrace, keyOutageGrace, defaultOutageGrace, 0)
	if n, err := snap.IntE(keyDedupe, vip.DefaultSeenWindow); r.Check(err) {
		if n < 1 {
			r.Check(&config.ValueError{Key: keyDedupe, Value: strconv.Itoa(n), Want: "a count of 1 or more"})
		} else {
			s.DedupeWindow = n
		}
	}
	if d, err := server.ShutdownDrain(snap); r.Check(err) {
		s.ShutdownDrain = d
	}
	s.Auth = bearer.ReadSettings(r, snap)
	return s, r.Err()
}

// readLive reads the live settings into l, at start and on every refresh:
// an invalid value leaves its field as it was (on a refresh, the last good
// value).
func readLive(r *config.Reader, snap *config.Snapshot, l *LiveSettings) {
	if level, err := logging.LevelFrom(snap); r.Check(err) {
		l.LogLevel = level
	}
	r.Bool(&l.AccessLog, server.AccessLogKey, false)
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
	fields := map[string]any{
		"profile":           s.Profile,
		keyName:             s.Name,
		keyPort:             s.Port,
		messaging.URLKey:    s.AMQPURL,
		keyZipkinURL:        s.ZipkinURL,
		keyEventBus:         s.EventBus,
		keyVIPQueue:         s.VIPQueue,
		keyOutageGrace:      s.OutageGrace.String(),
		keyDedupe:           s.DedupeWindow,
		server.DrainKey:     s.ShutdownDrain.String(),
		logging.LevelKey:    s.Live.LogLevel,
		server.AccessLogKey: s.Live.AccessLog,
	}
	maps.Copy(fields, s.Auth.Fields())
	return config.MaskFields(fields)
}
