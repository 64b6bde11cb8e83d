package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"runtime"
	"testing"

	"github.com/goblog/imageservice/internal/imagetest"
	. "github.com/smartystreets/goconvey/convey"
)

func TestReadHeader(t *testing.T) {
	Convey("Given JPEG uploads with an Exif segment", t, func() {
		jpg := imagetest.JPEG(t, 16, 8)
		Convey("the orientation is read in either byte order", func() {
			for o := uint16(1); o <= 8; o++ {
				h, err := ReadHeader(imagetest.WithExifOrientation(jpg, o, o%2 == 1), MaxPixels)
				So(err, ShouldBeNil)
				So(h.Orientation, ShouldEqual, Orientation(o))
				So([2]int{h.Width, h.Height}, ShouldEqual, [2]int{16, 8}) // as stored
			}
		})
		Convey("a missing, out-of-range or malformed orientation is upright", func() {
			for name, data := range map[string][]byte{
				"no Exif":     jpg,
				"0":           imagetest.WithExifOrientation(jpg, 0, true),
				"9":           imagetest.WithExifOrientation(jpg, 9, false),
				"bad TIFF":    corrupt(imagetest.WithExifOrientation(jpg, 6, true), 12, 'X'),
				"IFD too far": corrupt(imagetest.WithExifOrientation(jpg, 6, true), 19, 0x7f),
			} {
				h, err := ReadHeader(data, MaxPixels)
				So(err, ShouldBeNil)
				So(fmt.Sprint(name, ": ", h.Orientation), ShouldEqual, fmt.Sprint(name, ": ", Upright))
			}
		})
		Convey("the frame header gives the components, their sampling and progressive scans", func() {
			for _, c := range []struct {
				name        string
				components  int
				samples     float64
				progressive bool
			}{
				{"ycbcr-444.jpg", 3, 3, false},
				{"ycbcr-422.jpg", 3, 2, false},
				{"ycbcr-420.jpg", 3, 1.5, false},
				{"ycbcr-440.jpg", 3, 2, false},
				{"ycbcr-411.jpg", 3, 1.5, false},
				{"ycbcr-410.jpg", 3, 1.25, false},
				{"ycbcr-420-progressive.jpg", 3, 1.5, true},
				{"gray-progressive.jpg", 1, 1, true},
				{"cmyk.jpg", 4, 4, false},
				{"ycck-progressive.jpg", 4, 2.5, true},
				{"rgb.jpg", 3, 3, false},
			} {
				h, err := ReadHeader(fixture(t, c.name), MaxPixels)
				So(err, ShouldBeNil)
				So(fmt.Sprint(c.name, h.components, h.samples, h.progressive, h.rgb), ShouldEqual,
					fmt.Sprint(c.name, c.components, c.samples, c.progressive, c.name == "rgb.jpg"))
			}
		})
		Convey("stray bytes between segments are skipped, as image/jpeg does", func() {
			exif := imagetest.WithExifOrientation(jpg, 6, true)
			segEnd := 4 + int(exif[4])<<8 + int(exif[5]) // SOI, then APP1 with its length
			stray := append(append(append([]byte{}, exif[:segEnd]...), 0x00, 0x13), exif[segEnd:]...)
			_, err := jpeg.DecodeConfig(bytes.NewReader(stray))
			So(err, ShouldBeNil)
			h, err := ReadHeader(stray, MaxPixels)
			So(err, ShouldBeNil)
			So(fmt.Sprint(h.Orientation, h.components, h.samples, h.progressive), ShouldEqual, "6 3 1.5 false")
		})
		Convey("a PNG is upright", func() {
			h, err := ReadHeader(imagetest.PNG(t, 4, 4), MaxPixels)
			So(err, ShouldBeNil)
			So(h.Orientation, ShouldEqual, Upright)
		})
	})
}

// corrupt returns a copy of data with data[i] set to b.
func corrupt(data []byte, i int, b byte) []byte {
	out := append([]byte{}, data...)
	out[i] = b
	return out
}

func TestCost(t *testing.T) {
	Convey("Given a 5000x5000 image, the largest legal upload", t, func() {
		const mb = 1_000_000
		for _, c := range []struct {
			name     string
			h        Header
			from, to int64 // MB
		}{
			{"PNG gray", Header{Format: "png", model: color.GrayModel}, 25, 30},
			{"PNG RGBA", Header{Format: "png", model: color.RGBAModel}, 100, 106},
			{"PNG RGBA interlaced", Header{Format: "png", model: color.RGBAModel, interlaced: true}, 150, 157},
			{"PNG 16-bit RGBA", Header{Format: "png", model: color.NRGBA64Model}, 200, 208},
			{"JPEG 4:2:0", Header{Format: "jpeg", components: 3, samples: 1.5}, 37, 43},
			{"JPEG 4:2:0 progressive", Header{Format: "jpeg", components: 3, samples: 1.5, progressive: true}, 187, 195},
			{"JPEG CMYK", Header{Format: "jpeg", components: 4, samples: 4}, 200, 208},
			{"JPEG RGB", Header{Format: "jpeg", components: 3, samples: 3, rgb: true}, 175, 182},
		} {
			c.h.Width, c.h.Height = 5000, 5000
			cost := c.h.cost() / mb
			So(fmt.Sprint(c.name, ": ", cost), ShouldEqual, fmt.Sprint(c.name, ": ", min(max(cost, c.from), c.to)))
		}
	})
	// What a job holds at once is the decoded image and the view's bands; the
	// view also makes garbage (a colour per pixel read), which the collector
	// reclaims before GOMEMLIMIT is reached, so it is not part of the cost.
	Convey("Given real uploads, the decoded image and the view hold no more than the cost", t, func() {
		r := image.Rect(0, 0, 640, 480)
		for name, data := range map[string][]byte{
			"PNG RGBA":         imagetest.PNG(t, 640, 480),
			"PNG 16-bit RGBA":  imagetest.EncodePNG(t, convert(imagetest.Gradient(640, 480), image.NewNRGBA64(r))),
			"PNG gray":         imagetest.EncodePNG(t, convert(imagetest.Gradient(640, 480), image.NewGray(r))),
			"JPEG 4:2:0":       imagetest.JPEG(t, 640, 480),
			"JPEG gray":        imagetest.EncodeJPEG(t, convert(imagetest.Gradient(640, 480), image.NewGray(r))),
			"JPEG turned (6)":  imagetest.WithExifOrientation(imagetest.JPEG(t, 640, 480), 6, true),
			"PNG paletted 1/2": imagetest.EncodePNG(t, paletted(640, 480)),
		} {
			h, err := ReadHeader(data, MaxPixels)
			So(err, ShouldBeNil)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			img, err := DecodePixels(data, h)
			So(err, ShouldBeNil)
			view := NewView(img, h.Orientation)
			view.RGBAAt(0, 0) // renders the first band
			runtime.GC()
			runtime.ReadMemStats(&after)
			live := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			So(fmt.Sprint(name, ": ", live), ShouldEqual, fmt.Sprint(name, ": ", min(live, h.Cost)))
			So(live, ShouldBeGreaterThan, h.Width*h.Height/2) // the measure sees the image
			So(EncodeJPEG(io.Discard, view), ShouldBeNil)
		}
	})
}
