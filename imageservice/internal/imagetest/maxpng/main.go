// Command maxpng writes a 5000x5000 PNG, the largest upload imageservice
// accepts (25 megapixels): a translucent gradient that compresses to well
// under the 10 MiB body limit, 8 bits a channel, or 16 with -16.
//
//	go run ./imageservice/internal/imagetest/maxpng [-16] OUT.png
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
)

func main() {
	sixteen := flag.Bool("16", false, "16 bits a channel (NRGBA64)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: maxpng [-16] OUT.png")
		os.Exit(2)
	}
	if err := write(flag.Arg(0), *sixteen); err != nil {
		fmt.Fprintln(os.Stderr, "maxpng:", err)
		os.Exit(1)
	}
}

func write(name string, sixteen bool) error {
	const n = 5000
	var img draw.Image = image.NewNRGBA(image.Rect(0, 0, n, n))
	if sixteen {
		img = image.NewNRGBA64(image.Rect(0, 0, n, n))
	}
	for y := range n {
		for x := range n {
			img.Set(x, y, color.NRGBA{uint8(x / 20), uint8(y / 20), 128, uint8(255 - x/40)})
		}
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("encoding %s: %w", name, err)
	}
	return f.Close()
}
