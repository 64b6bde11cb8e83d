// Package discovery spreads HTTP requests over every replica of a Docker
// Swarm service published with endpoint_mode: dnsrr, where the service name
// resolves to the IP of each healthy task.
//
// The transport resolves the host of a request to all its addresses, caches
// them for a short TTL, and sends each request to the next address in turn.
// It rewrites only URL.Host (to ip:port) and keeps the Host header, so the
// wrapped http.Transport keeps one pool of keep-alive connections per replica
// while the replica still sees its service name.
package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// DefaultTTL is used when NewTransport is given a ttl <= 0.
const DefaultTTL = 5 * time.Second

// lookupTimeout bounds one DNS lookup, shared by the requests waiting on it.
const lookupTimeout = 5 * time.Second

// Resolver resolves a host name to addresses; *net.Resolver implements it.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// NewTransport returns a RoundTripper over base (nil: a clone of
// http.DefaultTransport with 100 idle connections per address) that balances
// plain-HTTP requests round robin over the addresses r (nil: the system
// resolver) gives for their host, re-resolving after ttl (<= 0: DefaultTTL)
// and right after a failed dial. A name with a single address works the same
// way. IP literals, localhost and HTTPS requests pass through to base
// unchanged. An idempotent request whose dial failed is retried once on
// another address. When a name has both IPv4 and IPv6 addresses only the IPv4
// ones are used (the Swarm overlay is IPv4).
func NewTransport(base *http.Transport, r Resolver, ttl time.Duration) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
		base.MaxIdleConnsPerHost = 100
	}
	if r == nil {
		r = net.DefaultResolver
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &transport{base: base, resolver: r, ttl: ttl, now: time.Now, hosts: map[string]*entry{}}
}

type transport struct {
	base     *http.Transport
	resolver Resolver
	ttl      time.Duration
	now      func() time.Time

	lookups singleflight.Group
	mu      sync.Mutex
	hosts   map[string]*entry
}

// entry is the resolved addresses of one host; it is replaced, never changed,
// except for its round-robin counter.
type entry struct {
	addrs   []string // sorted, so the counter walks a stable order
	expires time.Time
	next    *atomic.Uint64 // shared with the entry this one replaces
}

func (e *entry) pick(exclude string) string {
	n := uint64(len(e.addrs))
	i := e.next.Add(1) - 1
	addr := e.addrs[i%n]
	if addr == exclude && n > 1 {
		addr = e.addrs[(i+1)%n]
	}
	return addr
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Hostname()
	if !t.balanced(req, host) {
		return t.base.RoundTrip(req)
	}
	e, err := t.resolve(req.Context(), host)
	if err != nil {
		closeBody(req)
		return nil, fmt.Errorf("discovery: resolving %s: %w", host, err)
	}
	addr := e.pick("")
	resp, err := t.base.RoundTrip(withAddr(req, addr, port(req.URL)))
	if err == nil || !isDialError(err) {
		return resp, err
	}

	// The address is gone (or going): resolve afresh on the next request,
	// and try another replica once if the request can safely be sent again.
	t.invalidate(host, e)
	if req.Context().Err() != nil {
		return nil, err
	}
	retry, ok := replayable(req)
	if !ok {
		return nil, err
	}
	other := e.pick(addr)
	if other == addr {
		return nil, err
	}
	return t.base.RoundTrip(withAddr(retry, other, port(req.URL)))
}

// balanced reports whether req should be spread over the addresses of host.
func (t *transport) balanced(req *http.Request, host string) bool {
	if req.URL.Scheme != "http" || host == "" {
		// HTTPS would verify the certificate against the IP; leave it to base.
		return false
	}
	if net.ParseIP(host) != nil {
		return false
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h != "localhost" && !strings.HasSuffix(h, ".localhost")
}

// resolve returns the cached entry of host, looking it up when missing or
// expired. Concurrent lookups of one host are merged. When a lookup fails but
// addresses are cached, those are kept for another ttl.
func (t *transport) resolve(ctx context.Context, host string) (*entry, error) {
	t.mu.Lock()
	old := t.hosts[host]
	t.mu.Unlock()
	if old != nil && t.now().Before(old.expires) {
		return old, nil
	}

	ch := t.lookups.DoChan(host, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookupTimeout)
		defer cancel()
		addrs, err := t.resolver.LookupHost(lctx, host)
		if err == nil && len(addrs) == 0 {
			err = errors.New("no addresses")
		}

		t.mu.Lock()
		defer t.mu.Unlock()
		cur := t.hosts[host]
		if err != nil {
			if cur == nil {
				return nil, err
			}
			addrs = cur.addrs
		}
		e := &entry{addrs: usable(addrs), expires: t.now().Add(t.ttl)}
		if cur != nil {
			e.next = cur.next
		} else {
			e.next = new(atomic.Uint64)
		}
		t.hosts[host] = e
		return e, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*entry), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// usable sorts addrs, keeping only the IPv4 ones when there are some.
func usable(addrs []string) []string {
	v4 := slices.DeleteFunc(slices.Clone(addrs), func(a string) bool {
		ip := net.ParseIP(a)
		return ip == nil || ip.To4() == nil
	})
	if len(v4) > 0 {
		addrs = v4
	}
	return slices.Sorted(slices.Values(addrs))
}

// invalidate drops the cached entry of host if it is still e.
func (t *transport) invalidate(host string, e *entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hosts[host] == e {
		delete(t.hosts, host)
	}
}

// CloseIdleConnections closes the idle connections of the base transport,
// so http.Client.CloseIdleConnections reaches it.
func (t *transport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// withAddr is a shallow copy of req sent to addr:port, with the original
// host as Host header. Headers are shared: the base transport only reads them.
func withAddr(req *http.Request, addr, port string) *http.Request {
	r := req.WithContext(req.Context())
	u := *req.URL
	u.Host = net.JoinHostPort(addr, port)
	r.URL = &u
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	return r
}

// port is the port of u, explicit or the http default.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return "80"
}

// replayable returns a copy of req to send again after a failed dial, if req
// is idempotent and its body can be produced again.
func replayable(req *http.Request) (*http.Request, bool) {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
	default:
		if req.Header.Get("Idempotency-Key") == "" && req.Header.Get("X-Idempotency-Key") == "" {
			return nil, false
		}
	}
	if req.Body == nil || req.Body == http.NoBody {
		return req, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	r := req.WithContext(req.Context())
	r.Body = body
	return r, true
}

// isDialError reports whether err is a failure to connect, so the request
// never reached the server.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
