package bundle

import (
	"errors"
	"fmt"
	"sync"
)

// ErrNotFound means the name is not one of the bundled images.
var ErrNotFound = errors.New("no such bundled image")

// Gallery serves the bundled images through a filter, filtering each image at
// most once: the first request computes the bytes, later ones reuse them.
type Gallery struct {
	filtered map[string]func() ([]byte, error)
}

// NewGallery builds a gallery over the bundled images. filter turns an
// original file into the bytes served (for imageservice: a sepia JPEG).
func NewGallery(filter func([]byte) ([]byte, error)) *Gallery {
	images := Images()
	g := &Gallery{filtered: make(map[string]func() ([]byte, error), len(images))}
	for name, original := range images {
		g.filtered[name] = sync.OnceValues(func() ([]byte, error) { return filter(original) })
	}
	return g
}

// Get returns the filtered bytes of the bundled image name. The name is only
// ever a map key: "../x", "a/b" or "" are simply not found.
func (g *Gallery) Get(name string) ([]byte, error) {
	get, ok := g.filtered[name]
	if !ok {
		return nil, ErrNotFound
	}
	return get()
}

// Warm filters every image now, so the first requests do not pay for it.
func (g *Gallery) Warm() error {
	for name := range g.filtered {
		if _, err := g.Get(name); err != nil {
			return fmt.Errorf("filtering bundled %s: %w", name, err)
		}
	}
	return nil
}
