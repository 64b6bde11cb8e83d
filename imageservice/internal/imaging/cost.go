package imaging

import "image/color"

// jobOverhead is the memory a job takes whatever its size: encoder tables,
// buffered writers, the goroutines of the filters.
const jobOverhead = 1 << 20

// bandBytesPerPixel is what rendering one output pixel of a band holds: the
// oriented and the flattened RGBA rows and the colours At hands out (4 bytes
// each) and gift's float row buffers (16 bytes each, one per worker, counted
// twice for slack).
const bandBytesPerPixel = 3*4 + 2*16

// cost is the worst-case memory of decoding the image, rendering it a band at
// a time and encoding it, in bytes. It follows what the standard decoders
// allocate (Go 1.26 image/png, image/jpeg):
//   - PNG: one image of the colour model's size (1 byte a pixel for gray and
//     paletted, 2 for 16-bit gray, 4 for RGBA, 8 for 16-bit RGBA), and for an
//     interlaced image the largest Adam7 pass (half the pixels) beside it;
//   - JPEG: one byte per decoded sample (the components' sampling factors
//     decide how many per pixel: 3 at 4:4:4, 1.5 at 4:2:0), padded to whole
//     MCUs; a progressive image keeps 4 bytes per sample of DCT coefficients
//     for the whole image until its last scan; a 4-component (CMYK, YCCK)
//     image, or an RGB one (Adobe "no transform", no JFIF), is then converted
//     into a new 4-byte-per-pixel image.
func (h Header) cost() int64 {
	pixels := float64(h.Width+32) * float64(h.Height+32) // MCU padding
	var decoded float64
	switch h.Format {
	case "png":
		decoded = pixels * float64(pngBytesPerPixel(h.model))
		if h.interlaced {
			decoded *= 1.5
		}
	default:
		decoded = pixels * h.samples
		if h.progressive {
			decoded += pixels * h.samples * 4
		}
		if h.components == 4 || h.rgb {
			decoded += pixels * 4
		}
	}
	band := float64(bandRows * max(h.Width, h.Height) * bandBytesPerPixel)
	return int64(decoded+band) + jobOverhead
}

// pngBytesPerPixel is the size of a pixel of the image image/png decodes into
// for the colour model its header declares; 8, the largest, when unknown.
func pngBytesPerPixel(m color.Model) int {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.RGBAModel, color.NRGBAModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}
