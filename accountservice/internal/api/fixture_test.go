package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/api"
	"github.com/goblog/accountservice/internal/app"
	"github.com/goblog/accountservice/internal/images"
	"github.com/goblog/accountservice/internal/memstore"
	"github.com/goblog/accountservice/internal/quotes"
	"github.com/goblog/common/circuit"
	"github.com/goblog/common/logging"
	"github.com/goblog/common/server"
	"github.com/goblog/common/tracing"
)

// Modes of a fake downstream service.
const (
	succeed int32 = iota
	fail          // 500
	hang          // never answers until the caller gives up
)

// downstream is a fake quotes-service or imageservice.
type downstream struct {
	*httptest.Server
	mode    atomic.Int32
	hits    atomic.Int32
	traceID atomic.Value // X-B3-TraceId of the last request
	auth    atomic.Value // Authorization of the last request
}

func newDownstream(tb testing.TB, body string) *downstream {
	d := &downstream{}
	stop := make(chan struct{})
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.hits.Add(1)
		d.traceID.Store(r.Header.Get("X-B3-TraceId"))
		d.auth.Store(r.Header.Get("Authorization"))
		switch d.mode.Load() {
		case fail:
			http.Error(w, "boom", http.StatusInternalServerError)
		case hang:
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}
	}))
	tb.Cleanup(func() { close(stop); d.Close() })
	return d
}

// notifier is a channel-based fake account.Notifier: every call is sent on
// calls and returns err.
type notifier struct {
	calls chan string
	err   error
}

func newNotifier() *notifier {
	return &notifier{calls: make(chan string, 64)}
}

func (n *notifier) NotifyVIP(_ context.Context, id string, _ time.Time) error {
	n.calls <- id
	return n.err
}

// failingStore fails every read with a storage error.
type failingStore struct{ account.Store }

func (failingStore) Get(context.Context, string) (account.Account, error) {
	return account.Account{}, errors.New("bolt: database not open")
}

// unavailableStore fails every call as a store whose database is down.
type unavailableStore struct{ account.Store }

func (unavailableStore) Get(context.Context, string) (account.Account, error) {
	return account.Account{}, fmt.Errorf("reading account: %w: dial tcp 10.0.0.7:5432: connect: connection refused", account.ErrUnavailable)
}

func (unavailableStore) Create(context.Context, string) (account.Account, error) {
	return account.Account{}, fmt.Errorf("storing account: %w: %w", account.ErrUnavailable, context.DeadlineExceeded)
}

// fixture is the accountservice built by app.New, as main builds it, minus
// the infrastructure: memstore, fake downstreams over real circuits and
// tracing, a fake notifier.
type fixture struct {
	router      http.Handler
	routes      *mux.Router // under router
	svc         *account.Service
	quotes      *downstream
	images      *downstream
	notifier    *notifier
	testability *api.Testability
	tracer      *tracing.Tracer
}

type fixtureOption func(*fixtureConfig)

type fixtureConfig struct {
	store       account.Store
	testability bool
	auth        mux.MiddlewareFunc
	accessLog   bool
}

func withStore(s account.Store) fixtureOption      { return func(c *fixtureConfig) { c.store = s } }
func withoutTestability() fixtureOption            { return func(c *fixtureConfig) { c.testability = false } }
func withAuth(mw mux.MiddlewareFunc) fixtureOption { return func(c *fixtureConfig) { c.auth = mw } }
func withAccessLog() fixtureOption                 { return func(c *fixtureConfig) { c.accessLog = true } }

var configureCircuits sync.Once

func newFixture(tb testing.TB, opts ...fixtureOption) *fixture {
	tb.Helper()
	cfg := fixtureConfig{testability: true}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.store == nil {
		s := memstore.New()
		if _, err := s.Seed(context.Background(), account.SeedAccounts(100)); err != nil {
			tb.Fatal(err)
		}
		cfg.store = s
	}
	configureCircuits.Do(func() {
		// Short timeouts keep the hanging-downstream specs quick; a volume
		// threshold that is never reached keeps the circuits closed, so the
		// specs do not depend on each other's order.
		for _, name := range []string{quotes.CircuitName, images.CircuitName} {
			circuit.Configure(name, circuit.Settings{Timeout: 300 * time.Millisecond, RequestVolumeThreshold: 1 << 30})
		}
	})

	// The services' logger (JSON, service and instance on every line), so
	// the benchmarks pay what a line costs in production.
	log := logging.NewWithWriter(io.Discard, "accountservice", "10.0.0.7", "info")

	tracer, err := tracing.New("accountservice", "127.0.0.1:6767", "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = tracer.Close() })

	f := &fixture{
		quotes:   newDownstream(tb, `{"quote":"Fake it till you make it","ipAddress":"10.0.0.8","language":"en"}`),
		images:   newDownstream(tb, `{"url":"http://imageservice:7777/file/cake.jpg","servedBy":"10.0.0.9"}`),
		notifier: newNotifier(),
		tracer:   tracer,
	}
	quotesURL := f.quotes.URL + "/api/quote?strength=4"
	imagesURL := f.images.URL + "/accounts/"
	a := app.New(app.Config{
		QuotesURL:   func() string { return quotesURL },
		ImagesURL:   func() string { return imagesURL },
		Testability: cfg.testability,
		Info:        func(context.Context) any { return map[string]string{"service": "accountservice"} },
		AccessLog:   func() bool { return cfg.accessLog },
	}, app.Dependencies{
		Store:          cfg.store,
		Notifier:       f.notifier,
		Tracer:         tracer,
		Health:         server.NewHealth(),
		CircuitOptions: []circuit.Option{circuit.WithRetryInterval(10 * time.Millisecond)},
		Log:            log,
		ServedBy:       "10.0.0.7",
		Auth:           cfg.auth,
	})
	tb.Cleanup(func() { _ = a.Close() })
	f.router, f.routes, f.svc, f.testability = a.Handler, a.Router, a.Accounts, a.Testability
	return f
}

// do serves one request and returns the recorded response.
func (f *fixture) do(method, target string, body io.Reader, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	f.router.ServeHTTP(rec, req)
	return rec
}
