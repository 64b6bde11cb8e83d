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
)

// MaxPixels is the default limit on width*height of an image accepted for
// decoding: 25 megapixels, about 100 MB as RGBA.
const MaxPixels = 25_000_000

// ErrUnsupported means the bytes are not a JPEG or PNG image, or are corrupt.
var ErrUnsupported = errors.New("unsupported or corrupt image")

// ErrTooLarge means the image header declares more pixels than allowed.
var ErrTooLarge = errors.New("image too large")

// Decode decodes a JPEG or PNG image from data after ReadHeader has checked
// it against maxPixels. Errors wrap ErrUnsupported or ErrTooLarge. A decoder
// panic on hostile input is turned into ErrUnsupported.
func Decode(data []byte, maxPixels int) (image.Image, Header, error) {
	h, err := ReadHeader(data, maxPixels)
	if err != nil {
		return nil, Header{}, err
	}
	img, err := DecodePixels(data, h)
	return img, h, err
}

// DecodePixels decodes data, whose header h was read by ReadHeader. Errors
// wrap ErrUnsupported; a decoder panic on hostile input is one of them.
func DecodePixels(data []byte, h Header) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("%w: decoder panic: %v", ErrUnsupported, r)
		}
	}()
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: decoding %s: %v", ErrUnsupported, h.Format, err)
	}
	if format != h.Format || img.Bounds().Dx() != h.Width || img.Bounds().Dy() != h.Height {
		return nil, fmt.Errorf("%w: %s %dx%d decoded as %s %v", ErrUnsupported, h.Format, h.Width, h.Height, format, img.Bounds())
	}
	return img, nil
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

// SepiaJPEG decodes data within maxPixels and returns the JPEG bytes of the
// sepia of what a viewer sees (see View).
func SepiaJPEG(data []byte, maxPixels int) ([]byte, error) {
	img, h, err := Decode(data, maxPixels)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := EncodeJPEG(&buf, NewView(img, h.Orientation)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
