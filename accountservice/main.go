// Command accountservice serves accounts from an embedded bbolt database,
// enriched with a quote (quotes-service) and an image (imageservice), and
// announces reads of the VIP account on RabbitMQ.
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

	"github.com/afex/hystrix-go/hystrix"
	"github.com/gorilla/mux"
	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/boltstore"
	"github.com/goblog/accountservice/internal/httpapi"
	"github.com/goblog/accountservice/internal/images"
	"github.com/goblog/accountservice/internal/quotes"
	"github.com/goblog/accountservice/internal/vip"
	"github.com/goblog/common/bus"
	"github.com/goblog/common/circuit"
	"github.com/goblog/common/config"
	"github.com/goblog/common/discovery"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/server"
	"github.com/goblog/common/tracing"
)

const serviceName = "accountservice"

// Timeouts of the start and the shutdown.
const (
	configRetryInterval = time.Second
	boltLockTimeout     = 10 * time.Second
	vipNotifyTimeout    = 5 * time.Second
	vipDrainTimeout     = 10 * time.Second
	dnsTTL              = 5 * time.Second
)

func main() {
	servedBy := instanceAddress()
	log := logging.New(serviceName, servedBy, "info")
	// hystrix-go is silent by default; circuits opening and closing matter.
	hystrix.SetLogger(printfFunc(log.WithField("component", "hystrix").Warnf))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	err := run(ctx, log, servedBy, os.Args[1:])
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		log.WithError(err).Error("accountservice stopped")
		os.Exit(1)
	}
}

func run(ctx context.Context, log *logrus.Logger, servedBy string, args []string) error {
	fs := flag.NewFlagSet(serviceName, flag.ContinueOnError)
	flags := config.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}

	// Configuration: retried while the config server is not there yet.
	cfgStore := config.NewStore(flags.Loader(serviceName, &http.Client{Timeout: 10 * time.Second}), log)
	if err := cfgStore.LoadWithRetry(ctx, flags.Attempts, configRetryInterval); err != nil {
		return fmt.Errorf("loading configuration: %w", err)
	}
	cfg, err := configFrom(cfgStore.Current(), flags.Profile)
	if err != nil {
		return fmt.Errorf("checking configuration: %w", err)
	}
	if err := logging.SetLevel(log, cfg.LogLevel); err != nil {
		log.WithError(err).Warn("keeping the log level")
	}
	log.WithFields(cfg.Fields()).Info("configuration resolved")

	// What the service owns, opened in order and closed in reverse.
	tracer, err := tracing.New(serviceName, net.JoinHostPort(servedBy, strconv.Itoa(cfg.ServerPort)), cfg.ZipkinURL,
		tracing.WithLogger(log))
	if err != nil {
		return fmt.Errorf("starting tracer: %w", err)
	}
	db, err := openStore(ctx, cfg.BoltPath, tracer, log)
	if err != nil {
		_ = tracer.Close()
		return err
	}
	var (
		broker   *messaging.Client
		notifier account.Notifier = vip.Discard{}
	)
	if cfg.AMQPURL != "" {
		broker = messaging.NewClient(cfg.AMQPURL, log)
		notifier = vip.NewNotifier(broker, tracer, cfg.VIPQueue)
	} else {
		log.Warn("amqp_server_url is empty: no VIP notifications, no bus refresh")
	}

	// Downstream calls: circuit breaker → tracing → DNS round robin.
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 100 // the default 2 reopens connections under load
	breaker := circuit.NewClient(tracer.HTTPClient(discovery.NewTransport(base, net.DefaultResolver, dnsTTL)))
	configureCircuits(cfgStore.Current())

	reqLog := func(ctx context.Context) logrus.FieldLogger { return logging.WithContext(log, ctx) }
	live := func(key string) func() string {
		return func() string { return cfgStore.Current().String(key, "") }
	}
	svc := account.NewService(account.ServiceConfig{
		Store:         db,
		Quotes:        quotes.New(breaker, live("quotes_service_url"), reqLog),
		Images:        images.New(breaker, live("imageservice_url"), reqLog),
		Notifier:      notifier,
		ServedBy:      servedBy,
		Log:           log,
		NotifyTimeout: vipNotifyTimeout,
	})

	// Live configuration: what a bus refresh changes without a restart.
	cfgStore.OnChange(func(old, cur *config.Snapshot) { applyRefresh(log, old, cur) })
	if broker != nil {
		id := bus.ServiceID(serviceName, cfg.Profile, cfg.ServerPort)
		if err := bus.Listen(ctx, broker, cfg.ConfigEventBus, id, cfgStore.Reload, log); err != nil {
			log.WithError(err).Error("not listening for configuration refreshes")
		}
	}

	health := server.NewHealth()
	health.Register("bolt", db.Check)
	var testability *httpapi.Testability
	if cfg.TestabilityEnabled {
		testability = &httpapi.Testability{}
		health.Register("testability", testability.Check)
	}
	router := httpapi.NewRouter(httpapi.Config{
		Accounts:    svc,
		Health:      health.Handler(),
		Info:        infoFunc(cfg, servedBy, cfgStore, broker),
		Testability: testability,
		Middleware:  []mux.MiddlewareFunc{tracer.Middleware(), server.LogRequests(log), server.Recover(log)},
		Log:         reqLog,
	})

	closers := []func() error{
		func() error {
			ctx, cancel := context.WithTimeout(context.Background(), vipDrainTimeout)
			defer cancel()
			return svc.Close(ctx)
		},
	}
	if broker != nil {
		closers = append(closers, broker.Close)
	}
	closers = append(closers, func() error {
		// Spans lost to an unreachable Zipkin are no reason to fail the shutdown.
		if err := tracer.Close(); err != nil {
			log.WithError(err).Warn("closing the tracer: last spans not sent")
		}
		return nil
	}, db.Close)

	log.WithField("servedBy", servedBy).Info("accountservice starting")
	return server.Run(ctx, log,
		[]*http.Server{server.New(addr(cfg.ServerPort), router), circuit.StreamServer(addr(cfg.HystrixStreamPort))},
		closers...)
}

