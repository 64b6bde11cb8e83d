// Package configtest holds test helpers for code that reads a config.Store.
package configtest

import (
	"context"
	"maps"
	"sync"

	"github.com/goblog/common/config"
)

// Loader is a config.Loader serving one property source, named "test",
// that a test replaces with Set before it reloads the store. It is safe for
// concurrent use.
type Loader struct {
	mu  sync.Mutex
	src map[string]any
}

// NewLoader returns a Loader serving src.
func NewLoader(src map[string]any) *Loader { return &Loader{src: src} }

// Set replaces the property source served from the next Load on.
func (l *Loader) Set(src map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.src = src
}

// Load returns a copy of the property source.
func (l *Loader) Load(context.Context) ([]config.PropertySource, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return []config.PropertySource{{Name: "test", Source: maps.Clone(l.src)}}, nil
}
