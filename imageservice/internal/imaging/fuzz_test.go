package imaging

import (
	"errors"
	"testing"

	"github.com/goblog/imageservice/internal/bundle"
	"github.com/goblog/imageservice/internal/imagetest"
)

// FuzzDecodeImage feeds arbitrary bytes to the upload decode path: it must
// never panic, must fail only with one of its two errors, and must never hand
// back an image beyond the pixel limit.
func FuzzDecodeImage(f *testing.F) {
	const limit = 1 << 16 // small, so the fuzzer spends its time in headers
	png := imagetest.PNG(f, 8, 8)
	jpg := imagetest.JPEG(f, 8, 8)
	f.Add(png)
	f.Add(jpg)
	f.Add(jpg[:len(jpg)/2])
	f.Add(imagetest.PNGHeader(100000, 100000))
	f.Add(imagetest.PNGHeader(0, 0))
	f.Add(bundle.Images()["cake.jpg"][:1024])
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, format, err := Decode(data, limit)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		b := img.Bounds()
		if b.Empty() || b.Dx()*b.Dy() > limit {
			t.Fatalf("%s image with bounds %v passed a %d-pixel limit", format, b, limit)
		}
		if out := Sepia(img); out.Bounds().Size() != b.Size() {
			t.Fatalf("sepia changed the size from %v to %v", b.Size(), out.Bounds().Size())
		}
	})
}
