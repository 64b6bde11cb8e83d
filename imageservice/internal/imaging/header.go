package imaging

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
)

// Header is what the first bytes of an upload say about it, read before any
// pixel is decoded.
type Header struct {
	// Format is "jpeg" or "png".
	Format string
	// Width and Height are the stored dimensions in pixels, before Orientation.
	Width, Height int
	// Orientation is how a viewer turns the stored pixels for display.
	Orientation Orientation
	// Cost is the worst-case memory in bytes that decoding, filtering and
	// encoding this image take at once, the upload bytes not included.
	Cost int64

	model       color.Model
	interlaced  bool    // PNG: Adam7
	progressive bool    // JPEG: SOF2
	samples     float64 // JPEG: decoded samples per pixel, over all components
	components  int     // JPEG: 1, 3 or 4
	rgb         bool    // JPEG: 3 components stored as RGB, converted into a new RGBA image
}

// ReadHeader reads the format, dimensions and display metadata of a JPEG or
// PNG image with image.DecodeConfig and a walk over its header, so an image
// declaring more than maxPixels pixels (a decompression bomb) is refused
// before anything is allocated for it. Errors wrap ErrUnsupported or
// ErrTooLarge.
func ReadHeader(data []byte, maxPixels int) (h Header, err error) {
	defer func() {
		if r := recover(); r != nil {
			h, err = Header{}, fmt.Errorf("%w: decoder panic: %v", ErrUnsupported, r)
		}
	}()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Header{}, fmt.Errorf("%w: reading header: %v", ErrUnsupported, err)
	}
	if format != "jpeg" && format != "png" {
		return Header{}, fmt.Errorf("%w: format %q", ErrUnsupported, format)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Header{}, fmt.Errorf("%w: empty %dx%d image", ErrUnsupported, cfg.Width, cfg.Height)
	}
	// Multiply in int64: 100000x100000 must not overflow on 32-bit platforms.
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return Header{}, fmt.Errorf("%w: %dx%d exceeds %d pixels", ErrTooLarge, cfg.Width, cfg.Height, maxPixels)
	}
	h = Header{Format: format, Width: cfg.Width, Height: cfg.Height, Orientation: Upright, model: cfg.ColorModel}
	switch format {
	case "jpeg":
		readJPEGHeader(data, &h)
	case "png":
		// IHDR is the first chunk (image.DecodeConfig checked it): byte 12 of
		// its data, at offset 8+8+12, is the interlace method (PNG spec 11.2.2).
		h.interlaced = len(data) > 28 && data[28] == 1
	}
	h.Cost = h.cost()
	return h, nil
}

// JPEG markers (ITU T.81 table B.1).
const (
	markerSOF0  = 0xc0 // baseline
	markerSOF1  = 0xc1 // extended sequential
	markerSOF2  = 0xc2 // progressive
	markerSOS   = 0xda
	markerAPP0  = 0xe0
	markerAPP1  = 0xe1
	markerAPP14 = 0xee
)

// readJPEGHeader walks the marker segments before the first scan: the frame
// header gives the components, their sampling and whether the image is
// progressive; the first APP1 Exif segment gives the orientation. A header it
// cannot follow leaves the worst case in h (progressive, 4 full components).
func readJPEGHeader(data []byte, h *Header) {
	h.progressive, h.components, h.samples = true, 4, 4
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return
	}
	exifSeen, jfif, adobeRGB := false, false, false
	var ids []byte
	defer func() {
		// image/jpeg's isRGB: no JFIF marker, and an Adobe marker saying
		// "no transform" or components named R, G, B.
		h.rgb = h.components == 3 && !jfif && (adobeRGB || bytes.Equal(ids, []byte("RGB")))
	}()
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff { // stray bytes between segments: image/jpeg skips them too
			i++
			continue
		}
		marker := data[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
			continue
		case marker == 0x01 || marker >= 0xd0 && marker <= 0xd7: // no length
			i += 2
			continue
		case marker == markerSOS:
			return
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return
		}
		seg := data[i+4 : i+2+n]
		switch marker {
		case markerSOF0, markerSOF1, markerSOF2:
			ids = readFrame(seg, marker == markerSOF2, h)
		case markerAPP0:
			jfif = jfif || bytes.HasPrefix(seg, []byte("JFIF\x00"))
		case markerAPP14:
			if len(seg) >= 12 && bytes.HasPrefix(seg, []byte("Adobe")) {
				adobeRGB = seg[11] == 0
			}
		case markerAPP1:
			if !exifSeen && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
				exifSeen = true
				h.Orientation = exifOrientation(seg[6:])
			}
		}
		i += 2 + n
	}
}

// readFrame reads a frame header (ITU T.81 B.2.2): precision, height, width,
// then per component an id, sampling factors (h<<4 | v) and a table. It
// returns the component ids.
func readFrame(seg []byte, progressive bool, h *Header) (ids []byte) {
	if len(seg) < 6 {
		return nil
	}
	n := int(seg[5])
	if n != 1 && n != 3 && n != 4 || len(seg) < 6+3*n {
		return nil
	}
	var hs, vs [4]int
	hMax, vMax := 1, 1
	for c := range n {
		ids = append(ids, seg[6+3*c])
		f := seg[6+3*c+1]
		hs[c], vs[c] = max(int(f>>4), 1), max(int(f&0x0f), 1)
		hMax, vMax = max(hMax, hs[c]), max(vMax, vs[c])
	}
	var samples float64
	for c := range n {
		samples += float64(hs[c]*vs[c]) / float64(hMax*vMax)
	}
	h.progressive, h.components, h.samples = progressive, n, samples
	return ids
}

// Orientation is the EXIF Orientation tag (CIPA DC-008, tag 0x0112): how the
// stored rows and columns map to what a viewer displays. Browsers apply it to
// JPEG images (CSS image-orientation: from-image is the default).
type Orientation int

// The eight orientations; the name says what the viewer does to the stored
// pixels.
const (
	Upright        Orientation = 1 // as stored
	FlipHorizontal Orientation = 2
	Rotate180      Orientation = 3
	FlipVertical   Orientation = 4
	Transpose      Orientation = 5 // flip along the top-left to bottom-right diagonal
	Rotate90CW     Orientation = 6
	Transverse     Orientation = 7 // flip along the top-right to bottom-left diagonal
	Rotate90CCW    Orientation = 8
	tagOrientation             = 0x0112
	tiffTypeShort              = 3
)

// swapsAxes reports whether the viewer sees the image with width and height exchanged.
func (o Orientation) swapsAxes() bool { return o >= Transpose && o <= Rotate90CCW }

// exifOrientation reads the Orientation tag from IFD0 of a TIFF structure
// (the payload of an APP1 "Exif\0\0" segment, TIFF 6.0 section 2). Anything
// missing, malformed or out of range is Upright, as viewers treat it.
func exifOrientation(tiff []byte) Orientation {
	if len(tiff) < 8 {
		return Upright
	}
	var order binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return Upright
	}
	ifd := int64(order.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return Upright
	}
	count := int64(order.Uint16(tiff[ifd:]))
	for e := range count {
		at := ifd + 2 + 12*e
		if at+12 > int64(len(tiff)) {
			break
		}
		entry := tiff[at : at+12]
		if order.Uint16(entry) != tagOrientation {
			continue
		}
		if order.Uint16(entry[2:]) != tiffTypeShort || order.Uint32(entry[4:]) < 1 {
			return Upright
		}
		if o := Orientation(order.Uint16(entry[8:])); o >= Upright && o <= Rotate90CCW {
			return o
		}
		return Upright
	}
	return Upright
}
