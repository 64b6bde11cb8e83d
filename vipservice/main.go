// Command vipservice consumes the VIP notifications accountservice publishes
// on vip_queue, continues their traces, logs and counts them.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/goblog/common/bus"
	"github.com/goblog/common/config"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/messaging"
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

// defaultOutageGrace is how long /health/live (the container's health check)
// stays UP while the broker is unreachable: longer than a RabbitMQ restart
// (its start period is 60 s).
const defaultOutageGrace = 90 * time.Second

// settings is the configuration vipservice reads at start.
type settings struct {
	Name, AMQPURL, ZipkinURL, EventBus, VIPQueue, LogLevel string
	Port                                                   int
	// OutageGrace is how long a broker outage leaves /health/live UP.
	OutageGrace time.Duration
	// ShutdownDrain is how long the service keeps serving after SIGTERM.
	ShutdownDrain time.Duration
	// DedupeWindow is how many event ids are remembered to count each VIP
	// event once (vip_dedupe_window).
	DedupeWindow int
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
		VIPQueue: s.String("vip_queue", "vip_queue"),
	}
	var err error
	c.Port, err = s.PortE("server_port", 6868)
	check(err)
	c.AMQPURL, err = service.AMQPURL(s)
	check(err)
	if err == nil && c.AMQPURL == "" {
		check(errors.New("config: amqp_server_url is not configured: vipservice needs RabbitMQ to consume " + c.VIPQueue))
	}
	c.ZipkinURL, err = s.URLE("zipkin_server_url", "", "http", "https")
	check(err)
	c.LogLevel, err = logging.LevelFrom(s)
	check(err)
	c.OutageGrace, err = s.DurationE("broker_outage_grace", defaultOutageGrace)
	check(err)
	c.ShutdownDrain, err = service.ShutdownDrain(s)
	check(err)
	c.DedupeWindow, err = s.IntE("vip_dedupe_window", vip.DefaultSeenWindow)
	check(err)
	if err == nil && c.DedupeWindow < 1 {
		check(&config.ValueError{Key: "vip_dedupe_window", Value: strconv.Itoa(c.DedupeWindow), Want: "a count of 1 or more"})
	}
	if c.OutageGrace < 0 {
		check(&config.ValueError{Key: "broker_outage_grace", Value: c.OutageGrace.String(), Want: "a duration of 0 or more"})
	}
	if strings.TrimSpace(c.VIPQueue) == "" {
		check(&config.ValueError{Key: "vip_queue", Value: c.VIPQueue, Want: "a queue name"})
	}
	if len(errs) > 0 {
		return settings{}, errors.Join(errs...)
	}
	return c, nil
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
	store.OnChange(func(_, next *config.Snapshot) { applyLive(log, next) })

	tracer, err := tracing.New(cfg.Name, net.JoinHostPort(servedBy, strconv.Itoa(cfg.Port)), cfg.ZipkinURL, tracing.WithLogger(log))
	if err != nil {
		return fmt.Errorf("creating tracer: %w", err)
	}
	broker := messaging.NewClient(cfg.AMQPURL, log, messaging.WithConnectionName(app),
		messaging.WithCredentialsRefresh(service.ReloadedAMQPURL(store)))

	stats := &vip.Stats{}
	handler := consumer.New(tracer, stats, vip.NewSeenIDs(cfg.DedupeWindow), log)
	// Consume and Listen return once registered: at once while the broker is
	// unreachable, the client sets them up when it connects, and again after
	// every reconnect. An error means the broker refused the declaration.
	if err := broker.Consume(ctx, cfg.VIPQueue, handler.Handle); err != nil {
		_ = broker.Close()
		_ = tracer.Close()
		return fmt.Errorf("consuming %s: %w", cfg.VIPQueue, err)
	}
	serviceID := bus.ServiceID(app, flags.Profile, cfg.Port)
	if err := bus.Listen(ctx, broker, cfg.EventBus, serviceID, store.Reload, log); err != nil {
		log.WithError(err).Error("configuration refresh over the bus is off")
	}

	router := api.NewRouter(tracer, stats, broker, cfg.OutageGrace, log)
	log.WithField("port", cfg.Port).Info("vipservice listening")
	// Closers run in reverse order of opening: the broker, then the tracer.
	return server.Runner{
		Log:     log,
		Servers: []*http.Server{server.New(":"+strconv.Itoa(cfg.Port), router)},
		Closers: []func() error{broker.Close, service.FlushSpans(log, tracer)},
		Drain:   cfg.ShutdownDrain,
	}.Run(ctx)
}

// applyLive applies what can change without a restart after a refresh: the
// log level. An invalid one is rejected with a warning naming the key, and
// the current level stays in effect.
func applyLive(log *logrus.Logger, snap *config.Snapshot) {
	service.LogConfig(log, "configuration refreshed", snap)
	if err := logging.SetLevelFrom(log, snap); err != nil {
		service.RejectRefresh(log, "log_level", err)
	}
}
