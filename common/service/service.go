// Package service holds the steps of start-up and shutdown that every goblog
// service takes the same way: the process around run (Main), the command line
// and the configuration (LoadConfig), the configuration in the log
// (LogConfig, RejectRefresh) and the tracer's last flush (FlushSpans).
//
// What a service opens, serves and reads from its configuration stays in its
// main.go, which calls these in order and so still reads top to bottom:
//
//	func main() { os.Exit(service.Main(app, os.Args[1:], run)) }
//
//	func run(ctx context.Context, log *logrus.Logger, servedBy string, args []string) error {
//		flags, store, err := service.LoadConfig(ctx, app, args, log)
//		…typed settings, tracer, broker, routes…
//		return server.Runner{Log: log, Servers: servers, Drain: drain,
//			Closers: []func() error{broker.Close, service.FlushSpans(log, tracer)}}.Run(ctx)
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
	"github.com/goblog/common/tracing"
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

// LoadConfig parses args, the flags every service has (config.RegisterFlags:
// -profile, -configServerUrl, -configDir, …), and loads the configuration of
// app from the config server or the local directory they name. The load is
// retried with backoff, up to -configAttempts times, while the config server
// is not there yet. The error is flag.ErrHelp after -h (the usage printed).
func LoadConfig(ctx context.Context, app string, args []string, log logrus.FieldLogger) (*config.Flags, *config.Store, error) {
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

// LogConfig logs msg with every key of snap, secrets masked, and the names of
// its sources; then warns about values the config server did not decrypt,
// which are treated as absent.
func LogConfig(log logrus.FieldLogger, msg string, snap *config.Snapshot) {
	log.WithFields(logrus.Fields{"config": snap.Masked(), "sources": snap.Sources()}).Info(msg)
	if keys := snap.Undecrypted(); len(keys) > 0 {
		log.WithField("keys", keys).Warn("encrypted values the config server did not decrypt are ignored")
	}
}

// RejectRefresh logs, as a warning naming key, that a refreshed value was
// invalid (err) and the last good one stays in effect.
func RejectRefresh(log logrus.FieldLogger, key string, err error) {
	log.WithField("key", key).WithError(err).Warn("refresh: invalid value rejected, keeping the last good one")
}

// FlushSpans returns the closer of tracer for server.Runner: it sends the last
// spans. Spans that cannot reach Zipkin are lost either way; that is worth a
// warning, not a failed shutdown, so the closer always returns nil.
func FlushSpans(log logrus.FieldLogger, tracer *tracing.Tracer) func() error {
	return func() error {
		if err := tracer.Close(); err != nil {
			log.WithError(err).Warn("closing the tracer: last spans not reported")
		}
		return nil
	}
}

// MaxShutdownDrain bounds shutdown_drain: the drain, the 15 s shutdown and
// the closers must fit in the container's stop grace period.
const MaxShutdownDrain = time.Minute

// ShutdownDrain reads shutdown_drain, server.Runner's Drain: how long the
// service keeps serving, health DOWN and connections closed after each
// response, between SIGTERM and its shutdown. Default 0 (shut down at once,
// right for a laptop); the swarm profile sets it above the edge's DNS cache
// plus connection time-to-live.
func ShutdownDrain(snap *config.Snapshot) (time.Duration, error) {
	d, err := snap.DurationE("shutdown_drain", 0)
	if err != nil {
		return 0, err
	}
	if d < 0 || d > MaxShutdownDrain {
		return 0, &config.ValueError{Key: "shutdown_drain", Value: d.String(), Want: "a duration from 0s to " + MaxShutdownDrain.String()}
	}
	return d, nil
}

// AMQPURL reads amqp_server_url: an amqp or amqps URL with a host, or ""
// when the key is absent. Every service reads the broker URL through it, at
// start and in ReloadedAMQPURL.
func AMQPURL(snap *config.Snapshot) (string, error) {
	return snap.URLE("amqp_server_url", "", "amqp", "amqps")
}

// ReloadedAMQPURL returns the function for messaging.WithCredentialsRefresh:
// it reloads the configuration (from the config server, or the local files)
// and returns amqp_server_url, so a service whose broker password was rotated
// picks up the new one without a restart.
func ReloadedAMQPURL(store *config.Store) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		if err := store.Reload(ctx); err != nil {
			return "", fmt.Errorf("reloading the configuration: %w", err)
		}
		u, err := AMQPURL(store.Current())
		if err == nil && u == "" {
			err = errors.New("config: amqp_server_url is no longer configured")
		}
		return u, err
	}
}
