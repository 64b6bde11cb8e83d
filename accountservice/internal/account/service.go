package account

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

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

// Notifier announces that the VIP account was read.
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
	Log      logrus.FieldLogger
	// NotifyTimeout bounds one VIP notification (default 5s).
	NotifyTimeout time.Duration
	// MaxNotifications bounds the notifications in flight; further ones
	// are dropped and logged (default 256).
	MaxNotifications int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service is the accountservice business logic. It knows nothing of HTTP.
type Service struct {
	store         Store
	quotes        QuoteSource
	images        ImageSource
	notifier      Notifier
	servedBy      string
	log           logrus.FieldLogger
	notifyTimeout time.Duration
	now           func() time.Time

	slots chan struct{} // one token per notification in flight

	mu       sync.Mutex // guards closed and the Add side of inFlight
	closed   bool
	inFlight sync.WaitGroup
}

// NewService returns a Service; Store, Quotes, Images and Notifier are required.
func NewService(cfg ServiceConfig) *Service {
	if cfg.NotifyTimeout <= 0 {
		cfg.NotifyTimeout = 5 * time.Second
	}
	if cfg.MaxNotifications <= 0 {
		cfg.MaxNotifications = 256
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		l := logrus.New()
		l.Out = io.Discard
		cfg.Log = l
	}
	return &Service{
		store:         cfg.Store,
		quotes:        cfg.Quotes,
		images:        cfg.Images,
		notifier:      cfg.Notifier,
		servedBy:      cfg.ServedBy,
		log:           cfg.Log,
		notifyTimeout: cfg.NotifyTimeout,
		now:           cfg.Now,
		slots:         make(chan struct{}, cfg.MaxNotifications),
	}
}

// Get returns the account enriched with a quote and an image, fetched
// concurrently. Reading the VIP account starts a notification in the
// background that never delays or fails the response.
func (s *Service) Get(ctx context.Context, id string) (Account, error) {
	if _, err := accountid.Parse(id); err != nil {
		return Account{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	acc, err := s.store.Get(ctx, id)
	if err != nil {
		return Account{}, fmt.Errorf("loading account %s: %w", id, err)
	}
	if acc.ID == VIPID {
		s.notify(ctx, acc.ID, s.now())
	}

	// The image is fetched on this goroutine while another fetches the
	// quote: a second new goroutine would cost its start and the growth of
	// its stack (the call goes deep: circuit, retry, tracing, transport) on
	// every request, where this goroutine's stack has grown already.
	var wg sync.WaitGroup
	wg.Go(func() { acc.Quote = s.quotes.Quote(ctx) })
	acc.Image = s.images.Image(ctx, acc.ID)
	wg.Wait()

	acc.ServedBy = s.servedBy
	return acc, nil
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

// notify runs one VIP notification in the background. It keeps the
// request's values (the trace span) but not its cancellation, so the
// notification outlives the response, bounded by its own timeout.
func (s *Service) notify(reqCtx context.Context, id string, readAt time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.log.WithField("accountId", id).Warn("VIP notification skipped: service is shutting down")
		return
	}
	select {
	case s.slots <- struct{}{}:
	default:
		s.log.WithField("accountId", id).Warn("VIP notification dropped: too many in flight")
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(reqCtx), s.notifyTimeout)
	s.inFlight.Go(func() {
		defer func() { <-s.slots }()
		defer cancel()
		if err := s.notifier.NotifyVIP(ctx, id, readAt); err != nil {
			s.log.WithError(err).WithField("accountId", id).Warn("VIP notification failed")
		}
	})
}

// Close stops new VIP notifications and waits for those in flight, or
// until ctx is done.
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()

	done := make(chan struct{})
	go func() {
		s.inFlight.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for VIP notifications: %w", ctx.Err())
	}
}
