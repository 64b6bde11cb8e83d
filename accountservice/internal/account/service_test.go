package account_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/memstore"
)

type fixedQuotes struct{ q account.Quote }

func (f fixedQuotes) Quote(context.Context) account.Quote { return f.q }

type fixedImages struct{}

func (fixedImages) Image(_ context.Context, id string) account.Image {
	return account.Image{URL: "http://images/" + id, ServedBy: "img"}
}

// notification is one call of the fake notifier.
type notification struct {
	id     string
	readAt time.Time
}

// fakeNotifier records calls and fails them with err.
type fakeNotifier struct {
	mu    sync.Mutex
	calls []notification
	err   error
}

func (f *fakeNotifier) NotifyVIP(_ context.Context, id string, readAt time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, notification{id: id, readAt: readAt})
	return f.err
}

func (f *fakeNotifier) snapshot() []notification {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]notification(nil), f.calls...)
}

type brokenStore struct{ account.Store }

func (brokenStore) Get(context.Context, string) (account.Account, error) {
	return account.Account{}, errors.New("disk on fire")
}

var readAt = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func newService(store account.Store, n account.Notifier, opts ...func(*account.ServiceConfig)) *account.Service {
	cfg := account.ServiceConfig{
		Store:    store,
		Quotes:   fixedQuotes{account.Quote{Text: "q", IPAddress: "1.2.3.4", Language: "en"}},
		Images:   fixedImages{},
		Notifier: n,
		ServedBy: "10.0.0.7",
		Now:      func() time.Time { return readAt },
	}
	for _, o := range opts {
		o(&cfg)
	}
	return account.NewService(cfg)
}

func seededStore() account.Store {
	s := memstore.New()
	if _, err := s.Seed(context.Background(), account.SeedAccounts(100)); err != nil {
		panic(err)
	}
	return s
}

func TestServiceGet(t *testing.T) {
	ctx := context.Background()

	Convey("Given a service over the seeded accounts", t, func() {
		notifier := &fakeNotifier{}
		svc := newService(seededStore(), notifier)

		Convey("an account comes back with quote, image and servedBy", func() {
			acc, err := svc.Get(ctx, "10042")
			So(err, ShouldBeNil)
			So(acc, ShouldResemble, account.Account{
				ID: "10042", Name: "Person_42", ServedBy: "10.0.0.7",
				Quote: account.Quote{Text: "q", IPAddress: "1.2.3.4", Language: "en"},
				Image: account.Image{URL: "http://images/10042", ServedBy: "img"},
			})
		})

		Convey("a malformed id is ErrInvalid and never reaches the store", func() {
			_, err := newService(brokenStore{}, notifier).Get(ctx, "abc")
			So(errors.Is(err, account.ErrInvalid), ShouldBeTrue)
		})

		Convey("an unknown id is ErrNotFound", func() {
			_, err := svc.Get(ctx, "99999")
			So(errors.Is(err, account.ErrNotFound), ShouldBeTrue)
		})

		Convey("a storage failure is neither ErrNotFound nor ErrInvalid", func() {
			_, err := newService(brokenStore{}, notifier).Get(ctx, "10000")
			So(err, ShouldNotBeNil)
			So(errors.Is(err, account.ErrNotFound), ShouldBeFalse)
			So(errors.Is(err, account.ErrInvalid), ShouldBeFalse)
		})

		Convey("the VIP read is recorded before Get returns, once; other accounts never", func() {
			_, err := svc.Get(ctx, "10001")
			So(err, ShouldBeNil)
			_, err = svc.Get(ctx, "10000")
			So(err, ShouldBeNil)

			calls := notifier.snapshot()
			So(calls, ShouldHaveLength, 1)
			So(calls[0].id, ShouldEqual, "10000")
			So(calls[0].readAt, ShouldEqual, readAt)
		})

		Convey("a VIP read that cannot be recorded fails with the notifier's error, not silently", func() {
			notifier.err = fmt.Errorf("outbox: %w", account.ErrUnavailable)
			_, err := svc.Get(ctx, "10000")
			So(errors.Is(err, account.ErrUnavailable), ShouldBeTrue)

			Convey("while other accounts are still read", func() {
				acc, err := svc.Get(ctx, "10001")
				So(err, ShouldBeNil)
				So(acc.Name, ShouldEqual, "Person_1")
			})
		})
	})
}

