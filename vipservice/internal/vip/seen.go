package vip

import "sync"

// DefaultSeenWindow is how many event ids a SeenIDs remembers by default
// (vip_dedupe_window).
const DefaultSeenWindow = 10000

// SeenIDs remembers the last n event ids it was shown, in a ring: the
// window of deduplication. accountservice delivers each VIP event at least
// once and sends a copy with the id of the original, usually within seconds
// (a broker restart, a crash between publish and confirm), so a window of
// the last n ids catches the duplicates while memory stays bounded (about
// 100 bytes an id). It is safe for concurrent use.
type SeenIDs struct {
	mu   sync.Mutex
	ring []string            // the ids, oldest overwritten first
	next int                 // where the next id goes in ring
	set  map[string]struct{} // the ids in ring
}

// NewSeenIDs returns a window of the last n ids (n < 1 means DefaultSeenWindow).
func NewSeenIDs(n int) *SeenIDs {
	if n < 1 {
		n = DefaultSeenWindow
	}
	return &SeenIDs{ring: make([]string, 0, n), set: make(map[string]struct{}, n)}
}

// FirstTime remembers id and reports whether it was not in the window yet.
// When the window is full the oldest id is forgotten.
func (s *SeenIDs) FirstTime(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.set[id]; seen {
		return false
	}
	if len(s.ring) < cap(s.ring) {
		s.ring = append(s.ring, id)
	} else {
		delete(s.set, s.ring[s.next])
		s.ring[s.next] = id
		s.next = (s.next + 1) % len(s.ring)
	}
	s.set[id] = struct{}{}
	return true
}
