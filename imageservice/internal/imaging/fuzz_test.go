package imaging

import (
	"errors"
	"image"
	"image/color"
	"io"
	"path/filepath"
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
	// What a viewer sees: alpha, colour models, EXIF orientation.
	for _, img := range []image.Image{
		transparentWhite(8, 8),
		paletted(8, 8),
		image.NewNRGBA64(image.Rect(0, 0, 4, 4)),
		image.NewRGBA64(image.Rect(0, 0, 4, 4)),
		image.NewGray16(image.Rect(0, 0, 4, 4)),
		image.NewGray(image.Rect(0, 0, 4, 4)),
	} {
		f.Add(imagetest.EncodePNG(f, img))
	}
	for o := uint16(0); o <= 9; o++ {
		f.Add(imagetest.WithExifOrientation(imagetest.JPEG(f, 8, 16), o, o%2 == 0))
	}
	exif := imagetest.WithExifOrientation(jpg, 6, true)
	f.Add(exif[:30]) // cut inside the Exif segment
	f.Add(imagetest.EncodeJPEG(f, image.NewGray(image.Rect(0, 0, 8, 8))))
	// Every subsampling, progressive, CMYK and YCCK (testdata/genjpeg.c).
	jpegs, _ := filepath.Glob(filepath.Join("testdata", "*.jpg"))
	if len(jpegs) == 0 {
		f.Fatal("no JPEG fixtures in testdata")
	}
	for _, name := range jpegs {
		f.Add(fixture(f, filepath.Base(name)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, h, err := Decode(data, limit)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		b := img.Bounds()
		if b.Empty() || b.Dx()*b.Dy() > limit {
			t.Fatalf("%s image with bounds %v passed a %d-pixel limit", h.Format, b, limit)
		}
		want := b.Size()
		if h.Orientation.swapsAxes() {
			want.X, want.Y = want.Y, want.X
		}
		if h.Cost < int64(b.Dx()*b.Dy()) {
			t.Fatalf("%s %v: cost %d bytes is less than a byte a pixel", h.Format, b, h.Cost)
		}
		if err := EncodeJPEG(io.Discard, NewView(img, h.Orientation)); err != nil {
			t.Fatalf("encoding the view: %v", err)
		}
		if got := NewView(img, h.Orientation).Bounds().Size(); got != want {
			t.Fatalf("orientation %d: view of %v is %v, want %v", h.Orientation, b.Size(), got, want)
		}
	})
}

// transparentWhite is a w x h image of fully transparent white pixels.
func transparentWhite(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2] = 255, 255, 255
	}
	return img
}

// paletted is a w x h paletted image, its left half the transparent index.
func paletted(w, h int) *image.Paletted {
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.NRGBA{}, color.NRGBA{200, 30, 30, 255}})
	for y := range h {
		for x := w / 2; x < w; x++ {
			img.SetColorIndex(x, y, 1)
		}
	}
	return img
}