// rendezvous fakes prove the quote and image are fetched concurrently: each
// waits for the other to start, so fetching them one after the other deadlocks.
type rendezvousQuotes struct{ mine, other chan struct{} }

func (r rendezvousQuotes) Quote(context.Context) account.Quote {
	close(r.mine)
	<-r.other
	return account.Quote{Text: "together"}
}

type rendezvousImages struct{ mine, other chan struct{} }

func (r rendezvousImages) Image(context.Context, string) account.Image {
	close(r.mine)
	<-r.other
	return account.Image{URL: "together"}
}

func TestServiceFetchesConcurrently(t *testing.T) {
	Convey("Quote and image are fetched at the same time", t, func() {
		q, i := make(chan struct{}), make(chan struct{})
		svc := newService(seededStore(), &fakeNotifier{}, func(c *account.ServiceConfig) {
			c.Quotes = rendezvousQuotes{mine: q, other: i}
			c.Images = rendezvousImages{mine: i, other: q}
		})
		acc, err := svc.Get(context.Background(), "10001")
		So(err, ShouldBeNil)
		So(acc.Quote.Text, ShouldEqual, "together")
		So(acc.Image.URL, ShouldEqual, "together")
	})
}

type panickingQuotes struct{}

func (panickingQuotes) Quote(context.Context) account.Quote { panic("quote client bug") }

func TestServiceRunsTheQuoteFetchThroughGo(t *testing.T) {
	Convey("Given a service whose ServiceConfig.Go counts the tasks it starts", t, func() {
		var started atomic.Int32
		countingGo := func(task func()) { started.Add(1); go task() }
		svc := newService(seededStore(), &fakeNotifier{}, func(c *account.ServiceConfig) { c.Go = countingGo })

		Convey("each Get hands it the quote fetch, once", func() {
			for range 3 {
				acc, err := svc.Get(context.Background(), "10001")
				So(err, ShouldBeNil)
				So(acc.Quote.Text, ShouldEqual, "q")
			}
			So(started.Load(), ShouldEqual, 3)
		})

		Convey("a panic of the quote fetch is raised on Get's goroutine, not lost on the other", func() {
			svc := newService(seededStore(), &fakeNotifier{}, func(c *account.ServiceConfig) {
				c.Go = countingGo
				c.Quotes = panickingQuotes{}
			})
			So(func() { _, _ = svc.Get(context.Background(), "10001") }, ShouldPanicWith, "quote client bug")
		})
	})
}

func TestServiceCreate(t *testing.T) {
	ctx := context.Background()
	Convey("Given a service over an empty store", t, func() {
		store := memstore.New()
		svc := newService(store, &fakeNotifier{})

		Convey("a valid name is trimmed, stored and returned with servedBy", func() {
			acc, err := svc.Create(ctx, "  Grace Hopper ")
			So(err, ShouldBeNil)
			So(acc, ShouldResemble, account.Account{ID: "10000", Name: "Grace Hopper", ServedBy: "10.0.0.7"})
			stored, err := store.Get(ctx, acc.ID)
			So(err, ShouldBeNil)
			So(stored.Name, ShouldEqual, "Grace Hopper")
		})

		Convey("an invalid name is ErrInvalid and nothing is stored", func() {
			_, err := svc.Create(ctx, "bad\nname")
			So(errors.Is(err, account.ErrInvalid), ShouldBeTrue)
			_, err = store.Get(ctx, "10000")
			So(errors.Is(err, account.ErrNotFound), ShouldBeTrue)
		})
	})
}
