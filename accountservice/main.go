// Command accountservice serves accounts from an embedded bbolt database or
// a shared PostgreSQL (account_store), enriched with a quote (quotes-service)
// and an image (imageservice), and announces reads of the VIP account on
// RabbitMQ through an outbox in the store.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/api"
	"github.com/goblog/accountservice/internal/app"
	"github.com/goblog/accountservice/internal/boltstore"
	"github.com/goblog/accountservice/internal/pgstore"
	"github.com/goblog/accountservice/internal/relay"
	"github.com/goblog/accountservice/internal/storemetrics"
	"github.com/goblog/accountservice/internal/vip"
	"github.com/goblog/common/bearer"
	"github.com/goblog/common/bus"
	"github.com/goblog/common/circuit"
	"github.com/goblog/common/config"
	"github.com/goblog/common/discovery"
	"github.com/goblog/common/messaging"
	"github.com/goblog/common/metrics"
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
	// Allocation sampling for heap profiles is off unless pprof_port is set
	// (run turns it on): only that endpoint reads the samples, and their
	// records, one per call stack and never freed, held about 1.9 MB of the
	// process after a load (issue 13, item 3; accountservice/README.md).
	runtime.MemProfileRate = 0
	os.Exit(service.Main(serviceName, os.Args[1:], run))
}

// memProfileRate is the runtime's default rate of allocation sampling (one
// sample per 512 KiB allocated), used while pprof_port is set.
const memProfileRate = 512 << 10

