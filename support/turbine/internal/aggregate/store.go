package aggregate

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// Key identifies a command or thread pool: its "type" and "name".
type Key struct {
	Type, Name string
}

// KeyOf returns the key of ev; ok is false when type or name is missing.
func KeyOf(ev Event) (k Key, ok bool) {
	t, _ := ev[FieldType].(string)
	n, _ := ev[FieldName].(string)
	return Key{Type: t, Name: n}, t != "" && n != ""
}

type sample struct {
	ev Event
	at time.Time
}

// Store keeps, per cluster, command and host, the latest event, and merges
// the fresh ones on demand. A host's event older than staleAfter is dropped.
// It is safe for concurrent use.
type Store struct {
	staleAfter time.Duration
	now        func() time.Time

	mu        sync.Mutex
	clusters  map[string]map[Key]map[string]sample // cluster → key → host
	lastPrune time.Time
}

// NewStore returns an empty store; now is the clock (time.Now in production).
func NewStore(staleAfter time.Duration, now func() time.Time) *Store {
	return &Store{
		staleAfter: staleAfter,
		now:        now,
		clusters:   make(map[string]map[Key]map[string]sample),
		lastPrune:  now(),
	}
}

// Put records ev as the latest event of host in cluster. It reports false,
// storing nothing, when ev has no type or name.
func (s *Store) Put(cluster, host string, ev Event) bool {
	k, ok := KeyOf(ev)
	if !ok {
		return false
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	byKey := s.clusters[cluster]
	if byKey == nil {
		byKey = make(map[Key]map[string]sample)
		s.clusters[cluster] = byKey
	}
	byHost := byKey[k]
	if byHost == nil {
		byHost = make(map[string]sample)
		byKey[k] = byHost
	}
	byHost[host] = sample{ev: ev, at: now}
	// Bound memory even when no client ever asks for a merge.
	if now.Sub(s.lastPrune) > s.staleAfter {
		s.pruneLocked(now)
	}
	return true
}

// DropHost forgets every event of host in cluster (the host left DNS).
func (s *Store) DropHost(cluster, host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byKey := s.clusters[cluster]
	for k, byHost := range byKey {
		delete(byHost, host)
		if len(byHost) == 0 {
			delete(byKey, k)
		}
	}
}

// Merged returns one merged event per command and thread pool seen on a
// fresh host of the given clusters, sorted by type and name. Hosts are
// identified by address, so a host listed in two clusters counts once.
func (s *Store) Merged(clusters ...string) []Event {
	now := s.now()
	groups := make(map[Key]map[string]sample)
	s.mu.Lock()
	s.pruneLocked(now)
	for _, c := range clusters {
		for k, byHost := range s.clusters[c] {
			g := groups[k]
			if g == nil {
				g = make(map[string]sample, len(byHost))
				groups[k] = g
			}
			for h, smp := range byHost {
				if old, ok := g[h]; !ok || smp.at.After(old.at) {
					g[h] = smp
				}
			}
		}
	}
	s.mu.Unlock()

	// Events are immutable once stored, so merging outside the lock is safe.
	keys := make([]Key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b Key) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Name, b.Name))
	})
	out := make([]Event, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		hosts := make([]string, 0, len(g))
		for h := range g {
			hosts = append(hosts, h)
		}
		slices.Sort(hosts)
		evs := make([]Event, len(hosts))
		for i, h := range hosts {
			evs[i] = g[h].ev
		}
		out = append(out, Merge(evs))
	}
	return out
}

func (s *Store) pruneLocked(now time.Time) {
	s.lastPrune = now
	for _, byKey := range s.clusters {
		for k, byHost := range byKey {
			for h, smp := range byHost {
				if now.Sub(smp.at) > s.staleAfter {
					delete(byHost, h)
				}
			}
			if len(byHost) == 0 {
				delete(byKey, k)
			}
		}
	}
}
