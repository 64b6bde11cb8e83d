package imaging

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"runtime"
	"testing"

	"github.com/goblog/imageservice/internal/bundle"
	"github.com/goblog/imageservice/internal/imagetest"
	. "github.com/smartystreets/goconvey/convey"
)

func TestDecode(t *testing.T) {
	Convey("Given uploaded bytes", t, func() {
		Convey("a PNG and a JPEG decode with their dimensions", func() {
			for _, data := range [][]byte{imagetest.PNG(t, 40, 30), imagetest.JPEG(t, 40, 30)} {
				img, _, err := Decode(data, MaxPixels)
				So(err, ShouldBeNil)
				So(img.Bounds(), ShouldResemble, image.Rect(0, 0, 40, 30))
			}
		})
		Convey("a PNG header claiming 100000x100000 is refused without allocating the pixels", func() {
			bomb := imagetest.PNGHeader(100000, 100000)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err := Decode(bomb, MaxPixels)
			runtime.ReadMemStats(&after)
			So(errors.Is(err, ErrTooLarge), ShouldBeTrue)
			// Decoding would need 40 GB; reading the header takes a few KiB.
			So(after.TotalAlloc-before.TotalAlloc, ShouldBeLessThan, 1<<20)
		})
		Convey("the pixel limit is inclusive", func() {
			_, _, err := Decode(imagetest.PNG(t, 10, 10), 100)
			So(err, ShouldBeNil)
			_, _, err = Decode(imagetest.PNG(t, 10, 11), 100)
			So(errors.Is(err, ErrTooLarge), ShouldBeTrue)
		})
		Convey("a truncated JPEG is unsupported, not a panic", func() {
			data := imagetest.JPEG(t, 64, 64)
			_, _, err := Decode(data[:len(data)/2], MaxPixels)
			So(errors.Is(err, ErrUnsupported), ShouldBeTrue)
		})
		Convey("a GIF, text and nothing at all are unsupported", func() {
			for _, data := range [][]byte{[]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), []byte("hello"), nil} {
				_, _, err := Decode(data, MaxPixels)
				So(errors.Is(err, ErrUnsupported), ShouldBeTrue)
			}
		})
	})
}

func TestSepiaJPEG(t *testing.T) {
	Convey("Given the bundled cake", t, func() {
		cake := bundle.Images()["cake.jpg"]
		So(cake, ShouldNotBeEmpty)
		out, err := SepiaJPEG(cake, MaxPixels)
		So(err, ShouldBeNil)

		Convey("the output is a JPEG with the same bounds", func() {
			img, err := jpeg.Decode(bytes.NewReader(out))
			So(err, ShouldBeNil)
			orig, _ := jpeg.Decode(bytes.NewReader(cake))
			So(img.Bounds(), ShouldResemble, orig.Bounds())
		})
		Convey("the output is sepia: red >= green >= blue in every sampled pixel", func() {
			img, _ := jpeg.Decode(bytes.NewReader(out))
			b := img.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y += 17 {
				for x := b.Min.X; x < b.Max.X; x += 13 {
					r, g, bl, _ := img.At(x, y).RGBA()
					// JPEG chroma subsampling blurs a little: allow 3% slack.
					So(r+2000, ShouldBeGreaterThanOrEqualTo, g)
					So(g+2000, ShouldBeGreaterThanOrEqualTo, bl)
				}
			}
		})
	})
}

func BenchmarkView(b *testing.B) {
	img, _, err := Decode(bundle.Images()["cake.jpg"], MaxPixels)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		v := NewView(img, Upright)
		for y := range v.Bounds().Dy() {
			v.RGBAAt(0, y)
		}
	}
}

func BenchmarkSepiaJPEG(b *testing.B) {
	cake := bundle.Images()["cake.jpg"]
	b.ReportAllocs()
	b.SetBytes(int64(len(cake)))
	for b.Loop() {
		if _, err := SepiaJPEG(cake, MaxPixels); err != nil {
			b.Fatal(err)
		}
	}
}
