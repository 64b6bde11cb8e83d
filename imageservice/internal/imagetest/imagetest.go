// Package imagetest builds images for the imageservice tests: small valid
// files, truncated ones and headers that lie about their size.
package imagetest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Gradient returns a w x h image with a colour gradient, so a filter changes it visibly.
func Gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 200, 255})
		}
	}
	return img
}

// PNG encodes a w x h gradient as PNG.
func PNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, Gradient(w, h)); err != nil {
		t.Fatalf("encoding png: %v", err)
	}
	return buf.Bytes()
}

// JPEG encodes a w x h gradient as JPEG.
func JPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, Gradient(w, h), nil); err != nil {
		t.Fatalf("encoding jpeg: %v", err)
	}
	return buf.Bytes()
}

// PNGHeader returns a PNG signature and a valid IHDR chunk claiming w x h
// RGBA pixels, followed by a tiny IDAT: a decompression bomb's header.
func PNGHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA; compression, filter, interlace 0
	chunk(&b, "IHDR", ihdr)
	chunk(&b, "IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	return b.Bytes()
}

func chunk(b *bytes.Buffer, typ string, data []byte) {
	_ = binary.Write(b, binary.BigEndian, uint32(len(data)))
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	b.WriteString(typ)
	b.Write(data)
	_ = binary.Write(b, binary.BigEndian, crc.Sum32())
}

// Quadrants returns a w x h image of four flat quadrants whose colours stay
// apart after a sepia filter (white, red, near-black, blue from the top left,
// row by row), so a test can tell them, and a turned image, apart.
func Quadrants(w, h int) *image.NRGBA {
	colours := [4]color.NRGBA{{255, 255, 255, 255}, {230, 40, 40, 255}, {20, 20, 20, 255}, {40, 40, 230, 255}}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			q := 0
			if x >= w/2 {
				q++
			}
			if y >= h/2 {
				q += 2
			}
			img.SetNRGBA(x, y, colours[q])
		}
	}
	return img
}

// EncodePNG encodes img as PNG in the colour model of img.
func EncodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatalf("encoding png: %v", err)
	}
	return buf.Bytes()
}

// EncodeJPEG encodes img as a quality 95 JPEG (4:2:0, or gray for a gray image).
func EncodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatalf("encoding jpeg: %v", err)
	}
	return buf.Bytes()
}

// WithExifOrientation returns the JPEG data with an APP1 Exif segment after
// SOI whose IFD0 holds the Orientation tag (0x0112) set to o, in big- or
// little-endian TIFF byte order.
func WithExifOrientation(data []byte, o uint16, bigEndian bool) []byte {
	var order binary.AppendByteOrder = binary.LittleEndian
	tiff := []byte("II*\x00")
	if bigEndian {
		order, tiff = binary.BigEndian, []byte("MM\x00*")
	}
	tiff = order.AppendUint32(tiff, 8) // IFD0 right after the header
	tiff = order.AppendUint16(tiff, 2) // two entries: a width first, so the walk is tested
	tiff = appendEntry(tiff, order, 0x0100, 4, 1, 99)
	tiff = appendEntry(tiff, order, 0x0112, 3, 1, uint32(o))
	tiff = order.AppendUint32(tiff, 0) // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff...)

	out := append([]byte{}, data[:2]...) // SOI
	out = append(out, 0xff, 0xe1)
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	out = append(out, payload...)
	return append(out, data[2:]...)
}

func appendEntry(b []byte, order binary.AppendByteOrder, tag, typ uint16, count, value uint32) []byte {
	b = order.AppendUint16(b, tag)
	b = order.AppendUint16(b, typ)
	b = order.AppendUint32(b, count)
	if typ == 3 { // a SHORT sits in the first two bytes of the value field
		b = order.AppendUint16(b, uint16(value))
		return order.AppendUint16(b, 0)
	}
	return order.AppendUint32(b, value)
}

// Stored returns what a camera stores for a displayed picture that a viewer
// shows with EXIF orientation o (CIPA DC-008 tag 0x0112): the inverse turn.
func Stored(displayed image.Image, o int) *image.NRGBA {
	b := displayed.Bounds()
	w, h := b.Dx(), b.Dy()
	sw, sh := w, h
	if o >= 5 {
		sw, sh = h, w
	}
	stored := image.NewNRGBA(image.Rect(0, 0, sw, sh))
	for y := range h {
		for x := range w {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = sw-1-x, y
			case 3:
				sx, sy = sw-1-x, sh-1-y
			case 4:
				sx, sy = x, sh-1-y
			case 5: // stored row 0 is the left column, stored column 0 the top row
				sx, sy = y, x
			case 6: // stored row 0 is the right column, stored column 0 the top row
				sx, sy = y, sh-1-x
			case 7: // stored row 0 is the right column, stored column 0 the bottom row
				sx, sy = sw-1-y, sh-1-x
			case 8: // stored row 0 is the left column, stored column 0 the bottom row
				sx, sy = sw-1-y, x
			default:
				sx, sy = x, y
			}
			stored.Set(sx, sy, displayed.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return stored
}
