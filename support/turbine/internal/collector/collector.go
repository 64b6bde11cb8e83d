// Package collector follows the replicas of a cluster: it resolves the
// cluster's names in DNS again and again, keeps one /hystrix.stream
// connection per address, and records every event in an aggregate.Store.
package collector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/turbine/internal/aggregate"
)

// Resolver looks up every address of a host name; *net.Resolver fits.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// Target is one host:port of a cluster. Host is a DNS name resolved to all of
// its addresses (one per Swarm dnsrr replica), an IP literal, or "localhost";
// the last two are used as they are.
type Target struct {
	Host, Port string
}

func (t Target) String() string { return net.JoinHostPort(t.Host, t.Port) }

// Cluster is a named set of targets whose streams are aggregated together.
type Cluster struct {
	Name    string
	Targets []Target
}

// Config tunes a Collector. Zero values take the defaults in parentheses.
type Config struct {
	StreamPath      string        // path of the Hystrix stream (/hystrix.stream)
	ResolveInterval time.Duration // how often DNS is asked again (5s)
	ResolveTimeout  time.Duration // deadline of one lookup (2s)
	IdleTimeout     time.Duration // reconnect when a stream sends nothing this long (30s)
	MinBackoff      time.Duration // first wait after a failed stream (500ms)
	MaxBackoff      time.Duration // longest wait between attempts (15s)
}

func (c Config) withDefaults() Config {
	if c.StreamPath == "" {
		c.StreamPath = "/hystrix.stream"
	}
	if c.ResolveInterval <= 0 {
		c.ResolveInterval = 5 * time.Second
	}
	if c.ResolveTimeout <= 0 {
		c.ResolveTimeout = 2 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(15*time.Second, c.MinBackoff)
	}
	return c
}

// NewHTTPClient returns a client for long-lived streams: no overall timeout,
// but bounded dial and response-header waits, and no proxy from the
// environment (replica addresses are overlay-network IPs).
func NewHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 15 * time.Second}).DialContext,
		ResponseHeaderTimeout: 5 * time.Second,
		MaxIdleConnsPerHost:   1,
		IdleConnTimeout:       30 * time.Second,
	}}
}

// Collector follows one cluster.
type Collector struct {
	cluster  Cluster
	resolver Resolver
	client   *http.Client
	store    *aggregate.Store
	cfg      Config
	log      logrus.FieldLogger
}

// New returns a collector of cluster feeding store.
func New(cluster Cluster, resolver Resolver, client *http.Client, store *aggregate.Store, cfg Config, log logrus.FieldLogger) *Collector {
	return &Collector{
		cluster:  cluster,
		resolver: resolver,
		client:   client,
		store:    store,
		cfg:      cfg.withDefaults(),
		log:      log.WithField("cluster", cluster.Name),
	}
}

type follower struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Run follows the cluster until ctx is cancelled, then stops every stream and
// forgets the cluster's data before it returns.
func (c *Collector) Run(ctx context.Context) {
	running := make(map[string]*follower)
	defer func() {
		for _, f := range running {
			f.cancel()
		}
		for addr, f := range running {
			<-f.done
			c.store.DropHost(c.cluster.Name, addr)
		}
	}()

	ticker := time.NewTicker(c.cfg.ResolveInterval)
	defer ticker.Stop()
	empty := false
	for {
		addrs, err := c.resolve(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			// A transient DNS failure must not cut every stream: keep the
			// current set; dead replicas go stale on their own.
			c.log.WithError(err).Warn("resolving replicas failed, keeping the current ones")
		default:
			c.reconcile(ctx, running, addrs)
			if len(addrs) == 0 && !empty {
				c.log.Warn("no replicas found")
			}
			empty = len(addrs) == 0
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// reconcile starts a follower for each new address and stops, waits for and
// forgets each address that is gone. Waiting before DropHost guarantees that
// no late event of a removed host lands in the store.
func (c *Collector) reconcile(ctx context.Context, running map[string]*follower, addrs []string) {
	for addr, f := range running {
		if slices.Contains(addrs, addr) {
			continue
		}
		f.cancel()
		<-f.done
		delete(running, addr)
		c.store.DropHost(c.cluster.Name, addr)
		c.log.WithField("host", addr).Info("replica removed")
	}
	for _, addr := range addrs {
		if _, ok := running[addr]; ok {
			continue
		}
		fctx, cancel := context.WithCancel(ctx)
		f := &follower{cancel: cancel, done: make(chan struct{})}
		running[addr] = f
		c.log.WithField("host", addr).Info("replica added")
		go func() {
			defer close(f.done)
			c.follow(fctx, addr)
		}()
	}
}

// resolve returns the sorted, distinct host:port addresses of every target.
// A name that does not exist counts as no replicas; any other lookup error
// is returned so the caller keeps what it has.
func (c *Collector) resolve(ctx context.Context) ([]string, error) {
	var addrs []string
	for _, t := range c.cluster.Targets {
		if t.Host == "localhost" || net.ParseIP(t.Host) != nil {
			addrs = append(addrs, t.String())
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, c.cfg.ResolveTimeout)
		ips, err := c.resolver.LookupHost(lctx, t.Host)
		cancel()
		if err != nil {
			if dnsErr, ok := errors.AsType[*net.DNSError](err); ok && dnsErr.IsNotFound {
				c.log.WithField("target", t.String()).Debug("name not found")
				continue
			}
			return nil, fmt.Errorf("looking up %s: %w", t.Host, err)
		}
		for _, ip := range ips {
			addrs = append(addrs, net.JoinHostPort(ip, t.Port))
		}
	}
	slices.Sort(addrs)
	return slices.Compact(addrs), nil
}

// ParseCluster parses "name=host:port[,host:port…]". Without "name=" the
// cluster is named after the first host.
func ParseCluster(spec string) (Cluster, error) {
	spec = strings.TrimSpace(spec)
	name, list, found := strings.Cut(spec, "=")
	if !found {
		name, list = "", spec
	}
	var cl Cluster
	for part := range strings.SplitSeq(list, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		host, port, err := net.SplitHostPort(part)
		if err != nil {
			return Cluster{}, fmt.Errorf("parsing cluster %q target %q: %w", spec, part, err)
		}
		if n, err := strconv.Atoi(port); host == "" || err != nil || n < 1 || n > 65535 {
			return Cluster{}, fmt.Errorf("parsing cluster %q: target %q needs a host and a port 1-65535", spec, part)
		}
		cl.Targets = append(cl.Targets, Target{Host: host, Port: port})
	}
	if len(cl.Targets) == 0 {
		return Cluster{}, fmt.Errorf("parsing cluster %q: no host:port", spec)
	}
	cl.Name = strings.TrimSpace(name)
	if cl.Name == "" {
		cl.Name = cl.Targets[0].Host
	}
	return cl, nil
}
