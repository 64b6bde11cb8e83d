package bundle

import (
	"bytes"
	"errors"
	"image/jpeg"
	"sync/atomic"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

func TestBundle(t *testing.T) {
	Convey("Given the bundled images", t, func() {
		Convey("cake.jpg is among them and is a real JPEG", func() {
			So(Names(), ShouldContain, "cake.jpg")
			cfg, err := jpeg.DecodeConfig(bytes.NewReader(Images()["cake.jpg"]))
			So(err, ShouldBeNil)
			So(cfg.Width*cfg.Height, ShouldBeGreaterThan, 10000)
		})
	})
}

func TestGallery(t *testing.T) {
	Convey("Given a gallery with a counting filter", t, func() {
		var calls atomic.Int32
		g := NewGallery(func(b []byte) ([]byte, error) {
			calls.Add(1)
			return append([]byte("filtered:"), b[:2]...), nil
		})
		Convey("an image is filtered once however often it is asked for", func() {
			for range 3 {
				b, err := g.Get("cake.jpg")
				So(err, ShouldBeNil)
				So(string(b[:9]), ShouldEqual, "filtered:")
			}
			So(calls.Load(), ShouldEqual, 1)
		})
		Convey("names outside the bundle are not found, however they are spelled", func() {
			for _, name := range []string{"", "nope.jpg", "../cake.jpg", "assets/cake.jpg", "/etc/passwd",
				"..", "cake.jpg/", "CAKE.JPG", "cake.jpg\x00", `..\cake.jpg`} {
				_, err := g.Get(name)
				So(errors.Is(err, ErrNotFound), ShouldBeTrue)
			}
			So(calls.Load(), ShouldEqual, 0)
		})
		Convey("Warm filters every image", func() {
			So(g.Warm(), ShouldBeNil)
			So(calls.Load(), ShouldEqual, len(Names()))
		})
		Convey("a failing filter is reported with the image name", func() {
			bad := NewGallery(func([]byte) ([]byte, error) { return nil, errors.New("boom") })
			err := bad.Warm()
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "boom")
		})
	})
}
