package config

import (
	"sync/atomic"

	"github.com/sirupsen/logrus"
)

// Settings is what a service reads from its configuration, as one typed
// struct. Fields gives it for the log and GET /info: every key read, under
// its configuration key, secrets masked (MaskFields).
type Settings interface {
	Fields() map[string]any
}

// Live holds a service's settings in effect: those read at start, then
// those of every configuration refresh. Readers call Load on every use (a
// pointer load), so a refresh takes effect on the next request; they never
// see half-applied settings. It is safe for concurrent use.
type Live[T Settings] struct {
	current atomic.Pointer[T]
}

// NewLive holds settings, the ones read at start.
func NewLive[T Settings](settings T) *Live[T] {
	l := &Live[T]{}
	l.current.Store(&settings)
	return l
}

// Load returns the settings in effect.
func (l *Live[T]) Load() T { return *l.current.Load() }

// Follow keeps l up to date with store: after every reload (a bus refresh,
// or the broker credentials refresh, see messaging.ReloadConfigForURL) it
// calls refresh with the new snapshot and the settings in effect, logs a
// warning naming the key of each error it returns (RejectRefresh: refresh
// keeps the last good value of an invalid key), stores the settings it
// returns, calls apply with them (for what is not read per use: the log
// level, the circuit breakers; nil when there is nothing) and logs them as
// "configuration refreshed". It runs on the reloading goroutine; the store
// reloads one at a time.
func (l *Live[T]) Follow(store *Store, log logrus.FieldLogger, refresh func(snap *Snapshot, current T) (T, error), apply func(T)) {
	store.OnChange(func(_, snap *Snapshot) {
		next, err := refresh(snap, l.Load())
		RejectRefresh(log, err)
		l.current.Store(&next)
		if apply != nil {
			apply(next)
		}
		log.WithFields(next.Fields()).Info("configuration refreshed")
	})
}
