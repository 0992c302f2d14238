package waves

import (
	"encoding/json"
	"math"
	"math/cmplx"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"

	"github.com/tidal-forecast/tidal/data"
)

// dft2 is the 2D DFT of a real [y][x] plane with gonum: out[ky][kx] = Σ f[y][x] e^{−2πi(kx·x + ky·y)/n}.
func dft2(plane []float32, n int) []complex128 {
	g := fourier.NewCmplxFFT(n)
	c := make([]complex128, n*n)
	for i, v := range plane {
		c[i] = complex(float64(v), 0)
	}
	line := make([]complex128, n)
	for pass := 0; pass < 2; pass++ {
		for a := 0; a < n; a++ {
			for b := range line {
				if pass == 0 {
					line[b] = c[a*n+b]
				} else {
					line[b] = c[b*n+a]
				}
			}
			g.Coefficients(line, line)
			for b := range line {
				if pass == 0 {
					c[a*n+b] = line[b]
				} else {
					c[b*n+a] = line[b]
				}
			}
		}
	}
	return c
}

// TestSpectrumOfFrames reads a written file back and checks every frame's 2D DFT: the only non-zero
// coefficients sit at ±k_j of the sidecar's waves (kx along x, the last axis), with the complex amplitude
// (a/2i)·N²·e^{i(φ − ωt)} that a travelling sine has.
func TestSpectrumOfFrames(t *testing.T) {
	o := DefaultOptions()
	o.N, o.Frames, o.Channels, o.Waves, o.Seed = 16, 4, 2, 3, 5
	out := filepath.Join(t.TempDir(), "w.npy")
	if err := WriteDataset(o, out); err != nil {
		t.Fatal(err)
	}
	a, err := data.ReadNPY(out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Shape, []int{4, 2, 16, 16}) {
		t.Fatalf("shape %v", a.Shape)
	}
	var side Sidecar
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(out), "w.json"))
	if err := json.Unmarshal(b, &side); err != nil {
		t.Fatal(err)
	}
	if len(side.Waves) != 6 || side.Options.Seed != 5 {
		t.Fatalf("sidecar %s", b)
	}
	n := o.N
	idx := func(k int) int { return (k + n) % n }
	for f := 0; f < o.Frames; f++ {
		for c := 0; c < o.Channels; c++ {
			got := dft2(a.F32[(f*o.Channels+c)*n*n:][:n*n], n)
			want := make([]complex128, n*n)
			for _, w := range side.Waves {
				if w.Channel != c {
					continue
				}
				z := complex(w.Amplitude/2, 0) * complex(0, -1) * cmplx.Exp(complex(0, w.Phase-w.Omega*side.Time[f])) * complex(float64(n*n), 0)
				want[idx(w.Ky)*n+idx(w.Kx)] += z
				want[idx(-w.Ky)*n+idx(-w.Kx)] += cmplx.Conj(z)
			}
			for i := range got {
				if cmplx.Abs(got[i]-want[i]) > 1e-4*float64(n*n) {
					t.Fatalf("frame %d channel %d: coefficient (ky=%d, kx=%d) = %v, want %v", f, c, i/n, i%n, got[i], want[i])
				}
			}
		}
	}
}

func TestDrawIsSeeded(t *testing.T) {
	o := DefaultOptions()
	if !reflect.DeepEqual(Draw(o), Draw(o)) {
		t.Fatal("same seed, different waves")
	}
	o2 := o
	o2.Seed++
	if reflect.DeepEqual(Draw(o), Draw(o2)) {
		t.Fatal("different seeds, same waves")
	}
	for _, w := range Draw(o) {
		if w.Kx == 0 && w.Ky == 0 || abs(w.Kx) > o.KMax || abs(w.Ky) > o.KMax || w.Speed < o.SpeedMin || w.Speed > o.SpeedMax {
			t.Fatalf("wave out of range: %+v", w)
		}
	}
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

func TestBadOptionsWriteNothing(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		want string
		edit func(o *Options)
	}{
		{"grid size", func(o *Options) { o.N = 2 }},
		{"frames", func(o *Options) { o.Frames = 0 }},
		{"channels", func(o *Options) { o.Channels = 0 }},
		{"kmax", func(o *Options) { o.KMax = 16 }},
		{"speeds", func(o *Options) { o.SpeedMin = 2 }},
		{"dt", func(o *Options) { o.Dt = math.Inf(1) }},
	} {
		o := DefaultOptions()
		c.edit(&o)
		if err := WriteDataset(o, filepath.Join(dir, "w.npy")); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v", c.want, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("files left: %v", entries)
	}
}
