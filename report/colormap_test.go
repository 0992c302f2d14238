package report

import (
	"image/color"
	"math"
	"testing"
)

func lightness(c color.NRGBA) float64 {
	return srgbToLab(float64(c.R)/255, float64(c.G)/255, float64(c.B)/255).L
}

func chroma(c color.NRGBA) float64 {
	l := srgbToLab(float64(c.R)/255, float64(c.G)/255, float64(c.B)/255)
	return math.Hypot(l.A, l.B)
}

func TestViridisLightnessRisesMonotonically(t *testing.T) {
	m := Viridis()
	prev := -1.0
	for i, c := range m.levels {
		l := lightness(c)
		if l < prev-0.3 { // 8-bit rounding moves L* by a few tenths at most
			t.Fatalf("level %d: L* %.2f after %.2f", i, l, prev)
		}
		prev = math.Max(prev, l)
	}
	if lo, hi := lightness(m.levels[0]), lightness(m.levels[255]); hi-lo < 70 {
		t.Errorf("L* spans %.1f..%.1f, want a range above 70", lo, hi)
	}
	// The ends are viridis' published end colours.
	if m.At(0) != (color.NRGBA{0x44, 0x01, 0x54, 255}) || m.At(1) != (color.NRGBA{0xfd, 0xe7, 0x25, 255}) {
		t.Errorf("ends %v %v, want #440154 and #fde725", m.At(0), m.At(1))
	}
	// Steps in L* are even: viridis was designed with near-linear lightness.
	for i := 16; i < 256; i += 16 {
		d := lightness(m.levels[i]) - lightness(m.levels[i-16])
		if d < 3 || d > 7 {
			t.Errorf("L* step %d..%d is %.2f, want 3..7", i-16, i, d)
		}
	}
}

func TestCoolWarmSymmetricWithNeutralCentre(t *testing.T) {
	m := CoolWarm()
	for i := 0; i < 128; i++ {
		a, b := lightness(m.levels[i]), lightness(m.levels[255-i])
		if math.Abs(a-b) > 0.5 {
			t.Errorf("L* at level %d is %.2f, at %d %.2f: not symmetric", i, a, 255-i, b)
		}
	}
	centre := m.At(0.5)
	if chroma(centre) > 2 || lightness(centre) < 85 {
		t.Errorf("centre %v: L* %.1f, chroma %.1f; want a near-white neutral", centre, lightness(centre), chroma(centre))
	}
	// Lightness rises to the centre on the cool half, then falls.
	for i := 1; i < 128; i++ {
		if lightness(m.levels[i]) < lightness(m.levels[i-1])-0.3 {
			t.Errorf("cool half: L* falls at level %d", i)
		}
	}
	if got := m.At(0); got != (color.NRGBA{59, 76, 192, 255}) {
		t.Errorf("cool end %v, want (59, 76, 192)", got)
	}
	if got := m.At(1); got != (color.NRGBA{180, 4, 38, 255}) {
		t.Errorf("warm end %v, want (180, 4, 38)", got)
	}
	// Hues: blue half has b* < 0, red half a* > 0.
	q1 := m.At(0.25)
	if q1.B <= q1.R {
		t.Errorf("quarter colour %v is not bluish", q1)
	}
	q3 := m.At(0.75)
	if q3.R <= q3.B {
		t.Errorf("three-quarter colour %v is not reddish", q3)
	}
}

func TestColorMapClampsAndNaN(t *testing.T) {
	m := CoolWarm()
	if m.At(-3) != m.At(0) || m.At(7) != m.At(1) || m.At(math.NaN()) != m.At(0.5) {
		t.Error("At does not clamp or map NaN to the centre")
	}
	if l := m.Levels(3); l[0] != m.At(0) || l[1] != m.At(0.5) || l[2] != m.At(1) {
		t.Errorf("Levels(3) = %v", l)
	}
}
