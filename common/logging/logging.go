// Package logging builds the JSON logrus loggers of the goblog services.
//
// Every entry carries the fields service and instance; entries made with
// WithContext also carry the traceId and spanId of the Zipkin span in the
// context, so a log line can be found from a trace and the other way round.
package logging

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/config"
	"github.com/goblog/common/tracing"
)

// New returns a JSON logger writing to stdout whose entries all carry the
// fields service and instance. An empty or invalid level leaves the logger at
// info; an invalid one is reported as a warning through the logger itself, so
// a typo in the configuration is visible but never fatal.
func New(service, instance, level string) *logrus.Logger {
	return NewWithWriter(os.Stdout, service, instance, level)
}

// NewWithWriter is New writing to w instead of stdout.
func NewWithWriter(w io.Writer, service, instance, level string) *logrus.Logger {
	log := logrus.New()
	log.SetOutput(w)
	log.SetFormatter(&logrus.JSONFormatter{TimestampFormat: time.RFC3339Nano})
	log.SetLevel(logrus.InfoLevel)
	log.AddHook(staticFields{"service": service, "instance": instance})
	if level != "" {
		if err := SetLevel(log, level); err != nil {
			log.WithError(err).Warn("keeping log level info")
		}
	}
	return log
}

// SetLevel parses level ("debug", "info", "warn", …, case-insensitive) and
// applies it to log. An unknown level is an error and leaves log unchanged.
// It is safe to call while other goroutines log (configuration refresh).
func SetLevel(log *logrus.Logger, level string) error {
	lvl, err := ParseLevel(level)
	if err != nil {
		return fmt.Errorf("setting log level %q: %w", level, err)
	}
	log.SetLevel(lvl)
	return nil
}

// ParseLevel parses a level as SetLevel does (case-insensitive, surrounding
// space ignored), without applying it: services check log_level with it
// before they start or accept a refresh.
func ParseLevel(level string) (logrus.Level, error) {
	return logrus.ParseLevel(strings.TrimSpace(level))
}

// LevelKey is the configuration key of the log level; info when absent.
const (
	LevelKey     = "log_level"
	defaultLevel = "info"
)

// LevelFrom reads log_level from snap (info when absent) and checks it is a
// level: when it is not, the answer is info and a *config.ValueError naming
// the key, the value and the levels. Services read it at start (and fail on
// the error) and on a refresh (and keep their level on the error).
func LevelFrom(snap *config.Snapshot) (string, error) {
	level := snap.String(LevelKey, defaultLevel)
	if _, err := ParseLevel(level); err != nil {
		return defaultLevel, &config.ValueError{Key: LevelKey, Value: level,
			Want: "a log level (trace, debug, info, warn, error, fatal, panic)"}
	}
	return level, nil
}

// WithContext returns an entry of log carrying the traceId and spanId of the
// Zipkin span in ctx, or no extra fields when ctx holds no span.
func WithContext(log logrus.FieldLogger, ctx context.Context) *logrus.Entry {
	return log.WithFields(tracing.LogFields(ctx))
}

// staticFields is a hook adding the same fields to every entry. Fields set
// explicitly on an entry win.
type staticFields logrus.Fields

func (staticFields) Levels() []logrus.Level { return logrus.AllLevels }

func (f staticFields) Fire(e *logrus.Entry) error {
	if e.Data == nil {
		e.Data = make(logrus.Fields, len(f))
	}
	for k, v := range f {
		if _, ok := e.Data[k]; !ok {
			e.Data[k] = v
		}
	}
	return nil
}
