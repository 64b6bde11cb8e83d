// Command imageservice serves the image URL of an account and sepia-filtered
// JPEG images: the bundled ones and uploaded JPEG or PNG files.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/goblog/common/bus"
	"github.com/goblog/common/config"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/server"
	"github.com/goblog/common/tracing"
	"github.com/goblog/imageservice/internal/api"
	"github.com/goblog/imageservice/internal/bundle"
	"github.com/goblog/imageservice/internal/imaging"
	"github.com/goblog/imageservice/internal/instance"
	"github.com/sirupsen/logrus"
)

const app = "imageservice"

func main() {
	addr := instance.Address()
	log := logging.New(app, addr, "info")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, log, addr, os.Args[1:])
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		log.WithError(err).Error("imageservice stopped")
		os.Exit(1)
	}
}

// settings is the configuration imageservice reads at start.
type settings struct {
	Name, ImageBaseURL, AMQPURL, ZipkinURL, EventBus, LogLevel string
	Port                                                       int
}

func settingsFrom(s *config.Snapshot) settings {
	port := s.Int("server_port", 7777)
	return settings{
		Name:         s.String("server_name", app),
		Port:         port,
		ImageBaseURL: s.String("image_base_url", "http://localhost:"+strconv.Itoa(port)),
		AMQPURL:      s.String("amqp_server_url", ""),
		ZipkinURL:    s.String("zipkin_server_url", ""),
		EventBus:     s.String("config_event_bus", "springCloudBus"),
		LogLevel:     s.String("log_level", "info"),
	}
}

func run(ctx context.Context, log *logrus.Logger, addr string, args []string) error {
	fs := flag.NewFlagSet(app, flag.ContinueOnError)
	flags := config.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}

	store := config.NewStore(flags.Loader(app, &http.Client{Timeout: 10 * time.Second}), log)
	if err := store.LoadWithRetry(ctx, flags.Attempts, time.Second); err != nil {
		return fmt.Errorf("loading configuration (profile %s): %w", flags.Profile, err)
	}
	cfg := settingsFrom(store.Current())
	if err := logging.SetLevel(log, cfg.LogLevel); err != nil {
		log.WithError(err).Warn("keeping the current log level")
	}
	logConfig(log, "configuration resolved", store.Current())
	store.OnChange(func(_, next *config.Snapshot) { applyLive(log, next) })

	gallery := bundle.NewGallery(func(b []byte) ([]byte, error) { return imaging.SepiaJPEG(b, imaging.MaxPixels) })
	if err := gallery.Warm(); err != nil {
		return err
	}

	tracer, err := tracing.New(cfg.Name, net.JoinHostPort(addr, strconv.Itoa(cfg.Port)), cfg.ZipkinURL, tracing.WithLogger(log))
	if err != nil {
		return fmt.Errorf("creating tracer: %w", err)
	}
	closers := []func() error{flushSpans(log, tracer)}

	if cfg.AMQPURL == "" {
		log.Warn("amqp_server_url not configured: configuration refresh over the bus is off")
	} else {
		broker := messaging.NewClient(cfg.AMQPURL, log, messaging.WithConnectionName(app))
		closers = append([]func() error{broker.Close}, closers...) // reverse order of opening
		// Listen returns once registered; the client (re)binds on every connect.
		if err := bus.Listen(ctx, broker, cfg.EventBus, bus.ServiceID(app, flags.Profile, cfg.Port), store.Reload, log); err != nil {
			log.WithError(err).Error("configuration refresh over the bus is off")
		}
	}

	handler := api.New(api.Options{
		BaseURL:  func() string { return store.Current().String("image_base_url", cfg.ImageBaseURL) },
		ServedBy: addr,
		Gallery:  gallery,
		Log:      log,
	})

	router := api.NewRouter(handler, tracer, log)
	log.WithField("port", cfg.Port).Info("imageservice listening")
	return server.Run(ctx, log, []*http.Server{server.New(":"+strconv.Itoa(cfg.Port), router)}, closers...)
}

// applyLive applies what can change without a restart after a refresh: the
// log level (image_base_url is read per request).
func applyLive(log *logrus.Logger, snap *config.Snapshot) {
	if err := logging.SetLevel(log, settingsFrom(snap).LogLevel); err != nil {
		log.WithError(err).Warn("refreshed log_level ignored")
	}
	logConfig(log, "configuration refreshed", snap)
}

// logConfig logs every key of snap, secrets masked, and warns about values
// that are still encrypted (and so treated as absent).
func logConfig(log logrus.FieldLogger, msg string, snap *config.Snapshot) {
	log.WithFields(logrus.Fields{"config": snap.Masked(), "sources": snap.Sources()}).Info(msg)
	if keys := snap.Undecrypted(); len(keys) > 0 {
		log.WithField("keys", keys).Warn("encrypted values the config server did not decrypt are ignored")
	}
}

// flushSpans closes the tracer at shutdown. Spans that cannot reach Zipkin
// are lost either way; that is worth a warning, not a failed shutdown.
func flushSpans(log logrus.FieldLogger, tracer *tracing.Tracer) func() error {
	return func() error {
		if err := tracer.Close(); err != nil {
			log.WithError(err).Warn("last spans not reported")
		}
		return nil
	}
}
