package imaging

import (
	"image"
	"image/color"
	"image/draw"

	"github.com/disintegration/gift"
)

// Background is the colour transparent pixels are composed onto before the
// sepia filter: white, since JPEG has no alpha and a browser shows a
// transparent image on a white page.
func Background() color.Color { return color.White }

// bandRows is the height of the bands a View renders: the height of a JPEG
// MCU at 4:2:0, the order in which image/jpeg's encoder reads an image.
const bandRows = 16

// View is the sepia of what a viewer of the decoded image sees: turned by
// its Orientation, transparent pixels composed onto Background, then the
// sepia filter. It computes its pixels a band of rows at a time from the
// decoded image, so a job holds the decoded image and two bands, never a
// second full-size copy. A View is not safe for concurrent use.
type View struct {
	src    image.Image
	orient Orientation
	bounds image.Rectangle // (0,0) to the displayed size

	turn, sepia *gift.GIFT
	oriented    *image.RGBA  // the current band before flattening, then its sepia
	flat        *image.RGBA  // the current band on Background
	colours     []color.RGBA // the sepia band again, for At
	y0, y1      int          // rows of bounds held in oriented, y0 == y1 when none
}

// NewView returns the sepia view of img displayed with orientation o.
func NewView(img image.Image, o Orientation) *View {
	if o < Upright || o > Rotate90CCW {
		o = Upright
	}
	size := img.Bounds().Size()
	if o.swapsAxes() {
		size.X, size.Y = size.Y, size.X
	}
	v := &View{
		src:    img,
		orient: o,
		bounds: image.Rectangle{Max: size},
		turn:   gift.New(turnFilters(o)...),
		sepia:  gift.New(gift.Sepia(100)),
	}
	band := image.Rect(0, 0, size.X, min(bandRows, size.Y))
	v.oriented, v.flat = image.NewRGBA(band), image.NewRGBA(band)
	v.colours = make([]color.RGBA, band.Dx()*band.Dy())
	return v
}

// turnFilters are the gift transforms a viewer applies for o.
func turnFilters(o Orientation) []gift.Filter {
	switch o {
	case FlipHorizontal:
		return []gift.Filter{gift.FlipHorizontal()}
	case Rotate180:
		return []gift.Filter{gift.Rotate180()}
	case FlipVertical:
		return []gift.Filter{gift.FlipVertical()}
	case Transpose:
		return []gift.Filter{gift.Transpose()}
	case Rotate90CW:
		return []gift.Filter{gift.Rotate270()} // gift turns counter-clockwise
	case Transverse:
		return []gift.Filter{gift.Transverse()}
	case Rotate90CCW:
		return []gift.Filter{gift.Rotate90()}
	}
	return nil
}

// ColorModel is RGBA: the view is opaque.
func (v *View) ColorModel() color.Model { return color.RGBAModel }

// Bounds is the displayed size, from (0,0).
func (v *View) Bounds() image.Rectangle { return v.bounds }

// At is the colour of the displayed pixel (x, y). Reading row after row, as
// image/jpeg does, renders each band once.
//
// The colour is a *color.RGBA into the view's band, so that reading a pixel
// allocates nothing (a color.RGBA value in an interface would cost an
// allocation per pixel, 100 MB of garbage for 25 megapixels): use it before
// reading a pixel of another band, or call RGBAAt.
func (v *View) At(x, y int) color.Color {
	if !image.Pt(x, y).In(v.bounds) {
		return color.Transparent
	}
	v.ensure(y)
	return &v.colours[(y-v.y0)*v.bounds.Dx()+x]
}

// RGBAAt is At without the interface conversion.
func (v *View) RGBAAt(x, y int) color.RGBA {
	if !image.Pt(x, y).In(v.bounds) {
		return color.RGBA{}
	}
	v.ensure(y)
	return v.oriented.RGBAAt(x, y-v.y0)
}

// ensure renders the band holding displayed row y unless it is the current one.
func (v *View) ensure(y int) {
	if y < v.y0 || y >= v.y1 {
		v.render(y - y%bandRows)
	}
}

// render computes displayed rows y0 up to y0+bandRows.
func (v *View) render(y0 int) {
	y1 := min(y0+bandRows, v.bounds.Max.Y)
	band := image.Rect(0, 0, v.bounds.Dx(), y1-y0)
	oriented := v.oriented.SubImage(band).(*image.RGBA)
	flat := v.flat.SubImage(band).(*image.RGBA)

	v.turn.Draw(oriented, v.source(y0, y1))
	draw.Draw(flat, band, image.NewUniform(Background()), image.Point{}, draw.Src)
	draw.Draw(flat, band, oriented, image.Point{}, draw.Over)
	v.sepia.Draw(oriented, flat)
	for i := range band.Dx() * band.Dy() {
		p := oriented.Pix[4*i : 4*i+4 : 4*i+4]
		v.colours[i] = color.RGBA{p[0], p[1], p[2], p[3]}
	}
	v.y0, v.y1 = y0, y1
}

// source is the part of the decoded image that the viewer displays as rows
// y0 to y1: rows of it, or columns when the orientation swaps the axes.
func (v *View) source(y0, y1 int) image.Image {
	b := v.src.Bounds()
	var r image.Rectangle
	switch v.orient {
	case Upright, FlipHorizontal:
		r = image.Rect(b.Min.X, b.Min.Y+y0, b.Max.X, b.Min.Y+y1)
	case Rotate180, FlipVertical:
		r = image.Rect(b.Min.X, b.Max.Y-y1, b.Max.X, b.Max.Y-y0)
	case Transpose, Rotate90CW:
		r = image.Rect(b.Min.X+y0, b.Min.Y, b.Min.X+y1, b.Max.Y)
	default: // Transverse, Rotate90CCW
		r = image.Rect(b.Max.X-y1, b.Min.Y, b.Max.X-y0, b.Max.Y)
	}
	if s, ok := v.src.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return s.SubImage(r)
	}
	return croppedImage{v.src, r}
}

// croppedImage is a window on an image without SubImage.
type croppedImage struct {
	image.Image
	r image.Rectangle
}

func (c croppedImage) Bounds() image.Rectangle { return c.r }
