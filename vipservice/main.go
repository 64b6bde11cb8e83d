// Command vipservice consumes the VIP notifications accountservice publishes
// on vip_queue, continues their traces, logs and counts them.
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
	"github.com/goblog/vipservice/internal/api"
	"github.com/goblog/vipservice/internal/consumer"
	"github.com/goblog/vipservice/internal/vip"
	"github.com/sirupsen/logrus"
)

const app = "vipservice"

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
	cfg := settings.Load()       // start-only settings; the live ones are applied by applyLive
	reg := metrics.NewRegistry() // served at GET /metrics

	tracer, err := tracing.New(cfg.Name, net.JoinHostPort(servedBy, strconv.Itoa(cfg.Port)), cfg.ZipkinURL, tracing.WithLogger(log))
	if err != nil {
		return fmt.Errorf("creating tracer: %w", err)
	}
	guard, err := bearer.New(ctx, cfg.Auth, api.AuthRules(), log)
	if err != nil {
		_ = tracer.Close()
		return fmt.Errorf("starting the token check: %w", err)
	}
	// Named vipservice@<servedBy> in the management UI. A broker that refuses
	// our credentials makes the client reload the whole configuration (the
	// live settings too) for a new amqp_server_url.
	broker := messaging.NewClient(cfg.AMQPURL, log, messaging.ForService(app, servedBy, store, messaging.NewMetrics(reg))...)

	stats := &vip.Stats{}
	handler := consumer.New(tracer, stats, vip.NewSeenIDs(cfg.DedupeWindow), log)
	// Consume and Listen return once registered: at once while the broker is
	// unreachable, the client sets them up when it connects, and again after
	// every reconnect. An error means the broker refused the declaration.
	if err := broker.Consume(ctx, cfg.VIPQueue, handler.Handle); err != nil {
		_ = broker.Close()
		_ = guard.Close()
		_ = tracer.Close()
		return fmt.Errorf("consuming %s: %w", cfg.VIPQueue, err)
	}
	serviceID := bus.ServiceID(app, cfg.Profile, cfg.Port)
	if err := bus.Listen(ctx, broker, cfg.EventBus, serviceID, store.Reload, log); err != nil {
		log.WithError(err).Error("configuration refresh over the bus is off")
	}

	accessLog := func() bool { return settings.Load().Live.AccessLog }
	router := api.NewRouter(tracer, stats, broker, cfg.OutageGrace, metrics.Handler(reg, log), log, accessLog, guard.Middleware)
	log.WithField("port", cfg.Port).Info("vipservice listening")
	// Closers run in reverse order of opening: the broker, the token check, the tracer.
	return server.Runner{
		Log:     log,
		Servers: []*http.Server{server.New(":"+strconv.Itoa(cfg.Port), metrics.NewHTTP(reg).Instrument(router))},
		Closers: []func() error{broker.Close, guard.Close, tracing.FlushSpans(log, tracer)},
		Drain:   cfg.ShutdownDrain,
		// The memory of a load back to the OS once it is over (issue 13).
		IdleReturn: idleReturn(stats),
	}.Run(ctx)
}

// idleReturn is server.DefaultIdleReturn counting the messages handled as
// well as the requests, busy from 5 in 5 s (one VIP event a second, what a
// 100-user load through the edge sends), quiet up to 3 (the 5-second health
// check, twice when the ticks drift, and a scrape). vipservice's work is
// deliveries: counting requests alone, no busy period ever started, and a
// load's memory stayed (9.5 MiB 2 minutes after one, against 3.7 before;
// issue 13, item 3).
func idleReturn(stats *vip.Stats) server.IdleReturn {
	r := server.DefaultIdleReturn()
	r.Busy, r.Quiet = 5, 3
	r.Work = stats.Handled
	return r
}
