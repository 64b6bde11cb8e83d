package account

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/goblog/common/accountid"
)

// QuoteSource returns a quote for an account response. It never fails: a
// broken or slow quotes-service yields the fallback quote.
type QuoteSource interface {
	Quote(ctx context.Context) Quote
}

// ImageSource returns the image of an account. It never fails: a broken or
// slow imageservice yields the fallback image.
type ImageSource interface {
	Image(ctx context.Context, accountID string) Image
}

// Notifier announces that the VIP account was read. NotifyVIP is called
// before the read answers and must return quickly: it records the
// notification durably (the outbox, internal/relay) and leaves delivery to
// the background, so a broker outage never delays a read. An error means the
// read could not be recorded; the read then fails with it.
type Notifier interface {
	NotifyVIP(ctx context.Context, accountID string, readAt time.Time) error
}

// ServiceConfig holds the collaborators and limits of a Service.
type ServiceConfig struct {
	Store    Store
	Quotes   QuoteSource
	Images   ImageSource
	Notifier Notifier
	// ServedBy names this instance in every response (the container's IP).
	ServedBy string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Go runs the quote fetch of a Get while the image is fetched on the
	// caller's goroutine, and must start it at once (never queue it behind
	// other work). Default: a new goroutine per call. The app passes a
	// goroutine pool's (internal/app): a new goroutine starts with a small
	// stack that grows, copy by copy, to the depth of a downstream call.
	Go func(task func())
}

// Service is the accountservice business logic. It knows nothing of HTTP.
type Service struct {
	store    Store
	quotes   QuoteSource
	images   ImageSource
	notifier Notifier
	servedBy string
	now      func() time.Time
	goFn     func(task func())
}

// NewService returns a Service; Store, Quotes, Images and Notifier are required.
func NewService(cfg ServiceConfig) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Go == nil {
		cfg.Go = func(task func()) { go task() }
	}
	return &Service{
		store:    cfg.Store,
		quotes:   cfg.Quotes,
		images:   cfg.Images,
		notifier: cfg.Notifier,
		servedBy: cfg.ServedBy,
		now:      cfg.Now,
		goFn:     cfg.Go,
	}
}

// Get returns the account enriched with a quote and an image, fetched
// concurrently. A read of the VIP account is recorded (Notifier) before Get
// returns: when it cannot be recorded, Get fails with the Notifier's error
// (an account.ErrUnavailable one is a 503), so every read answered is
// announced.
func (s *Service) Get(ctx context.Context, id string) (Account, error) {
	if _, err := accountid.Parse(id); err != nil {
		return Account{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	acc, err := s.store.Get(ctx, id)
	if err != nil {
		return Account{}, fmt.Errorf("loading account %s: %w", id, err)
	}
	if acc.ID == VIPID {
		if err := s.notifier.NotifyVIP(ctx, acc.ID, s.now()); err != nil {
			return Account{}, fmt.Errorf("reading account %s: %w", id, err)
		}
	}

	// The image is fetched on this goroutine while another (ServiceConfig.Go)
	// fetches the quote. A panic of the quote fetch is raised again here,
	// where the request's recovery answers it, whichever goroutine ran it.
	// What the two goroutines share is one allocation (q), not the account,
	// the WaitGroup and the panic moved to the heap one by one.
	q := &quoteFetch{}
	q.wg.Add(1)
	s.goFn(func() {
		defer q.wg.Done()
		defer func() { q.panicked = recover() }()
		q.quote = s.quotes.Quote(ctx)
	})
	acc.Image = s.images.Image(ctx, acc.ID)
	q.wg.Wait()
	if q.panicked != nil {
		panic(q.panicked)
	}
	acc.Quote = q.quote

	acc.ServedBy = s.servedBy
	return acc, nil
}

// quoteFetch is the quote fetched for Get on another goroutine: the quote,
// or the panic of its fetch, ready once wg is done.
type quoteFetch struct {
	wg       sync.WaitGroup
	quote    Quote
	panicked any
}

// Create validates and stores a new account.
func (s *Service) Create(ctx context.Context, name string) (Account, error) {
	name, err := NormalizeName(name)
	if err != nil {
		return Account{}, err
	}
	acc, err := s.store.Create(ctx, name)
	if err != nil {
		return Account{}, fmt.Errorf("creating account: %w", err)
	}
	acc.ServedBy = s.servedBy
	return acc, nil
}
