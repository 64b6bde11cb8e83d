package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/disintegration/gift"
	"github.com/goblog/imageservice/internal/imagetest"
	. "github.com/smartystreets/goconvey/convey"
)

// jpegTolerance is how far, per 8-bit channel, a pixel of the answer may be
// from the expected one: the input JPEG (quality 95) and the answer (quality
// 85) are both lossy. A wrong background, turn or colour model is off by far
// more (the quadrants differ by 60 or more in every channel after sepia).
const jpegTolerance = 12

// viewerCase is an upload and what a viewer of it sees.
type viewerCase struct {
	name   string
	upload []byte
	// sees is the picture a viewer displays, before the white page under
	// any transparency.
	sees image.Image
}

// scene is the displayed picture of most cases: 48x32, so a turn changes the
// shape, with quadrants that a wrong turn mixes up.
func scene() *image.NRGBA { return imagetest.Quadrants(48, 32) }

// convert draws img into a new image of the given kind.
func convert[T draw.Image](img image.Image, dst T) T {
	draw.Draw(dst, dst.Bounds(), img, img.Bounds().Min, draw.Src)
	return dst
}

// withAlpha is the scene with every pixel's alpha set to a.
func withAlpha(a uint8) *image.NRGBA {
	img := scene()
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = a
	}
	return img
}

func viewerCases(t testing.TB) []viewerCase {
	r := scene().Bounds()
	cases := []viewerCase{
		{"PNG NRGBA, opaque", imagetest.EncodePNG(t, scene()), scene()},
		{"PNG NRGBA, fully transparent white (the issue's input)", imagetest.EncodePNG(t, transparentWhite(8, 8)), transparentWhite(8, 8)},
		{"PNG NRGBA, half transparent", imagetest.EncodePNG(t, withAlpha(128)), withAlpha(128)},
		{"PNG NRGBA, fully transparent colours", imagetest.EncodePNG(t, withAlpha(0)), withAlpha(0)},
		{"PNG RGBA64, 16-bit opaque", imagetest.EncodePNG(t, convert(scene(), image.NewRGBA64(r))), scene()},
		{"PNG NRGBA64, 16-bit with alpha", imagetest.EncodePNG(t, convert(withAlpha(100), image.NewNRGBA64(r))), withAlpha(100)},
		{"PNG Gray", imagetest.EncodePNG(t, convert(scene(), image.NewGray(r))), convert(scene(), image.NewGray(r))},
		{"PNG Gray16", imagetest.EncodePNG(t, convert(scene(), image.NewGray16(r))), convert(scene(), image.NewGray16(r))},
		{"PNG paletted with a transparent index", imagetest.EncodePNG(t, palettedScene()), palettedScene()},
		{"JPEG YCbCr 4:2:0", imagetest.EncodeJPEG(t, scene()), scene()},
		{"JPEG gray", imagetest.EncodeJPEG(t, convert(scene(), image.NewGray(r))), convert(scene(), image.NewGray(r))},
	}
	for o := 1; o <= 8; o++ {
		stored := imagetest.EncodeJPEG(t, imagetest.Stored(scene(), o))
		cases = append(cases, viewerCase{
			fmt.Sprintf("JPEG with EXIF orientation %d, %s", o, map[bool]string{true: "big-endian", false: "little-endian"}[o%2 == 0]),
			imagetest.WithExifOrientation(stored, uint16(o), o%2 == 0), scene(),
		})
	}
	// Written by libjpeg (testdata/genjpeg.c), for what Go's encoder cannot write.
	for _, name := range []string{
		"ycbcr-444.jpg", "ycbcr-422.jpg", "ycbcr-420.jpg", "ycbcr-440.jpg", "ycbcr-411.jpg", "ycbcr-410.jpg",
		"ycbcr-420-progressive.jpg", "cmyk.jpg", "ycck.jpg", "ycck-progressive.jpg", "rgb.jpg",
	} {
		cases = append(cases, viewerCase{"JPEG " + name, fixture(t, name), scene()})
	}
	cases = append(cases, viewerCase{"JPEG gray-progressive.jpg", fixture(t, "gray-progressive.jpg"), convert(scene(), image.NewGray(r))})
	for _, o := range []uint16{0, 9, 0xffff} {
		cases = append(cases, viewerCase{
			fmt.Sprintf("JPEG with an out-of-range EXIF orientation %d: shown as stored", o),
			imagetest.WithExifOrientation(imagetest.EncodeJPEG(t, scene()), o, true), scene(),
		})
	}
	return cases
}

// fixture reads testdata/name.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// palettedScene is the scene in a palette whose first entry is transparent,
// used for the left half.
func palettedScene() *image.Paletted {
	src := scene()
	img := image.NewPaletted(src.Bounds(), color.Palette{
		color.NRGBA{}, color.NRGBA{230, 40, 40, 255}, color.NRGBA{20, 20, 20, 255}, color.NRGBA{40, 40, 230, 255},
	})
	draw.Draw(img, img.Bounds(), src, image.Point{}, draw.Src)
	for y := range src.Bounds().Dy() {
		for x := range src.Bounds().Dx() / 2 {
			img.SetColorIndex(x, y, 0)
		}
	}
	return img
}