// openStore opens the bbolt database and seeds it on its first start.
func openStore(ctx context.Context, path string, tracer *tracing.Tracer, log logrus.FieldLogger) (*boltstore.Store, error) {
	db, err := boltstore.Open(path, boltLockTimeout, boltstore.WithTracer(tracer.Tracer))
	if err != nil {
		return nil, err
	}
	seeded, err := db.Seed(ctx, account.SeedAccounts(100))
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	log.WithFields(logrus.Fields{"path": path, "seeded": seeded}).Info("account database open")
	return db, nil
}

// circuitNames are the hystrix commands of accountservice.
func circuitNames() []string { return []string{quotes.CircuitName, images.CircuitName} }

func configureCircuits(snap *config.Snapshot) {
	for _, name := range circuitNames() {
		circuit.Configure(name, circuit.SettingsFrom(snap, name))
	}
}

// applyRefresh applies a refreshed configuration: log level and circuit
// settings here; the downstream URLs are read on every call anyway.
func applyRefresh(log *logrus.Logger, old, cur *config.Snapshot) {
	if level := cur.String("log_level", "info"); level != old.String("log_level", "info") {
		if err := logging.SetLevel(log, level); err != nil {
			log.WithError(err).Warn("refresh: keeping the log level")
		}
	}
	configureCircuits(cur)
	log.WithFields(logrus.Fields{
		"log_level":          cur.String("log_level", "info"),
		"quotes_service_url": cur.String("quotes_service_url", ""),
		"imageservice_url":   cur.String("imageservice_url", ""),
	}).Info("configuration refreshed")
}

// infoFunc returns the body of GET /info: who this instance is and the live
// values a refresh can change, so tests can watch a refresh land. The
// broker state is reported here, not in /health: a broker outage only
// delays VIP notifications, and failing the health check of every replica
// at once would take the whole service out of DNS.
func infoFunc(cfg Config, servedBy string, cfgStore *config.Store, broker *messaging.Client) func(context.Context) any {
	return func(context.Context) any {
		snap := cfgStore.Current()
		brokerState := "disabled"
		if broker != nil {
			brokerState = "UP"
			if err := broker.Healthy(); err != nil {
				brokerState = "DOWN: " + err.Error()
			}
		}
		circuits := map[string]any{}
		for _, name := range circuitNames() {
			s := circuit.SettingsFrom(snap, name)
			circuits[name] = map[string]any{
				"timeoutMs":              s.Timeout.Milliseconds(),
				"maxConcurrentRequests":  s.MaxConcurrentRequests,
				"errorPercentThreshold":  s.ErrorPercentThreshold,
				"requestVolumeThreshold": s.RequestVolumeThreshold,
				"sleepWindowMs":          s.SleepWindow.Milliseconds(),
			}
		}
		return map[string]any{
			"service":  serviceName,
			"profile":  cfg.Profile,
			"servedBy": servedBy,
			"broker":   brokerState,
			"config": map[string]any{
				"log_level":          snap.String("log_level", "info"),
				"quotes_service_url": snap.String("quotes_service_url", ""),
				"imageservice_url":   snap.String("imageservice_url", ""),
			},
			"circuits": circuits,
		}
	}
}

// printfFunc adapts a logrus level method to hystrix-go's logger.
type printfFunc func(format string, args ...any)

func (f printfFunc) Printf(format string, args ...any) { f(format, args...) }