func run(ctx context.Context, log *logrus.Logger, servedBy string, args []string) error {
	// The breakers are silent by default; circuits opening and closing matter.
	circuit.SetLogger(log.WithField("component", "hystrix").Warnf)

	// Configuration: retried while the config server is not there yet, read
	// into Settings (settings.go), kept up to date by every refresh.
	settings, cfgStore, err := service.LoadSettings(ctx, serviceName, args, log, service.SettingsFuncs[Settings]{
		Read: readSettings, Refresh: refresh, Apply: applyLive(log),
	})
	if err != nil {
		return err
	}
	cfg := settings.Load()
	reg := metrics.NewRegistry() // served at GET /metrics

	// What the service owns, opened in order and closed in reverse.
	tracer, err := tracing.New(serviceName, net.JoinHostPort(servedBy, strconv.Itoa(cfg.ServerPort)), cfg.ZipkinURL,
		tracing.WithLogger(log))
	if err != nil {
		return fmt.Errorf("starting tracer: %w", err)
	}
	db, err := openStore(ctx, cfg, tracer, reg, log)
	if err != nil {
		_ = tracer.Close()
		return err
	}
	guard, err := bearer.New(ctx, cfg.Auth, api.AuthRules(), log)
	if err != nil {
		_ = db.Close()
		_ = tracer.Close()
		return fmt.Errorf("starting the token check: %w", err)
	}
	var (
		broker   *messaging.Client
		notifier account.Notifier = vip.Discard{}
		vipRelay *relay.Relay
	)
	if cfg.AMQPURL != "" {
		// Named accountservice@<servedBy> in the management UI. A broker that
		// refuses our credentials makes the client reload the whole
		// configuration (the live settings too) for a new amqp_server_url.
		broker = messaging.NewClient(cfg.AMQPURL, log, messaging.ForService(serviceName, servedBy, cfgStore, messaging.NewMetrics(reg))...)
		// A VIP read is recorded in the outbox (the store) before it answers;
		// the relay publishes it with publisher confirms (at least once).
		vipRelay = relay.New(relay.Config{
			Outbox:     db,
			Publisher:  vip.NewNotifier(broker, tracer, cfg.VIPQueue),
			Log:        log.WithField("component", "vip-relay"),
			MaxPending: cfg.VIPOutboxMax,
			MaxAge:     cfg.VIPOutboxMaxAge,
		})
		notifier = vipRelay
		id := bus.ServiceID(serviceName, cfg.Profile, cfg.ServerPort)
		if err := bus.Listen(ctx, broker, cfg.ConfigEventBus, id, cfgStore.Reload, log); err != nil {
			log.WithError(err).Error("not listening for configuration refreshes")
		}
	} else {
		log.Warn("amqp_server_url is empty: no VIP notifications, no bus refresh")
	}

	health := server.NewHealth()
	// A PostgreSQL outage hits every replica at once: failing /health would
	// take them all out of DNS and get them restarted, which cures nothing.
	// They answer 503 instead until the database is back; /info shows it.
	if cfg.AccountStore == storeBolt {
		health.Register("bolt", db.Check)
	}
	// Downstream calls: circuit breaker → tracing → DNS round robin.
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 100 // the default 2 reopens connections under load
	// The downstream answers are small JSON (100-200 bytes) that nothing
	// compresses; net/http's transparent gzip adds its Accept-Encoding
	// header in a header map of its own per request (2 allocations, 0.7 kB).
	base.DisableCompression = true
	accounts := app.New(app.Config{
		QuotesURL:   func() string { return settings.Load().Live.QuotesURL },
		ImagesURL:   func() string { return settings.Load().Live.ImagesURL },
		AccessLog:   func() bool { return settings.Load().Live.AccessLog },
		Testability: cfg.TestabilityEnabled,
		Info:        infoFunc(settings, servedBy, broker, db, vipRelay),
	}, app.Dependencies{
		Store:     db,
		Notifier:  notifier,
		Tracer:    tracer,
		Health:    health,
		Transport: discovery.NewTransport(base, net.DefaultResolver, dnsTTL),
		Log:       log,
		Metrics:   reg,
		ServedBy:  servedBy,
		Auth:      guard.Middleware,
	})

	var closers []func() error
	if vipRelay != nil {
		closers = append(closers, startRelay(vipRelay, log), broker.Close)
	}
	closers = append(closers, accounts.Close, guard.Close, tracing.FlushSpans(log, tracer), db.Close)

	servers := []*http.Server{server.New(addr(cfg.ServerPort), accounts.Handler), circuit.StreamServer(addr(cfg.HystrixStreamPort))}
	if cfg.PprofPort != 0 {
		runtime.MemProfileRate = memProfileRate
		servers = append(servers, server.New(pprofAddr(cfg.PprofPort), pprofHandler()))
		log.WithField("addr", pprofAddr(cfg.PprofPort)).Warn("pprof_port is set: profiling endpoint open on loopback")
	}

	log.WithField("servedBy", servedBy).Info("accountservice starting")
	return server.Runner{
		Log:     log,
		Servers: servers,
		Closers: closers,
		Drain:   cfg.ShutdownDrain,
		// The memory of a load back to the OS once it is over (issue 13).
		IdleReturn: server.DefaultIdleReturn(),
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
// once it is reachable and migrated), measured on reg (every operation timed,
// by kind), and seeds it on its first start.
func openStore(ctx context.Context, cfg Settings, tracer *tracing.Tracer, reg prometheus.Registerer, log logrus.FieldLogger) (accountStore, error) {
	var (
		db    accountStore
		where logrus.Fields
		err   error
	)
	switch cfg.AccountStore {
	case storePostgres:
		where = logrus.Fields{"store": storePostgres, "url": config.RedactURL(cfg.PostgresURL)}
		db, err = pgstore.Open(ctx, cfg.PostgresURL, pgstore.WithTracer(tracer.Tracer), pgstore.WithLogger(log.WithFields(where)))
	default:
		where = logrus.Fields{"store": storeBolt, "path": cfg.BoltPath}
		db, err = boltstore.Open(cfg.BoltPath, boltLockTimeout, boltstore.WithTracer(tracer.Tracer))
	}
	if err != nil {
		return nil, err
	}
	db = storemetrics.Wrap(db, cfg.AccountStore, reg)
	seeded, err := db.Seed(ctx, account.SeedAccounts(100))
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	log.WithFields(where).WithField("seeded", seeded).Info("account database open")
	return db, nil
}

// infoFunc returns the body of GET /info: who this instance is and the
// settings in effect (after the last refresh, secrets masked), so tests can
// watch a refresh land. The broker state is reported here, not in /health: a
// broker outage only delays VIP notifications, and failing the health check
// of every replica at once would take the whole service out of DNS.
func infoFunc(settings *config.Live[Settings], servedBy string, broker *messaging.Client, db accountStore, vipRelay *relay.Relay) func(context.Context) any {
	return func(ctx context.Context) any {
		s := settings.Load()
		brokerState := "disabled"
		if broker != nil {
			brokerState = broker.Status()
		}
		var outbox any = "disabled"
		if vipRelay != nil {
			outbox = vipRelay.Stats()
		}
		fields := s.Fields()
		return map[string]any{
			"service":   serviceName,
			"profile":   s.Profile,
			"servedBy":  servedBy,
			"broker":    brokerState,
			"store":     storeState(ctx, s, db),
			"vipOutbox": outbox,
			"config":    fields,
			"circuits":  fields["circuits"],
		}
	}
}

// storeState is the store for /info: its kind, its database (password
// masked) and whether it answers now ("up", or "unavailable: …").
func storeState(ctx context.Context, s Settings, db accountStore) map[string]string {
	state := map[string]string{"kind": s.AccountStore, "state": "up"}
	if s.AccountStore == storePostgres {
		state["url"] = config.RedactURL(s.PostgresURL)
	} else {
		state["path"] = s.BoltPath
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := db.Check(ctx); err != nil {
		state["state"] = "unavailable: " + err.Error()
	}
	return state
}
