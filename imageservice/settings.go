package main

import (
	"maps"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/bearer"
	"github.com/goblog/common/config"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/server"
)

// The configuration keys of imageservice, each spelled here only. Keys read
// through common are spelled there: log_level (logging.LevelFrom),
// amqp_server_url (messaging.URLFrom), shutdown_drain
// (server.ShutdownDrain) and auth_* (bearer.ReadSettings).
const (
	keyName         = "server_name"
	keyPort         = "server_port"
	keyZipkinURL    = "zipkin_server_url"
	keyEventBus     = "config_event_bus"
	keyImageBaseURL = "image_base_url"
	keyMemoryBudget = "image_memory_budget_mib"
)

// Settings is everything imageservice reads from its configuration, read at
// start by readSettings. Live is what a bus refresh changes without a
// restart (refresh); the other fields need a restart.
type Settings struct {
	Profile   string // the -profile flag
	Name      string // server_name: the service's name in Zipkin
	Port      int
	AMQPURL   string
	ZipkinURL string
	EventBus  string
	// ShutdownDrain is how long the service keeps serving after SIGTERM.
	ShutdownDrain time.Duration
	// ImageMemoryBudgetMiB is what uploads may hold at once; 0 derives it
	// from the memory limits (see api.Options.MemoryBudget).
	ImageMemoryBudgetMiB int
	// Auth is the access-token check (auth_*).
	Auth bearer.Settings

	Live LiveSettings
}

// LiveSettings are what a configuration refresh changes without a restart:
// the log level (applied by applyLive), image_base_url and access_log (read
// from config.Live on every request).
type LiveSettings struct {
	LogLevel     string
	ImageBaseURL string
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
	r.Port(&s.Port, keyPort, 7777)
	readLive(r, snap, s.Port, &s.Live)
	if u, err := messaging.URLFrom(snap); r.Check(err) {
		s.AMQPURL = u
	}
	r.URL(&s.ZipkinURL, keyZipkinURL, "", "http", "https")
	if d, err := server.ShutdownDrain(snap); r.Check(err) {
		s.ShutdownDrain = d
	}
	if mib, err := snap.IntE(keyMemoryBudget, 0); r.Check(err) {
		if mib < 0 {
			r.Check(&config.ValueError{Key: keyMemoryBudget, Value: strconv.Itoa(mib), Want: "a number of MiB, 0 or more (0: derived from the memory limits)"})
		} else {
			s.ImageMemoryBudgetMiB = mib
		}
	}
	s.Auth = bearer.ReadSettings(r, snap)
	return s, r.Err()
}

// readLive reads the live settings of the service listening on port into l,
// at start and on every refresh: an invalid value leaves its field as it was
// (on a refresh, the last good value).
func readLive(r *config.Reader, snap *config.Snapshot, port int, l *LiveSettings) {
	// image_base_url: an http(s) URL with a host, never blank, since
	// accountservice only accepts absolute image URLs.
	const want = "an http or https URL with a host"
	def := "http://localhost:" + strconv.Itoa(port)
	if u, err := snap.URLE(keyImageBaseURL, def, "http", "https"); r.Check(err) {
		if u == "" {
			r.Check(&config.ValueError{Key: keyImageBaseURL, Value: "", Want: want})
		} else {
			l.ImageBaseURL = u
		}
	}
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
	readLive(r, snap, current.Port, &current.Live)
	return current, r.Err()
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
	fields := map[string]any{
		"profile":           s.Profile,
		keyName:             s.Name,
		keyPort:             s.Port,
		messaging.URLKey:    s.AMQPURL,
		keyZipkinURL:        s.ZipkinURL,
		keyEventBus:         s.EventBus,
		server.DrainKey:     s.ShutdownDrain.String(),
		logging.LevelKey:    s.Live.LogLevel,
		server.AccessLogKey: s.Live.AccessLog,
		keyImageBaseURL:     s.Live.ImageBaseURL,
		keyMemoryBudget:     s.ImageMemoryBudgetMiB,
	}
	maps.Copy(fields, s.Auth.Fields())
	return config.MaskFields(fields)
}