// expectedSepia is what the answer should show for a viewer's picture: the
// picture on a white page, then gift's sepia.
func expectedSepia(sees image.Image) *image.RGBA {
	page := image.NewRGBA(sees.Bounds())
	draw.Draw(page, page.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(page, page.Bounds(), sees, sees.Bounds().Min, draw.Over)
	out := image.NewRGBA(page.Bounds())
	gift.New(gift.Sepia(100)).Draw(out, page)
	return out
}

// farthest compares got with want at the centre of each 8x8 block (JPEG
// blurs edges between blocks of different colour) and returns the largest
// channel difference and where.
func farthest(got, want image.Image) (diff int, at image.Point) {
	for y := 4; y < want.Bounds().Dy(); y += 8 {
		for x := 4; x < want.Bounds().Dx(); x += 8 {
			g := color.RGBAModel.Convert(got.At(x, y)).(color.RGBA)
			w := color.RGBAModel.Convert(want.At(x, y)).(color.RGBA)
			for _, d := range []int{int(g.R) - int(w.R), int(g.G) - int(w.G), int(g.B) - int(w.B)} {
				if d < 0 {
					d = -d
				}
				if d > diff {
					diff, at = d, image.Pt(x, y)
				}
			}
		}
	}
	return diff, at
}

func TestViewerSees(t *testing.T) {
	Convey("Given uploads of every alpha kind, colour model and orientation", t, func() {
		for _, c := range viewerCases(t) {
			Convey(c.name+": the answer is the sepia of what a viewer sees", func() {
				out, err := SepiaJPEG(c.upload, MaxPixels)
				So(err, ShouldBeNil)
				got, err := jpeg.Decode(bytes.NewReader(out))
				So(err, ShouldBeNil)
				want := expectedSepia(c.sees)
				So(got.Bounds(), ShouldResemble, want.Bounds())
				diff, at := farthest(got, want)
				So(fmt.Sprintf("%d at %v", diff, at), ShouldEqual, fmt.Sprintf("%d at %v", min(diff, jpegTolerance), at))
			})
		}
	})
}

func TestViewOfEveryDecodedModel(t *testing.T) {
	// image/jpeg decodes into YCbCr at the subsampling of the file and into
	// CMYK for CMYK and YCCK files; these are built directly, as the encoder
	// of the standard library writes 4:2:0 only.
	Convey("Given the scene decoded into each model image.Decode returns", t, func() {
		r := scene().Bounds()
		models := map[string]image.Image{"CMYK": convert(scene(), image.NewCMYK(r))}
		for _, ratio := range []image.YCbCrSubsampleRatio{
			image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
			image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
		} {
			models["YCbCr "+ratio.String()] = ycbcr(scene(), ratio)
		}
		for name, img := range models {
			Convey(name+": the view, and its JPEG, are the sepia of the scene", func() {
				want := expectedSepia(scene())
				view := NewView(img, Upright)
				diff, at := farthest(view, want)
				So(fmt.Sprintf("%d at %v", diff, at), ShouldEqual, fmt.Sprintf("%d at %v", min(diff, 3), at)) // YCbCr rounding only

				var buf bytes.Buffer
				So(EncodeJPEG(&buf, view), ShouldBeNil)
				got, err := jpeg.Decode(&buf)
				So(err, ShouldBeNil)
				diff, _ = farthest(got, want)
				So(diff, ShouldBeLessThanOrEqualTo, jpegTolerance)
			})
		}
	})
}

// ycbcr converts img into a YCbCr image with the given subsampling. Each
// chroma sample takes the colour of the last pixel it covers: the quadrants'
// edges fall on chroma block edges at every ratio, so that is their colour.
func ycbcr(img image.Image, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	b := img.Bounds()
	out := image.NewYCbCr(b, ratio)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.YCbCrModel.Convert(img.At(x, y)).(color.YCbCr)
			out.Y[out.YOffset(x, y)] = c.Y
			ci := out.COffset(x, y)
			out.Cb[ci], out.Cr[ci] = c.Cb, c.Cr
		}
	}
	return out
}

func TestViewBands(t *testing.T) {
	Convey("Given a turned image taller than a band, read in any order", t, func() {
		img := imagetest.Gradient(37, 53)
		for o := Upright; o <= Rotate90CCW; o++ {
			want := image.NewRGBA(NewView(img, o).Bounds())
			draw.Draw(want, want.Bounds(), NewView(img, o), image.Point{}, draw.Src) // row order
			view := NewView(img, o)
			b := view.Bounds()
			mismatches := 0
			for y := b.Max.Y - 1; y >= 0; y-- { // bottom up: every read renders a band anew
				for x := range b.Dx() {
					if view.RGBAAt(x, y) != want.RGBAAt(x, y) || *view.At(x, y).(*color.RGBA) != want.RGBAAt(x, y) {
						mismatches++
					}
				}
			}
			So(mismatches, ShouldEqual, 0)
			So(view.RGBAAt(-1, 0), ShouldResemble, color.RGBA{})
			So(view.RGBAAt(0, b.Max.Y), ShouldResemble, color.RGBA{})
		}
	})
}
