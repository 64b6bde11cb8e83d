// Command turbine aggregates the /hystrix.stream of every replica of one or
// more clusters, found through DNS, into one /turbine.stream for the Hystrix
// dashboard, like Netflix Turbine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/logging"
	"github.com/goblog/turbine/internal/aggregate"
	"github.com/goblog/turbine/internal/api"
	"github.com/goblog/turbine/internal/collector"
)

const shutdownTimeout = 10 * time.Second

func main() {
	host, _ := os.Hostname()
	log := logging.New("turbine", host, "")
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, log)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		log.WithError(err).Error("turbine stopped")
		os.Exit(1)
	}
}

// run parses the configuration, listens, and serves until ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, usage io.Writer, log *logrus.Logger) error {
	cfg, err := parseConfig(args, getenv, usage)
	if err != nil {
		return fmt.Errorf("parsing configuration: %w", err)
	}
	lvl, err := logrus.ParseLevel(cfg.LogLevel)
	if err != nil {
		return fmt.Errorf("parsing configuration: %w", err)
	}
	log.SetLevel(lvl)
	log.WithFields(logrus.Fields{
		"port": cfg.Port, "clusters": (*clusterList)(&cfg.Clusters).String(), "streamPath": cfg.StreamPath,
		"resolveInterval": cfg.ResolveInterval.String(), "interval": cfg.Interval.String(),
		"staleAfter": cfg.StaleAfter.String(), "idleTimeout": cfg.IdleTimeout.String(), "logLevel": cfg.LogLevel,
	}).Info("starting turbine")

	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return fmt.Errorf("listening on port %d: %w", cfg.Port, err)
	}
	a := newApp(cfg, net.DefaultResolver, collector.NewHTTPClient(), collector.Config{}, time.Now, log)
	return a.serve(ctx, ln)
}

// app is the assembled turbine: one collector per cluster feeding a store,
// and the HTTP API reading it.
type app struct {
	store      *aggregate.Store
	collectors []*collector.Collector
	handler    http.Handler
	log        logrus.FieldLogger
}

// newApp wires the parts. base tunes the collectors (tests shorten the
// backoff); its StreamPath, ResolveInterval and IdleTimeout come from cfg.
func newApp(cfg config, resolver collector.Resolver, client *http.Client, base collector.Config, now func() time.Time, log logrus.FieldLogger) *app {
	store := aggregate.NewStore(cfg.StaleAfter, now)
	base.StreamPath = cfg.StreamPath
	base.ResolveInterval = cfg.ResolveInterval
	base.IdleTimeout = cfg.IdleTimeout
	a := &app{
		store:   store,
		handler: api.NewHandler(store, cfg.clusterNames(), api.Config{Interval: cfg.Interval}, log),
		log:     log,
	}
	for _, cl := range cfg.Clusters {
		a.collectors = append(a.collectors, collector.New(cl, resolver, client, store, base, log))
	}
	return a
}

// serve runs the collectors and the HTTP server on ln until ctx is cancelled
// or the server fails; then it stops the server (stream clients are released
// at once because their contexts derive from ctx) and the collectors.
func (a *app) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second, // the stream handler extends it per write
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}

	cctx, stopCollectors := context.WithCancel(ctx)
	defer stopCollectors()
	var wg sync.WaitGroup
	for _, c := range a.collectors {
		wg.Go(func() { c.Run(cctx) })
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	a.log.WithField("addr", ln.Addr().String()).Info("serving /turbine.stream")

	var err error
	select {
	case err = <-serveErr:
		err = fmt.Errorf("serving http on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
		a.log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		if serr := srv.Shutdown(sctx); serr != nil {
			err = fmt.Errorf("shutting down http server: %w", serr)
		}
		cancel()
		if serr := <-serveErr; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = fmt.Errorf("serving http on %s: %w", ln.Addr(), serr)
		}
	}
	stopCollectors()
	wg.Wait()
	if err == nil {
		a.log.Info("stopped")
	}
	return err
}
