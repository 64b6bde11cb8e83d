// Command accountservice serves accounts from an embedded bbolt database,
// enriched with a quote (quotes-service) and an image (imageservice), and
// announces reads of the VIP account on RabbitMQ.
package main

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/api"
	"github.com/goblog/accountservice/internal/boltstore"
	"github.com/goblog/accountservice/internal/images"
	"github.com/goblog/accountservice/internal/pgstore"
	"github.com/goblog/accountservice/internal/quotes"
	"github.com/goblog/accountservice/internal/relay"
	"github.com/goblog/accountservice/internal/vip"
	"github.com/goblog/common/bus"
	"github.com/goblog/common/circuit"
	"github.com/goblog/common/config"
	"github.com/goblog/common/discovery"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/server"
	"github.com/goblog/common/service"
	"github.com/goblog/common/tracing"
)

const serviceName = "accountservice"

// Timeouts of the start and the shutdown.
const (
	boltLockTimeout = 10 * time.Second
	vipRelayStop    = 10 * time.Second
	dnsTTL          = 5 * time.Second
)

func main() {
	os.Exit(service.Main(serviceName, os.Args[1:], run))
}

func run(ctx context.Context, log *logrus.Logger, servedBy string, args []string) error {
	// The breakers are silent by default; circuits opening and closing matter.
	circuit.SetLogger(log.WithField("component", "hystrix").Warnf)

	// Configuration: retried while the config server is not there yet.
	flags, cfgStore, err := service.LoadConfig(ctx, serviceName, args, log)
	if err != nil {
		return err
	}
	cfg, err := configFrom(cfgStore.Current(), flags.Profile)
	if err != nil {
		return err // one "config: <key>: …" line per bad value
	}
	if err := logging.SetLevel(log, cfg.LogLevel); err != nil {
		return err // checked by configFrom; unreachable
	}
	log.WithFields(cfg.Fields()).Info("configuration resolved")

	// What the service owns, opened in order and closed in reverse.
	tracer, err := tracing.New(serviceName, net.JoinHostPort(servedBy, strconv.Itoa(cfg.ServerPort)), cfg.ZipkinURL,
		tracing.WithLogger(log))
	if err != nil {
		return fmt.Errorf("starting tracer: %w", err)
	}
	db, err := openStore(ctx, cfg, tracer, log)
	if err != nil {
		_ = tracer.Close()
		return err
	}
	var (
		broker   *messaging.Client
		notifier account.Notifier = vip.Discard{}
		vipRelay *relay.Relay
	)
	if cfg.AMQPURL != "" {
		broker = messaging.NewClient(cfg.AMQPURL, log, messaging.WithCredentialsRefresh(service.ReloadedAMQPURL(cfgStore)))
		vipRelay = relay.New(relay.Config{
			Outbox:     db,
			Publisher:  vip.NewNotifier(broker, tracer, cfg.VIPQueue),
			Log:        log.WithField("component", "vip-relay"),
			MaxPending: cfg.VIPOutboxMax,
			MaxAge:     cfg.VIPOutboxMaxAge,
		})
		notifier = vipRelay
	} else {
		log.Warn("amqp_server_url is empty: no VIP notifications, no bus refresh")
	}

	// Downstream calls: circuit breaker → tracing → DNS round robin.
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 100 // the default 2 reopens connections under load
	breaker := circuit.NewClient(tracer.HTTPClient(discovery.NewTransport(base, net.DefaultResolver, dnsTTL)))
	live := newLive(cfg)
	for name, s := range cfg.Circuits {
		circuit.Configure(name, s)
	}

	reqLog := func(ctx context.Context) logrus.FieldLogger { return logging.WithContext(log, ctx) }
	svc := account.NewService(account.ServiceConfig{
		Store:    db,
		Quotes:   quotes.New(breaker, func() string { return live.Load().QuotesURL }, reqLog),
		Images:   images.New(breaker, func() string { return live.Load().ImagesURL }, reqLog),
		Notifier: notifier,
		ServedBy: servedBy,
	})

	// Live configuration: what a bus refresh changes without a restart.
	cfgStore.OnChange(func(_, cur *config.Snapshot) { applyRefresh(log, live, cur) })
	if broker != nil {
		id := bus.ServiceID(serviceName, cfg.Profile, cfg.ServerPort)
		if err := bus.Listen(ctx, broker, cfg.ConfigEventBus, id, cfgStore.Reload, log); err != nil {
			log.WithError(err).Error("not listening for configuration refreshes")
		}
	}

	health := server.NewHealth()
	// A PostgreSQL outage hits every replica at once: failing /health would
	// take them all out of DNS and get them restarted, which cures nothing.
	// They answer 503 instead until the database is back; /info shows it.
	if cfg.AccountStore == storeBolt {
		health.Register("bolt", db.Check)
	}
	var testability *api.Testability
	if cfg.TestabilityEnabled {
		testability = &api.Testability{}
		health.Register("testability", testability.Check)
	}
	router := api.NewRouter(api.Config{
		Accounts:    svc,
		Health:      health.Handler(),
		Info:        infoFunc(cfg, servedBy, live, broker, db, vipRelay),
		Testability: testability,
		Middleware:  []mux.MiddlewareFunc{tracer.Middleware(), server.LogRequests(log), server.Recover(log)},
		Log:         reqLog,
	})

	var closers []func() error
	if vipRelay != nil {
		closers = append(closers, startRelay(vipRelay, log), broker.Close)
	}
	closers = append(closers, service.FlushSpans(log, tracer), db.Close)

	log.WithField("servedBy", servedBy).Info("accountservice starting")
	return server.Runner{
		Log:     log,
		Servers: []*http.Server{server.New(addr(cfg.ServerPort), router), circuit.StreamServer(addr(cfg.HystrixStreamPort))},
		Closers: closers,
		Drain:   cfg.ShutdownDrain,
	}.Run(ctx)
}

