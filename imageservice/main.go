// Command imageservice serves the image URL of an account and sepia-filtered
// JPEG images: the bundled ones and uploaded JPEG or PNG files.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/goblog/common/bus"
	"github.com/goblog/common/config"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/server"
	"github.com/goblog/common/service"
	"github.com/goblog/common/tracing"
	"github.com/goblog/imageservice/internal/api"
	"github.com/goblog/imageservice/internal/bundle"
	"github.com/goblog/imageservice/internal/imaging"
	"github.com/sirupsen/logrus"
)

const app = "imageservice"

func main() {
	os.Exit(service.Main(app, os.Args[1:], run))
}

// settings is the configuration imageservice reads at start.
type settings struct {
	Name, ImageBaseURL, AMQPURL, ZipkinURL, EventBus, LogLevel string
	Port                                                       int
	// ShutdownDrain is how long the service keeps serving after SIGTERM.
	ShutdownDrain time.Duration
	// ImageMemoryBudgetMiB is what uploads may hold at once; 0 derives it
	// from the memory limits (see api.Options.MemoryBudget).
	ImageMemoryBudgetMiB int
}

// settingsFrom reads and checks the start-time configuration. Every bad value
// is reported, the errors joined, so one failed start lists everything to fix.
func settingsFrom(s *config.Snapshot) (settings, error) {
	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	c := settings{
		Name:     s.String("server_name", app),
		EventBus: s.String("config_event_bus", "springCloudBus"),
	}
	var err error
	c.Port, err = s.PortE("server_port", 7777)
	check(err)
	c.ImageBaseURL, err = imageBaseURL(s, "http://localhost:"+strconv.Itoa(c.Port))
	check(err)
	c.AMQPURL, err = service.AMQPURL(s)
	check(err)
	c.ZipkinURL, err = s.URLE("zipkin_server_url", "", "http", "https")
	check(err)
	c.LogLevel, err = logging.LevelFrom(s)
	check(err)
	c.ShutdownDrain, err = service.ShutdownDrain(s)
	check(err)
	c.ImageMemoryBudgetMiB, err = s.IntE("image_memory_budget_mib", 0)
	if err == nil && c.ImageMemoryBudgetMiB < 0 {
		err = &config.ValueError{Key: "image_memory_budget_mib", Value: strconv.Itoa(c.ImageMemoryBudgetMiB), Want: "a number of MiB, 0 or more (0: derived from the memory limits)"}
	}
	check(err)
	if len(errs) > 0 {
		return settings{}, errors.Join(errs...)
	}
	return c, nil
}

// imageBaseURL reads image_base_url (def when absent): an http(s) URL with a
// host, since accountservice only accepts absolute image URLs.
func imageBaseURL(s *config.Snapshot, def string) (string, error) {
	u, err := s.URLE("image_base_url", def, "http", "https")
	if err == nil && u == "" {
		return def, &config.ValueError{Key: "image_base_url", Value: "", Want: "an http or https URL with a host"}
	}
	return u, err
}

func run(ctx context.Context, log *logrus.Logger, servedBy string, args []string) error {
	flags, store, err := service.LoadConfig(ctx, app, args, log)
	if err != nil {
		return err
	}
	cfg, err := settingsFrom(store.Current())
	if err != nil {
		return err // one "config: <key>: …" line per bad value
	}
	if err := logging.SetLevel(log, cfg.LogLevel); err != nil {
		return err // checked by settingsFrom; unreachable
	}
	service.LogConfig(log, "configuration resolved", store.Current())
	baseURL := &atomic.Pointer[string]{}
	baseURL.Store(&cfg.ImageBaseURL)
	store.OnChange(func(_, next *config.Snapshot) { applyLive(log, next, baseURL, cfg.ImageBaseURL) })

	gallery := bundle.NewGallery(func(b []byte) ([]byte, error) { return imaging.SepiaJPEG(b, imaging.MaxPixels) })
	if err := gallery.Warm(); err != nil {
		return err
	}

	tracer, err := tracing.New(cfg.Name, net.JoinHostPort(servedBy, strconv.Itoa(cfg.Port)), cfg.ZipkinURL, tracing.WithLogger(log))
	if err != nil {
		return fmt.Errorf("creating tracer: %w", err)
	}
	closers := []func() error{service.FlushSpans(log, tracer)}

	if cfg.AMQPURL == "" {
		log.Warn("amqp_server_url not configured: configuration refresh over the bus is off")
	} else {
		broker := messaging.NewClient(cfg.AMQPURL, log, messaging.WithConnectionName(app),
			messaging.WithCredentialsRefresh(service.ReloadedAMQPURL(store)))
		closers = append([]func() error{broker.Close}, closers...) // reverse order of opening
		// Listen returns once registered; the client (re)binds on every connect.
		if err := bus.Listen(ctx, broker, cfg.EventBus, bus.ServiceID(app, flags.Profile, cfg.Port), store.Reload, log); err != nil {
			log.WithError(err).Error("configuration refresh over the bus is off")
		}
	}

	handler := api.New(api.Options{
		BaseURL:  func() string { return *baseURL.Load() },
		ServedBy: servedBy,
		Gallery:  gallery,
		Log:      log,

		MemoryBudget: int64(cfg.ImageMemoryBudgetMiB) << 20,
	})

	router := api.NewRouter(handler, tracer, log)
	log.WithField("port", cfg.Port).Info("imageservice listening")
	return server.Runner{
		Log:     log,
		Servers: []*http.Server{server.New(":"+strconv.Itoa(cfg.Port), router)},
		Closers: closers,
		Drain:   cfg.ShutdownDrain,
	}.Run(ctx)
}

// applyLive applies what can change without a restart after a refresh: the
// log level and image_base_url (stored in baseURL, read per request; def when
// the key is removed, as before). An invalid value is rejected with a warning
// naming the key, and the last good one stays in effect.
func applyLive(log *logrus.Logger, snap *config.Snapshot, baseURL *atomic.Pointer[string], def string) {
	service.LogConfig(log, "configuration refreshed", snap)
	if err := logging.SetLevelFrom(log, snap); err != nil {
		service.RejectRefresh(log, "log_level", err)
	}
	if u, err := imageBaseURL(snap, def); err != nil {
		service.RejectRefresh(log, "image_base_url", err)
	} else {
		baseURL.Store(&u)
	}
}
