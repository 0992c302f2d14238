package report

import (
	"bytes"
	"image/gif"
	"math"
	"testing"
)

func wave(h, w int, phase float64) []float64 {
	f := make([]float64, h*w)
	for i := range f {
		f[i] = math.Sin(2*math.Pi*float64(i%w)/float64(w) + phase)
	}
	return f
}

func TestAnimateFramesPaletteDelayAndColours(t *testing.T) {
	const h, w, leads = 8, 12, 5
	p := Panels{H: h, W: w}
	for l := range leads {
		p.Truth = append(p.Truth, wave(h, w, float64(l)))
		p.Spread = append(p.Spread, make([]float64, h*w))
		for i := range p.Spread[l] {
			p.Spread[l][i] = float64(i) / float64(h*w-1)
		}
	}
	p.Members = [][][]float64{p.Truth, p.Truth}
	b, sc, err := Animate(p, AnimationOptions{Scale: 2, Delay: 30, Gap: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !sc.Diverging || sc.FieldLo != -1 || sc.FieldHi != 1 || sc.SpreadHi != 1 {
		t.Errorf("scales %+v, want ±1 diverging and spread 0..1", sc)
	}
	g, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != leads || len(g.Delay) != leads {
		t.Fatalf("%d frames, %d delays; want %d", len(g.Image), len(g.Delay), leads)
	}
	for _, d := range g.Delay {
		if d != 30 {
			t.Errorf("delay %d, want 30", d)
		}
	}
	want := gifPalette()
	img := g.Image[0]
	if len(img.Palette) != 256 || len(want) != 256 {
		t.Fatalf("palette of %d colours, built %d; want 256", len(img.Palette), len(want))
	}
	for i := range want {
		r1, g1, b1, _ := img.Palette[i].RGBA()
		r2, g2, b2, _ := want[i].RGBA()
		if r1 != r2 || g1 != g2 || b1 != b2 {
			t.Fatalf("palette entry %d differs", i)
		}
	}
	if dx, dy := img.Bounds().Dx(), img.Bounds().Dy(); dx != 4*w*2+3*3 || dy != h*2+gifHeader+gifFooter {
		t.Fatalf("frame %d×%d, want %d×%d", dx, dy, 4*w*2+3*3, h*2+gifHeader+gifFooter)
	}
	// Each panel's label strip holds black text and nothing else but white.
	for i := range 4 {
		black, other := 0, 0
		for y := range gifHeader {
			for x := i * (2*w + 3); x < i*(2*w+3)+2*w; x++ {
				switch img.ColorIndexAt(x, y) {
				case 255:
					black++
				case gifBackground:
				default:
					other++
				}
			}
		}
		if black < 10 || other != 0 {
			t.Errorf("label strip of panel %d: %d black pixels, %d of other colours", i, black, other)
		}
	}
	if bytes.Equal(g.Image[0].Pix[:gifHeader*img.Stride], g.Image[1].Pix[:gifHeader*img.Stride]) {
		t.Error("the lead in the truth's label does not change between frames")
	}
	// Truth cell (0, 0) of frame 0 is sin 0 = 0: the diverging map's centre. The column at a quarter
	// period is +1: the warm end. The spread's first cell is 0 (dark viridis), its last 1 (yellow).
	if got := img.ColorIndexAt(0, gifHeader); got != gifDiverging+63 {
		t.Errorf("zero maps to index %d, want %d", got, gifDiverging+63)
	}
	if got := img.ColorIndexAt(2*(w/4), gifHeader); got != gifDiverging+126 {
		t.Errorf("+1 maps to index %d, want %d", got, gifDiverging+126)
	}
	if got := img.ColorIndexAt(2*w, gifHeader); got != gifBackground {
		t.Errorf("gap pixel index %d, want the background", got)
	}
	x0 := 3 * (2*w + 3)
	if got := img.ColorIndexAt(x0, gifHeader); got != gifSequential {
		t.Errorf("spread 0 maps to %d, want %d", got, gifSequential)
	}
	if got := img.ColorIndexAt(x0+2*w-1, gifHeader+2*h-1); got != gifSequential+126 {
		t.Errorf("spread max maps to %d, want %d", got, gifSequential+126)
	}
	// Frames differ as the wave moves.
	if bytes.Equal(g.Image[0].Pix[gifHeader*img.Stride:], g.Image[1].Pix[gifHeader*img.Stride:]) {
		t.Error("the fields of frames 0 and 1 are identical")
	}
}

func TestAnimateNonNegativeUsesSequential(t *testing.T) {
	p := Panels{H: 1, W: 2, Truth: [][]float64{{0, 4}}, Members: [][][]float64{{{2, 4}}}}
	b, sc, err := Animate(p, AnimationOptions{Scale: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Diverging || sc.FieldHi != 4 || sc.SpreadHi != 0 {
		t.Errorf("scales %+v, want sequential 0..4 and no spread", sc)
	}
	g, _ := gif.DecodeAll(bytes.NewReader(b))
	img := g.Image[0]
	y := gifHeader
	if img.ColorIndexAt(0, y) != gifSequential || img.ColorIndexAt(1, y) != gifSequential+126 || img.ColorIndexAt(6, y) != gifSequential+63 {
		t.Errorf("indices %d %d %d", img.ColorIndexAt(0, y), img.ColorIndexAt(1, y), img.ColorIndexAt(6, y))
	}
}

func TestAnimateRefusesBadShapes(t *testing.T) {
	for name, p := range map[string]Panels{
		"no leads":     {H: 2, W: 2},
		"short frame":  {H: 2, W: 2, Truth: [][]float64{{1, 2, 3}}},
		"member leads": {H: 1, W: 1, Truth: [][]float64{{1}, {2}}, Members: [][][]float64{{{1}}}},
		"too wide":     {H: 1, W: 9000, Truth: [][]float64{make([]float64, 9000)}},
	} {
		if _, _, err := Animate(p, AnimationOptions{Scale: 1}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
