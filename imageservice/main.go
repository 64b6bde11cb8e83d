// Command imageservice serves the image URL of an account and sepia-filtered
// JPEG images: the bundled ones and uploaded JPEG or PNG files.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/goblog/common/bearer"
	"github.com/goblog/common/bus"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/metrics"
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

func run(ctx context.Context, log *logrus.Logger, servedBy string, args []string) error {
	settings, store, err := service.LoadSettings(ctx, app, args, log, service.SettingsFuncs[Settings]{
		Read: readSettings, Refresh: refresh, Apply: applyLive(log),
	})
	if err != nil {
		return err
	}
	cfg := settings.Load()
	reg := metrics.NewRegistry() // served at GET /metrics

	gallery := bundle.NewGallery(func(b []byte) ([]byte, error) { return imaging.SepiaJPEG(b, imaging.MaxPixels) })
	if err := gallery.Warm(); err != nil {
		return err
	}

	tracer, err := tracing.New(cfg.Name, net.JoinHostPort(servedBy, strconv.Itoa(cfg.Port)), cfg.ZipkinURL, tracing.WithLogger(log))
	if err != nil {
		return fmt.Errorf("creating tracer: %w", err)
	}
	closers := []func() error{tracing.FlushSpans(log, tracer)}
	guard, err := bearer.New(ctx, cfg.Auth, api.AuthRules(), log)
	if err != nil {
		_ = tracer.Close()
		return fmt.Errorf("starting the token check: %w", err)
	}
	closers = append([]func() error{guard.Close}, closers...)

	if cfg.AMQPURL == "" {
		log.Warn("amqp_server_url not configured: configuration refresh over the bus is off")
	} else {
		// Named imageservice@<servedBy> in the management UI. A broker that
		// refuses our credentials makes the client reload the whole
		// configuration (the live settings too) for a new amqp_server_url.
		broker := messaging.NewClient(cfg.AMQPURL, log, messaging.ForService(app, servedBy, store, messaging.NewMetrics(reg))...)
		closers = append([]func() error{broker.Close}, closers...) // reverse order of opening
		// Listen returns once registered; the client (re)binds on every connect.
		if err := bus.Listen(ctx, broker, cfg.EventBus, bus.ServiceID(app, cfg.Profile, cfg.Port), store.Reload, log); err != nil {
			log.WithError(err).Error("configuration refresh over the bus is off")
		}
	}

	handler := api.New(api.Options{
		BaseURL:  func() string { return settings.Load().Live.ImageBaseURL },
		ServedBy: servedBy,
		Gallery:  gallery,
		Log:      log,

		MemoryBudget: int64(cfg.ImageMemoryBudgetMiB) << 20,
	})

	router := api.NewRouter(handler, tracer, metrics.Handler(reg, log), log, guard.Middleware)
	log.WithField("port", cfg.Port).Info("imageservice listening")
	return server.Runner{
		Log:     log,
		Servers: []*http.Server{server.New(":"+strconv.Itoa(cfg.Port), metrics.NewHTTP(reg).Instrument(router))},
		Closers: closers,
		Drain:   cfg.ShutdownDrain,
		// The memory of a load back to the OS once it is over (issue 13).
		IdleReturn: server.DefaultIdleReturn(),
	}.Run(ctx)
}
