// Command gen draws the images bundled with imageservice: a birthday cake and
// a small landscape, written as JPEG files into the current directory.
// Run it through `go generate ./...` in imageservice/internal/bundle; the output
// is committed, so a build never needs to run it.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
)

const (
	width  = 320
	height = 240
)

func main() {
	out := flag.String("out", ".", "directory the images are written to")
	flag.Parse()
	pictures := map[string]func() *image.RGBA{
		"cake.jpg":      drawCake,
		"landscape.jpg": drawLandscape,
	}
	for name, draw := range pictures {
		if err := write(filepath.Join(*out, name), draw()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

func write(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 88}); err != nil {
		f.Close()
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return f.Close()
}

// canvas is a small set of anti-aliasing-free drawing helpers over an RGBA image.
type canvas struct{ *image.RGBA }

func newCanvas() canvas { return canvas{image.NewRGBA(image.Rect(0, 0, width, height))} }

func (c canvas) each(fn func(x, y int) (color.RGBA, bool)) {
	for y := 0; y < height; y++ {
		for x := 0; x < width; x++ {
			if col, ok := fn(x, y); ok {
				c.SetRGBA(x, y, col)
			}
		}
	}
}

func lerp(a, b color.RGBA, t float64) color.RGBA {
	t = math.Max(0, math.Min(1, t))
	mix := func(p, q uint8) uint8 { return uint8(float64(p) + (float64(q)-float64(p))*t) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
}

func shade(c color.RGBA, f float64) color.RGBA {
	s := func(v uint8) uint8 { return uint8(math.Max(0, math.Min(255, float64(v)*f))) }
	return color.RGBA{s(c.R), s(c.G), s(c.B), 255}
}

// inEllipse reports whether (x, y) lies inside the ellipse centred at (cx, cy).
func inEllipse(x, y int, cx, cy, rx, ry float64) bool {
	dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
	return dx*dx+dy*dy <= 1
}

// noise is a cheap deterministic hash in [0, 1): texture without math/rand.
func noise(x, y int) float64 {
	h := uint32(x)*374761393 + uint32(y)*668265263
	h = (h ^ (h >> 13)) * 1274126177
	return float64(h&0xffff) / 0x10000
}

// cylinder paints a cake tier: a side band shaded left to right and an elliptic top.
func (c canvas) cylinder(cx, top, rx, ry, h float64, side, topCol color.RGBA) {
	c.each(func(x, y int) (color.RGBA, bool) {
		fx, fy := float64(x), float64(y)
		if math.Abs(fx-cx) > rx {
			return color.RGBA{}, false
		}
		// lower boundary of the side: the bottom half of the ellipse at top+h
		dx := (fx - cx) / rx
		bottom := top + h + ry*math.Sqrt(math.Max(0, 1-dx*dx))
		if fy >= top && fy <= bottom {
			light := 1.1 - 0.45*math.Abs(dx+0.35)
			return shade(side, light*(0.96+0.08*noise(x, y))), true
		}
		return color.RGBA{}, false
	})
	c.each(func(x, y int) (color.RGBA, bool) {
		if inEllipse(x, y, cx, top, rx, ry) {
			dx := (float64(x) - cx) / rx
			return shade(topCol, 1.05-0.15*math.Abs(dx+0.3)), true
		}
		return color.RGBA{}, false
	})
}

func drawCake() *image.RGBA {
	c := newCanvas()
	wallTop, wallBottom := color.RGBA{244, 214, 188, 255}, color.RGBA{214, 160, 130, 255}
	table := color.RGBA{120, 72, 40, 255}
	c.each(func(x, y int) (color.RGBA, bool) {
		if y < 170 {
			col := lerp(wallTop, wallBottom, float64(y)/170)
			if (x/16+y/16)%2 == 0 { // faint wallpaper pattern
				col = shade(col, 0.97)
			}
			return col, true
		}
		grain := 0.9 + 0.15*math.Sin(float64(x)/7+3*math.Sin(float64(y)/11)) + 0.05*noise(x, y)
		return shade(lerp(table, shade(table, 0.7), float64(y-170)/70), grain), true
	})

	// plate and its shadow
	c.each(func(x, y int) (color.RGBA, bool) {
		switch {
		case inEllipse(x, y, 166, 200, 122, 28):
			if inEllipse(x, y, 160, 196, 104, 21) {
				return color.RGBA{226, 228, 232, 255}, true
			}
			return color.RGBA{246, 247, 250, 255}, true
		case inEllipse(x, y, 172, 206, 126, 30):
			return color.RGBA{70, 40, 22, 255}, true
		}
		return color.RGBA{}, false
	})

	// two tiers of chocolate sponge with cream tops
	sponge := color.RGBA{122, 70, 44, 255}
	cream := color.RGBA{252, 240, 230, 255}
	c.cylinder(160, 140, 92, 20, 48, sponge, cream)
	// cream filling stripe on the lower tier
	c.each(func(x, y int) (color.RGBA, bool) {
		dx := (float64(x) - 160) / 92
		if math.Abs(dx) > 1 {
			return color.RGBA{}, false
		}
		curve := 20 * math.Sqrt(1-dx*dx)
		if fy := float64(y); fy > 162+curve && fy < 168+curve {
			return shade(cream, 0.92), true
		}
		return color.RGBA{}, false
	})
	c.cylinder(160, 100, 60, 13, 40, shade(sponge, 1.08), color.RGBA{255, 200, 214, 255})

	// strawberries around the top tier
	for i := 0; i < 7; i++ {
		a := float64(i) / 7 * 2 * math.Pi
		bx, by := 160+44*math.Cos(a), 100+9*math.Sin(a)-4
		c.each(func(x, y int) (color.RGBA, bool) {
			if inEllipse(x, y, bx, by, 7, 6) {
				if noise(x, y) > 0.93 {
					return color.RGBA{250, 230, 120, 255}, true // seeds
				}
				return shade(color.RGBA{214, 30, 48, 255}, 1.1-0.3*(float64(y)-by+6)/12), true
			}
			if inEllipse(x, y, bx, by-6, 5, 2) {
				return color.RGBA{60, 150, 60, 255}, true
			}
			return color.RGBA{}, false
		})
	}

	// candles with flames and a glow
	for i, cx := range []float64{136, 160, 184} {
		base := 98.0 + float64(i%2)*4
		stripe := []color.RGBA{{90, 140, 230, 255}, {250, 250, 250, 255}}
		c.each(func(x, y int) (color.RGBA, bool) {
			fx, fy := float64(x), float64(y)
			switch {
			case math.Abs(fx-cx) <= 3 && fy >= base-34 && fy <= base:
				return stripe[(int(fy)+x)/4%2], true
			case math.Abs(fx-cx) <= 0.6 && fy >= base-38 && fy < base-34:
				return color.RGBA{40, 30, 20, 255}, true
			case inEllipse(x, y, cx, base-45, 3.5, 8):
				t := (fy - (base - 53)) / 16
				return lerp(color.RGBA{255, 250, 200, 255}, color.RGBA{255, 140, 20, 255}, t), true
			}
			if d := math.Hypot(fx-cx, fy-(base-45)); d < 22 {
				under := c.RGBAAt(x, y)
				return lerp(under, color.RGBA{255, 230, 150, 255}, 0.35*(1-d/22)), true
			}
			return color.RGBA{}, false
		})
	}
	return c.RGBA
}

func drawLandscape() *image.RGBA {
	c := newCanvas()
	skyTop, skyLow := color.RGBA{70, 130, 210, 255}, color.RGBA{250, 200, 150, 255}
	c.each(func(x, y int) (color.RGBA, bool) {
		fx, fy := float64(x), float64(y)
		far := 120 + 25*math.Sin(fx/40) + 10*math.Sin(fx/13+1)
		near := 160 + 20*math.Sin(fx/55+2) + 6*math.Sin(fx/9)
		switch {
		case fy > near:
			return shade(lerp(color.RGBA{90, 150, 60, 255}, color.RGBA{40, 90, 30, 255}, (fy-near)/80), 0.9+0.15*noise(x, y)), true
		case fy > far:
			return lerp(color.RGBA{110, 120, 150, 255}, color.RGBA{80, 95, 120, 255}, (fy-far)/60), true
		case math.Hypot(fx-240, fy-70) < 22:
			return color.RGBA{255, 240, 190, 255}, true
		}
		return lerp(skyTop, skyLow, fy/140), true
	})
	return c.RGBA
}
