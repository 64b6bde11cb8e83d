// Package bundle holds the images shipped inside the imageservice binary.
// Only these names are ever served by GET /file/{name}: a name is a key of an
// embedded map, never a filesystem path.
package bundle

//go:generate go run ./gen -out assets

import (
	"embed"
	"io/fs"
	"path"
	"sort"
)

//go:embed assets/*.jpg
var assets embed.FS

// Images returns a fresh map of every bundled image, by file name ("cake.jpg").
func Images() map[string][]byte {
	entries, err := fs.ReadDir(assets, "assets")
	if err != nil {
		// The directory is embedded at build time; failing to read it is a build defect.
		panic("bundle: embedded assets missing: " + err.Error())
	}
	images := make(map[string][]byte, len(entries))
	for _, e := range entries {
		b, err := assets.ReadFile(path.Join("assets", e.Name()))
		if err != nil {
			panic("bundle: reading embedded " + e.Name() + ": " + err.Error())
		}
		images[e.Name()] = b
	}
	return images
}

// Names lists the bundled image names in sorted order.
func Names() []string {
	images := Images()
	names := make([]string, 0, len(images))
	for n := range images {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
