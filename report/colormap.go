package report

import (
	"image/color"
	"math"
	"sync"
)

// ColorMap maps a value in [0, 1] to a colour through a table of 256 levels.
type ColorMap struct {
	Name   string
	levels [256]color.NRGBA
}

// At returns the colour of t in [0, 1]; t outside is clamped and NaN gives the centre colour.
func (m *ColorMap) At(t float64) color.NRGBA {
	if math.IsNaN(t) {
		t = 0.5
	}
	i := int(math.Round(clip01(t) * 255))
	return m.levels[i]
}

// Levels returns n colours evenly spaced from 0 to 1 (n ≥ 2).
func (m *ColorMap) Levels(n int) []color.NRGBA {
	out := make([]color.NRGBA, n)
	for i := range out {
		out[i] = m.At(float64(i) / float64(n-1))
	}
	return out
}

func newColorMap(name string, f func(t float64) lab) *ColorMap {
	m := &ColorMap{Name: name}
	for i := range m.levels {
		r, g, b := f(float64(i) / 255).srgb()
		m.levels[i] = color.NRGBA{uint8(math.Round(r * 255)), uint8(math.Round(g * 255)), uint8(math.Round(b * 255)), 255}
	}
	return m
}

// viridisStops are matplotlib's viridis (van der Walt and Smith, 2015) at nine evenly spaced values.
var viridisStops = []uint32{0x440154, 0x472c7a, 0x3b518b, 0x2c718e, 0x21908d, 0x27ad81, 0x5cc863, 0xaadc32, 0xfde725}

// Viridis is the sequential colour map of the report (ensemble spread, non-negative fields): viridis'
// published control points joined by straight lines in CIELAB, so lightness rises monotonically from
// dark purple to yellow (docs/REPORT.md).
var Viridis = sync.OnceValue(func() *ColorMap {
	stops := make([]lab, len(viridisStops))
	for i, h := range viridisStops {
		stops[i] = srgbToLab(float64(h>>16)/255, float64(h>>8&0xff)/255, float64(h&0xff)/255)
	}
	return newColorMap("viridis", func(t float64) lab {
		x := t * float64(len(stops)-1)
		i := min(int(x), len(stops)-2)
		u := x - float64(i)
		a, b := stops[i], stops[i+1]
		return lab{a.L + u*(b.L-a.L), a.A + u*(b.A-a.A), a.B + u*(b.B-a.B)}
	})
})

// msh is Moreland's polar form of CIELAB: magnitude M, saturation s (angle from the L axis), hue h.
type msh struct{ M, S, H float64 }

func toMsh(c lab) msh {
	m := math.Sqrt(c.L*c.L + c.A*c.A + c.B*c.B)
	if m == 0 {
		return msh{}
	}
	return msh{M: m, S: math.Acos(c.L / m), H: math.Atan2(c.B, c.A)}
}

func (c msh) lab() lab {
	return lab{L: c.M * math.Cos(c.S), A: c.M * math.Sin(c.S) * math.Cos(c.H), B: c.M * math.Sin(c.S) * math.Sin(c.H)}
}

// adjustHue is Moreland's hue of an unsaturated end (magnitude mu) joined to the saturated colour c:
// the hue spins away from c's so that the path stays perceptually even.
func adjustHue(c msh, mu float64) float64 {
	if c.M >= mu {
		return c.H
	}
	spin := c.S * math.Sqrt(mu*mu-c.M*c.M) / (c.M * math.Sin(c.S))
	if c.H > -math.Pi/3 {
		return c.H + spin
	}
	return c.H - spin
}

// morelandDiverging interpolates from c1 (t = 0) to c2 (t = 1) through a neutral white of magnitude
// max(M1, M2, 88) at t = 1/2, as in Moreland, "Diverging Color Maps for Scientific Visualization" (2009).
func morelandDiverging(c1, c2 lab, t float64) lab {
	a, b := toMsh(c1), toMsh(c2)
	mid := msh{M: math.Max(88, math.Max(a.M, b.M))}
	if t < 0.5 {
		b, t = mid, 2*t
	} else {
		a, t = mid, 2*t-1
	}
	if a.S < 0.05 && b.S > 0.05 {
		a.H = adjustHue(b, a.M)
	} else if b.S < 0.05 && a.S > 0.05 {
		b.H = adjustHue(a, b.M)
	}
	return msh{a.M + t*(b.M-a.M), a.S + t*(b.S-a.S), a.H + t*(b.H-a.H)}.lab()
}

// CoolWarm is the diverging colour map of the report (signed fields such as vorticity, drawn symmetric
// about 0): Moreland's cool-to-warm map from blue (59, 76, 192) through white to red (180, 4, 38).
var CoolWarm = sync.OnceValue(func() *ColorMap {
	cool := srgbToLab(59.0/255, 76.0/255, 192.0/255)
	warm := srgbToLab(180.0/255, 4.0/255, 38.0/255)
	return newColorMap("coolwarm", func(t float64) lab { return morelandDiverging(cool, warm, t) })
})
