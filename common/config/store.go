package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/sirupsen/logrus"
)

// maxRetryInterval caps the wait between two load attempts.
const maxRetryInterval = 15 * time.Second

// Store holds the current Snapshot and swaps it atomically on Reload. Readers
// call Current on every use (a pointer load) and never see a half-applied
// configuration. It is safe for concurrent use.
type Store struct {
	loader  Loader
	log     logrus.FieldLogger
	current atomic.Pointer[Snapshot]

	reloadMu sync.Mutex // one Reload at a time, so listeners see swaps in order

	listenersMu sync.Mutex
	listeners   []func(old, new *Snapshot)
}

// NewStore returns a Store that loads with loader and logs to log. Until the
// first successful load, Current returns an empty snapshot.
func NewStore(loader Loader, log logrus.FieldLogger) *Store {
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = l
	}
	s := &Store{loader: loader, log: log}
	s.current.Store(Merge(nil))
	return s
}

// Current returns the current snapshot; never nil.
func (s *Store) Current() *Snapshot {
	return s.current.Load()
}

// OnChange registers fn, called after each successful swap with the previous
// and the new snapshot, in registration order, on the goroutine that reloaded.
func (s *Store) OnChange(fn func(old, new *Snapshot)) {
	s.listenersMu.Lock()
	defer s.listenersMu.Unlock()
	s.listeners = append(s.listeners, fn)
}

func (s *Store) source() string {
	if str, ok := s.loader.(fmt.Stringer); ok {
		return str.String()
	}
	return fmt.Sprintf("%T", s.loader)
}

// Reload loads and merges the property sources and resolves their
// placeholders (against the process environment too; see Snapshot.Resolve);
// on success it swaps the current snapshot and calls the listeners. On
// failure, a placeholder that cannot be resolved included, the current
// snapshot stays in place.
func (s *Store) Reload(ctx context.Context) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()

	sources, err := s.loader.Load(ctx)
	if err != nil {
		return fmt.Errorf("loading configuration from %s: %w", s.source(), err)
	}
	if len(sources) == 0 {
		return fmt.Errorf("loading configuration from %s: %w", s.source(), ErrNoPropertySources)
	}
	snap, err := Merge(sources).Resolve(os.LookupEnv)
	if err != nil {
		return fmt.Errorf("resolving placeholders of the configuration from %s: %w", s.source(), err)
	}
	for _, key := range snap.Undecrypted() {
		s.log.WithField("key", key).Warn("config value is still encrypted ({cipher}…): treated as absent; " +
			"serve the configuration from a config server that holds the key")
	}
	old := s.current.Swap(snap)
	s.log.WithFields(logrus.Fields{"sources": snap.Sources(), "keys": len(snap.Keys())}).
		Info("configuration loaded")

	s.listenersMu.Lock()
	listeners := slices.Clone(s.listeners)
	s.listenersMu.Unlock()
	for _, fn := range listeners {
		fn(old, snap)
	}
	return nil
}

// LoadWithRetry calls Reload until it succeeds, at most maxAttempts times (at
// least once), waiting with exponential backoff from initialInterval (capped at
// 15 s) between attempts and logging each failed attempt. It gives up at once
// when the context ends, when the loader finds nothing for the application
// (ErrNoPropertySources) or when a placeholder cannot be resolved
// (*PlaceholderError: the repository must change first), and returns an
// error naming the source and the last failure. It never panics or exits: the caller decides.
func (s *Store) LoadWithRetry(ctx context.Context, maxAttempts int, initialInterval time.Duration) error {
	if maxAttempts < 1 {
		maxAttempts = 1
	}
	if initialInterval <= 0 {
		initialInterval = 500 * time.Millisecond
	}
	exp := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(initialInterval),
		backoff.WithMaxInterval(max(maxRetryInterval, initialInterval)),
		backoff.WithMaxElapsedTime(0), // bounded by attempts, not time
	)
	b := backoff.WithContext(backoff.WithMaxRetries(exp, uint64(maxAttempts-1)), ctx)

	attempt := 0
	var last error
	op := func() error {
		attempt++
		err := s.Reload(ctx)
		if err == nil {
			return nil
		}
		last = err
		var placeholderErr *PlaceholderError
		if errors.Is(err, ErrNoPropertySources) || errors.As(err, &placeholderErr) || ctx.Err() != nil {
			return backoff.Permanent(err)
		}
		return err
	}
	notify := func(err error, wait time.Duration) {
		s.log.WithFields(logrus.Fields{
			"attempt": attempt, "maxAttempts": maxAttempts, "retryIn": wait.Round(time.Millisecond).String(),
		}).WithError(err).Warn("configuration not available yet, retrying")
	}
	if err := backoff.RetryNotify(op, b, notify); err != nil {
		if last == nil {
			last = err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("configuration from %s not loaded before the context ended (%d attempts): %w",
				s.source(), attempt, last)
		}
		return fmt.Errorf("giving up on configuration from %s after %d of %d attempts: %w",
			s.source(), attempt, maxAttempts, last)
	}
	if attempt > 1 {
		s.log.WithField("attempt", attempt).Info("configuration available after retrying")
	}
	return nil
}
