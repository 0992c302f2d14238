package pushing

import (
	"fmt"
	"math"
)

// Table textures of a Scene.
const (
	Plain   = iota // the base colour
	Wood           // wavy grain bands
	Checker        // two-tone tiles, 8 per side
	Speckle        // blotchy value noise
	numTables
)

// Object textures.
const (
	Solid   = iota // the colour
	Stripes        // diagonal darker stripes
	Checks         // darker checks
	Ring           // a darker ring halfway in
	numTextures
)

// Render draws the scene as a size×size RGB image into dst, [size, size, 3] (rows, columns, channels:
// BAIR's H W C layout) with values in [0, 1]: the table's texture, then the objects in order, then the
// pusher on top. Edges are anti-aliased by coverage: a pixel whose centre lies at signed distance d
// from a shape's boundary (negative inside) is covered by clamp(1/2 − d·size, 0, 1), the exact area
// covered of a straight edge crossing the pixel perpendicular to an axis.
func (s *Scene) Render(size int, dst []float32) error {
	if size < 1 || len(dst) != size*size*3 {
		return fmt.Errorf("pushing: render %d×%d into %d values: expected %d", size, size, len(dst), size*size*3)
	}
	n := float64(size)
	for i := range size {
		y := (float64(i) + 0.5) / n
		for j := range size {
			x := (float64(j) + 0.5) / n
			c := s.tableColour(x, y)
			for _, o := range s.Objects {
				if a := coverage(o.Body, x, y, n); a > 0 {
					c = blend(c, o.texel(x, y), a)
				}
			}
			if a := coverage(s.Pusher, x, y, n); a > 0 {
				c = blend(c, s.PusherColour, a)
			}
			p := dst[(i*size+j)*3:]
			for k := range 3 {
				p[k] = float32(math.Min(1, math.Max(0, c[k])))
			}
		}
	}
	return nil
}

// SignedDistance is the distance from (x, y) to the body's boundary, negative inside.
func SignedDistance(b Body, x, y float64) float64 {
	dx, dy := x-b.X, y-b.Y
	if b.Kind == Disc {
		return math.Hypot(dx, dy) - b.R
	}
	qx, qy := math.Abs(dx)-b.R, math.Abs(dy)-b.R
	return math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0)
}

// coverage is the share of the pixel of side 1/n centred at (x, y) that the body covers.
func coverage(b Body, x, y, n float64) float64 {
	return math.Min(1, math.Max(0, 0.5-SignedDistance(b, x, y)*n))
}

// blend is c over base with opacity a.
func blend(base, c [3]float64, a float64) [3]float64 {
	for k := range 3 {
		base[k] += a * (c[k] - base[k])
	}
	return base
}

// shade scales a colour by f.
func shade(c [3]float64, f float64) [3]float64 { return [3]float64{c[0] * f, c[1] * f, c[2] * f} }

// tableColour is the table's texture at (x, y).
func (s *Scene) tableColour(x, y float64) [3]float64 {
	c := s.TableColour
	switch s.Table {
	case Wood:
		u := y*14 + 0.35*math.Sin(x*9+2*math.Sin(y*5))
		return shade(c, 0.88+0.12*math.Sin(2*math.Pi*u))
	case Checker:
		if (int(math.Floor(x*8))+int(math.Floor(y*8)))%2 == 1 {
			return shade(c, 0.82)
		}
	case Speckle:
		return shade(c, 0.85+0.15*valueNoise(s.TableSeed, x*10, y*10))
	}
	return c
}

// texel is the object's colour at (x, y) (a point of the object).
func (o Object) texel(x, y float64) [3]float64 {
	u, v := (x-o.X)/o.R, (y-o.Y)/o.R // object coordinates, [−1, 1] across it
	switch o.Texture {
	case Stripes:
		if math.Mod(math.Abs(u+v)*2.5, 1) < 0.5 {
			return shade(o.Colour, 0.6)
		}
	case Checks:
		if (int(math.Floor(u*2+4))+int(math.Floor(v*2+4)))%2 == 1 {
			return shade(o.Colour, 0.65)
		}
	case Ring:
		if r := math.Hypot(u, v); r > 0.45 && r < 0.7 {
			return shade(o.Colour, 0.55)
		}
	}
	return o.Colour
}

// valueNoise is smooth noise in [0, 1] at (x, y): bilinear interpolation (smoothstep weights) of
// hashed values on the integer lattice.
func valueNoise(seed uint64, x, y float64) float64 {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	fx, fy = fx*fx*(3-2*fx), fy*fy*(3-2*fy)
	h := func(i, j float64) float64 {
		z := seed ^ uint64(int64(i))*0x9e3779b97f4a7c15 ^ uint64(int64(j))*0xc2b2ae3d27d4eb4f
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		return float64(z>>11) / (1 << 53)
	}
	a := h(x0, y0) + fx*(h(x0+1, y0)-h(x0, y0))
	b := h(x0, y0+1) + fx*(h(x0+1, y0+1)-h(x0, y0+1))
	return a + fy*(b-a)
}
