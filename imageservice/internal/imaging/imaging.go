// Package imaging decodes untrusted JPEG and PNG images within limits and
// applies the sepia filter. It knows nothing about HTTP.
package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // registers the PNG decoder with image.Decode
	"io"

	"github.com/disintegration/gift"
)

// MaxPixels is the default limit on width*height of an image accepted for
// decoding: 25 megapixels, about 100 MiB as RGBA.
const MaxPixels = 25_000_000

// ErrUnsupported means the bytes are not a JPEG or PNG image, or are corrupt.
var ErrUnsupported = errors.New("unsupported or corrupt image")

// ErrTooLarge means the image header declares more pixels than allowed.
var ErrTooLarge = errors.New("image too large")

// Decode decodes a JPEG or PNG image from data. The dimensions are read from
// the header with image.DecodeConfig first, so an image declaring more than
// maxPixels pixels (a decompression bomb) is refused before any pixel buffer is
// allocated. Errors wrap ErrUnsupported or ErrTooLarge. A decoder panic on
// hostile input is turned into ErrUnsupported.
func Decode(data []byte, maxPixels int) (img image.Image, format string, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, format, err = nil, "", fmt.Errorf("%w: decoder panic: %v", ErrUnsupported, r)
		}
	}()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("%w: reading header: %v", ErrUnsupported, err)
	}
	if format != "jpeg" && format != "png" {
		return nil, "", fmt.Errorf("%w: format %q", ErrUnsupported, format)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, "", fmt.Errorf("%w: empty %dx%d image", ErrUnsupported, cfg.Width, cfg.Height)
	}
	// Multiply in int64: 100000x100000 must not overflow on 32-bit platforms.
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return nil, "", fmt.Errorf("%w: %dx%d exceeds %d pixels", ErrTooLarge, cfg.Width, cfg.Height, maxPixels)
	}
	img, format, err = image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("%w: decoding %s: %v", ErrUnsupported, format, err)
	}
	return img, format, nil
}

// Sepia returns a sepia-toned copy of img with the same bounds.
func Sepia(img image.Image) *image.RGBA {
	g := gift.New(gift.Sepia(100))
	dst := image.NewRGBA(g.Bounds(img.Bounds()))
	g.Draw(dst, img)
	return dst
}

// JPEGQuality is the quality of every JPEG the service writes.
const JPEGQuality = 85

// EncodeJPEG writes img as a JPEG.
func EncodeJPEG(w io.Writer, img image.Image) error {
	if err := jpeg.Encode(w, img, &jpeg.Options{Quality: JPEGQuality}); err != nil {
		return fmt.Errorf("encoding jpeg: %w", err)
	}
	return nil
}

// SepiaJPEG decodes data within maxPixels, filters it and returns the JPEG bytes.
func SepiaJPEG(data []byte, maxPixels int) ([]byte, error) {
	img, _, err := Decode(data, maxPixels)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := EncodeJPEG(&buf, Sepia(img)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