// accountStore is the account.Store main opens, checks and closes; it keeps
// the VIP outbox too.
type accountStore interface {
	account.Store
	account.Outbox
	Check(ctx context.Context) error
	Close() error
}

// startRelay runs the VIP relay in the background and returns its closer:
// it stops the relay and waits for it (up to vipRelayStop), before the
// broker and the store it uses are closed. What it has not delivered stays
// in the outbox for the next start.
func startRelay(r *relay.Relay, log logrus.FieldLogger) func() error {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(vipRelayStop):
			log.Warn("the VIP relay did not stop in time; its undelivered notifications stay in the outbox")
			return nil
		}
	}
}

// openStore opens the store account_store names (a bbolt file, or PostgreSQL
// once it is reachable and migrated) and seeds it on its first start.
func openStore(ctx context.Context, cfg Config, tracer *tracing.Tracer, log logrus.FieldLogger) (accountStore, error) {
	var (
		db    accountStore
		where logrus.Fields
		err   error
	)
	switch cfg.AccountStore {
	case storePostgres:
		where = logrus.Fields{"store": storePostgres, "url": redactURL(cfg.PostgresURL)}
		db, err = pgstore.Open(ctx, cfg.PostgresURL, pgstore.WithTracer(tracer.Tracer), pgstore.WithLogger(log.WithFields(where)))
	default:
		where = logrus.Fields{"store": storeBolt, "path": cfg.BoltPath}
		db, err = boltstore.Open(cfg.BoltPath, boltLockTimeout, boltstore.WithTracer(tracer.Tracer))
	}
	if err != nil {
		return nil, err
	}
	seeded, err := db.Seed(ctx, account.SeedAccounts(100))
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	log.WithFields(where).WithField("seeded", seeded).Info("account database open")
	return db, nil
}

// circuitNames are the hystrix commands of accountservice.
func circuitNames() []string { return []string{quotes.CircuitName, images.CircuitName} }

// liveValues are the values a configuration refresh changes without a
// restart, as last applied. The downstream URLs are read from it on every call.
type liveValues struct {
	LogLevel  string
	QuotesURL string
	ImagesURL string
	Circuits  map[string]circuit.Settings // never modified: a refresh stores a new map
}

