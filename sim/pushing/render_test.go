package pushing

import (
	"math"
	"testing"
)

// TestRenderGoldenPixels renders a tiny plain scene and checks pixels by hand: the table's colour far
// from everything, the object's and the pusher's colours inside them, and exact half coverage where an
// edge passes through a pixel's centre.
func TestRenderGoldenPixels(t *testing.T) {
	const N = 8
	grey := [3]float64{0.5, 0.5, 0.5}
	blue := [3]float64{0, 0, 1}
	s := &Scene{TableColour: grey, PusherColour: PusherColour, MaxStep: 0.05,
		// a box covering columns 1–2 fully (x 0.125..0.375) and rows 1..2 (y 0.125..0.375)
		Objects: []Object{{Body: Body{Kind: Box, X: 0.25, Y: 0.25, R: 0.125}, Colour: blue}},
		// a disc whose rim passes through the centre of pixel (row 5, column 7): x = 7.5/8, y = 5.5/8
		Pusher: Body{Kind: Disc, X: 5.5 / 8, Y: 5.5 / 8, R: 2.0 / 8}}
	img := make([]float32, N*N*3)
	if err := s.Render(N, img); err != nil {
		t.Fatal(err)
	}
	px := func(i, j int) [3]float64 {
		p := img[(i*N+j)*3:]
		return [3]float64{float64(p[0]), float64(p[1]), float64(p[2])}
	}
	near := func(what string, got, want [3]float64) {
		t.Helper()
		for k := range 3 {
			if math.Abs(got[k]-want[k]) > 1e-6 {
				t.Errorf("%s: %v, want %v", what, got, want)
				return
			}
		}
	}
	near("table (0, 7)", px(0, 7), grey)
	near("box (1, 1)", px(1, 1), blue)
	near("box (2, 2)", px(2, 2), blue)
	// Pixel (0, 1): centre y = 1/16, the box's top edge at 1/8: distance 1/16 = half a pixel outside, no cover.
	near("outside the box (0, 1)", px(0, 1), grey)
	near("pusher centre (5, 5)", px(5, 5), PusherColour)
	near("rim (5, 7), half covered", px(5, 7), blend(grey, PusherColour, 0.5))
	// Pixel (3, 1): centre y = 3.5/8, the box's bottom edge at 3/8, distance 1/16: uncovered.
	near("below the box (3, 1)", px(3, 1), grey)
	if err := s.Render(N, img[:5]); err == nil {
		t.Error("a buffer of the wrong size was accepted")
	}
}

// TestCoverageIsArea: for an edge perpendicular to an axis, the coverage is the pixel's area on the
// inside, and it is monotone across the edge.
func TestCoverageIsArea(t *testing.T) {
	b := Body{Kind: Box, X: 0.5, Y: 0.5, R: 0.25} // right edge at x = 0.75
	const n = 16.0
	for _, c := range []struct{ x, want float64 }{{0.75, 0.5}, {0.75 + 0.25/n, 0.25}, {0.75 - 0.25/n, 0.75}, {0.75 + 1/n, 0}, {0.6, 1}} {
		if got := coverage(b, c.x, 0.5, n); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("coverage at x = %v: %v, want %v", c.x, got, c.want)
		}
	}
}

// TestTexturesInRange renders every table and object texture and checks values in [0, 1] that differ
// between textures.
func TestTexturesInRange(t *testing.T) {
	const N = 16
	var prev []float32
	for tb := range numTables {
		s := &Scene{Table: tb, TableColour: tableColours[1], TableSeed: 3, PusherColour: PusherColour, MaxStep: 0.05,
			Pusher:  Body{Kind: Disc, X: 0.8, Y: 0.8, R: 0.07},
			Objects: []Object{{Body: Body{Kind: Disc, X: 0.3, Y: 0.3, R: 0.2}, Colour: palette[0], Texture: tb % numTextures}}}
		img := make([]float32, N*N*3)
		if err := s.Render(N, img); err != nil {
			t.Fatal(err)
		}
		for i, v := range img {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("table %d: value %v at %d", tb, v, i)
			}
		}
		if prev != nil && equal(prev, img) {
			t.Errorf("table texture %d renders like the previous one", tb)
		}
		prev = img
	}
}

func equal(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
