// Package service starts and stops a goblog service: Main is the process
// around run (one logger, one signal context, one os.Exit status), and
// LoadSettings parses the command line, loads the configuration (retried
// while the config server is not there yet) and reads it into the service's
// typed settings, kept up to date by every refresh. It is the only way a
// service starts; what a service reads, opens and serves stays in its own
// package (the keys in its settings.go).
//
//	func main() { os.Exit(service.Main(app, os.Args[1:], run)) }
//
//	func run(ctx context.Context, log *logrus.Logger, servedBy string, args []string) error {
//		settings, store, err := service.LoadSettings(ctx, app, args, log, service.SettingsFuncs[Settings]{
//			Read: readSettings, Refresh: refresh, Apply: applyLive(log)})
//		…tracer, broker, routes…
//		return server.Runner{Log: log, Servers: servers, Drain: drain,
//			Closers: []func() error{broker.Close, tracing.FlushSpans(log, tracer)}}.Run(ctx)
//	}
package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/config"
	"github.com/goblog/common/instance"
	"github.com/goblog/common/logging"
)

// Timeouts of loading the configuration: one request to the config server,
// and the first wait between two attempts (it grows, up to 15s).
const (
	configRequestTimeout = 10 * time.Second
	configRetryInterval  = time.Second
)

// Run is what a service does between start and stop: it serves until ctx is
// cancelled and returns why it stopped (nil after a clean shutdown).
// log is a JSON logger at level info, until run applies log_level; servedBy
// is instance.Address(); args are the command-line arguments.
type Run func(ctx context.Context, log *logrus.Logger, servedBy string, args []string) error

// Main runs the service app as a process and returns its exit status, for
// main to pass to os.Exit: run gets a logger to stdout whose entries carry
// service app and instance servedBy, and a context cancelled by SIGTERM or
// SIGINT. The status is 0 when run returns nil or flag.ErrHelp (-h), else 1,
// the error logged as "<app> stopped".
func Main(app string, args []string, run Run) int {
	servedBy := instance.Address()
	log := logging.New(app, servedBy, "info")
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return exitStatus(log, app, run(ctx, log, servedBy, args))
}

// exitStatus is Main's status for run's error err, which it logs.
func exitStatus(log logrus.FieldLogger, app string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	log.WithError(err).Error(app + " stopped")
	return 1
}

// loadConfig parses args, the flags every service has (config.RegisterFlags:
// -profile, -configServerUrl, -configDir, …), and loads the configuration of
// app from the config server or the local directory they name. The load is
// retried with backoff, up to -configAttempts times, while the config server
// is not there yet. The error is flag.ErrHelp after -h (the usage printed).
func loadConfig(ctx context.Context, app string, args []string, log logrus.FieldLogger) (*config.Flags, *config.Store, error) {
	fs := flag.NewFlagSet(app, flag.ContinueOnError)
	flags := config.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	store := config.NewStore(flags.Loader(app, &http.Client{Timeout: configRequestTimeout}), log)
	if err := store.LoadWithRetry(ctx, flags.Attempts, configRetryInterval); err != nil {
		return nil, nil, fmt.Errorf("loading configuration (profile %s): %w", flags.Profile, err)
	}
	return flags, store, nil
}

// SettingsFuncs are how a service reads its typed settings T (its
// settings.go, the one place its keys are spelled).
type SettingsFuncs[T config.Settings] struct {
	// Read reads every setting from the snapshot loaded at start, for the
	// profile given on the command line; its error lists every bad key and
	// the start fails.
	Read func(snap *config.Snapshot, profile string) (T, error)
	// Refresh is the settings after a configuration refresh, from the new
	// snapshot and those in effect: an invalid value keeps the one in effect
	// and is listed in the error (config.Live.Follow).
	Refresh func(snap *config.Snapshot, current T) (T, error)
	// Apply applies what is not read on every use (the log level, circuit
	// settings): once at start, before the settings are logged, and after
	// every refresh. Nil when there is nothing to apply.
	Apply func(T)
}

// LoadSettings is the start of every service's configuration: loadConfig,
// then read the settings (f.Read), apply them (f.Apply), log them as
// "configuration resolved" (Fields, secrets masked) and hold them in a
// config.Live that follows every reload of the store (f.Refresh, f.Apply;
// config.Live.Follow). It returns the live settings and the store (for
// bus.Listen and messaging.ReloadConfigForURL). The error is loadConfig's,
// or f.Read's: one "config: <key>: …" line per bad value.
func LoadSettings[T config.Settings](ctx context.Context, app string, args []string, log logrus.FieldLogger, f SettingsFuncs[T]) (*config.Live[T], *config.Store, error) {
	flags, store, err := loadConfig(ctx, app, args, log)
	if err != nil {
		return nil, nil, err
	}
	settings, err := f.Read(store.Current(), flags.Profile)
	if err != nil {
		return nil, nil, err
	}
	if f.Apply != nil {
		f.Apply(settings)
	}
	log.WithFields(settings.Fields()).Info("configuration resolved")
	live := config.NewLive(settings)
	live.Follow(store, log, f.Refresh, f.Apply)
	return live, store, nil
}