// newLive holds the live values of the start-time configuration.
func newLive(cfg Config) *atomic.Pointer[liveValues] {
	live := &atomic.Pointer[liveValues]{}
	live.Store(&liveValues{LogLevel: cfg.LogLevel, QuotesURL: cfg.QuotesURL, ImagesURL: cfg.ImagesURL, Circuits: cfg.Circuits})
	return live
}

// applyRefresh applies a refreshed configuration: the log level, the
// downstream URLs and the circuit settings. Each is checked as at start; an
// invalid value is rejected with a warning naming its key and the last good
// value stays in effect (for a circuit, all its settings), so a bad push never
// crashes the service nor silently becomes a default. A removed key takes its
// default, as a restart would.
func applyRefresh(log *logrus.Logger, live *atomic.Pointer[liveValues], cur *config.Snapshot) {
	old := live.Load()
	next := *old
	next.Circuits = maps.Clone(old.Circuits)
	if level, err := logging.LevelFrom(cur); err != nil {
		service.RejectRefresh(log, "log_level", err)
	} else {
		next.LogLevel = level
	}
	for _, u := range []struct {
		key string
		dst *string
	}{{"quotes_service_url", &next.QuotesURL}, {"imageservice_url", &next.ImagesURL}} {
		if v, err := cur.URLE(u.key, "", httpSchemes...); err != nil {
			service.RejectRefresh(log, u.key, err)
		} else {
			*u.dst = v
		}
	}
	for _, name := range circuitNames() {
		if s, err := circuit.SettingsFromChecked(cur, name); err != nil {
			service.RejectRefresh(log, "hystrix.command."+name, err)
		} else {
			next.Circuits[name] = s
		}
	}

	live.Store(&next)
	if err := logging.SetLevel(log, next.LogLevel); err != nil {
		log.WithError(err).Warn("refresh: keeping the log level") // checked above; unreachable
	}
	for name, s := range next.Circuits {
		circuit.Configure(name, s)
	}
	log.WithFields(logrus.Fields{
		"log_level":          next.LogLevel,
		"quotes_service_url": next.QuotesURL,
		"imageservice_url":   next.ImagesURL,
		"circuits":           circuitFields(next.Circuits),
	}).Info("configuration refreshed")
}

// infoFunc returns the body of GET /info: who this instance is and the live
// values in effect (after the last refresh), so tests can watch a refresh
// land. The broker state is reported here, not in /health: a broker outage
// only delays VIP notifications, and failing the health check of every
// replica at once would take the whole service out of DNS.
func infoFunc(cfg Config, servedBy string, live *atomic.Pointer[liveValues], broker *messaging.Client, db accountStore, vipRelay *relay.Relay) func(context.Context) any {
	return func(ctx context.Context) any {
		values := live.Load()
		brokerState := "disabled"
		var outbox any = "disabled"
		if broker != nil {
			brokerState = broker.Status()
		}
		if vipRelay != nil {
			outbox = vipRelay.Stats()
		}
		return map[string]any{
			"service":   serviceName,
			"profile":   cfg.Profile,
			"servedBy":  servedBy,
			"broker":    brokerState,
			"store":     storeState(ctx, cfg, db),
			"vipOutbox": outbox,
			"config": map[string]any{
				"log_level":          values.LogLevel,
				"quotes_service_url": values.QuotesURL,
				"imageservice_url":   values.ImagesURL,
			},
			"circuits": circuitFields(values.Circuits),
		}
	}
}

// storeState is the store for /info: its kind, its database (password
// masked) and whether it answers now ("up", or "unavailable: …").
func storeState(ctx context.Context, cfg Config, db accountStore) map[string]string {
	state := map[string]string{"kind": cfg.AccountStore, "state": "up"}
	if cfg.AccountStore == storePostgres {
		state["url"] = redactURL(cfg.PostgresURL)
	} else {
		state["path"] = cfg.BoltPath
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := db.Check(ctx); err != nil {
		state["state"] = "unavailable: " + err.Error()
	}
	return state
}
