package guidedbench

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
)

// mode fills n frames of size² values with A·cos(kx·x + ky·y + phase) on the 2π-periodic grid.
func mode(n, size, kx, ky int, A, phase float64) []float32 {
	out := make([]float32, n*size*size)
	for f := range n {
		for i := range size {
			for j := range size {
				out[(f*size+i)*size+j] = float32(A * math.Cos(2*math.Pi*float64(kx*j+ky*i)/float64(size)+phase+float64(f)))
			}
		}
	}
	return out
}

// A single Fourier mode puts its mean square A²/2 in the band of its shell round|k| and nothing in the
// others; a sum of modes in different bands adds up (Parseval, the cross terms vanish).
func TestBandPowerClosedForms(t *testing.T) {
	const size = 16
	bands := Bands(size)
	if want := [][2]int{{1, 2}, {3, 4}, {5, 8}}; !slices.Equal(bands, want) {
		t.Fatalf("Bands(16) = %v, want %v", bands, want)
	}
	for size, want := range map[int][][2]int{12: {{1, 2}, {3, 4}, {5, 6}}, 6: {{1, 2}, {3, 3}}, 32: {{1, 2}, {3, 4}, {5, 8}, {9, 16}}} {
		if got := Bands(size); !slices.Equal(got, want) {
			t.Fatalf("Bands(%d) = %v, want %v", size, got, want)
		}
	}
	for _, c := range []struct {
		kx, ky, band int
	}{{1, 0, 0}, {1, 1, 0}, {0, 3, 1}, {2, 2, 1}, {3, 4, 2}, {8, 0, 2}, {4, 4, 2}} {
		p, err := BandPower(mode(3, size, c.kx, c.ky, 2, 0.3), 3, size, bands)
		if err != nil {
			t.Fatal(err)
		}
		for b := range p {
			want := 0.0
			if b == c.band {
				want = 2 * 2 / 2.0
				if c.kx == size/2 && c.ky == 0 { // the Nyquist mode: cos(πj + φ) = cos φ·(−1)^j
					want = 4 * math.Pow(math.Cos(0.3+1), 2)
				}
			}
			if c.kx != size/2 && math.Abs(p[b]-want) > 1e-5 {
				t.Errorf("mode (%d, %d): band %v power %g, want %g", c.kx, c.ky, bands[b], p[b], want)
			}
		}
	}
	// Three modes, one per band, and a mean: the bands hold A²/2 each, the mean is in none of them.
	x := mode(2, size, 1, 0, 1, 0)
	for _, m := range [][]float32{mode(2, size, 0, 3, 2, 1), mode(2, size, 5, 2, 3, 2)} {
		for i := range x {
			x[i] += m[i] + 0.7
		}
	}
	p, err := BandPower(x, 2, size, bands)
	if err != nil {
		t.Fatal(err)
	}
	for b, want := range []float64{0.5, 2, 4.5} {
		if math.Abs(p[b]-want) > 1e-4 {
			t.Errorf("three modes: band %v power %g, want %g", bands[b], p[b], want)
		}
	}
	if _, err := BandPower(x[:10], 2, size, bands); err == nil {
		t.Error("too few values gave a band power")
	}
	if _, err := BandPower(x, 2, size, [][2]int{{1, 9}}); err == nil {
		t.Error("a band beyond the shells gave a band power")
	}
}

// The rollout and forecast scores of three-channel frames are on the channels they say: a rollout whose
// ζ is the truth's and whose u and v are the truth's times 2 and 3 scores ζ perfectly (ACF error 0, std
// ratio 1, spectrum ratios 1, CRPS of an exact ensemble 0) and gives u and v the std ratios 3 and 4
// (means over two members of 2 and 4, 3 and 5).
func TestScoresOnTheirChannels(t *testing.T) {
	const size, C, n = 12, 3, 40
	P := size * size
	truth := make([]float32, n*C*P)
	for f := range n {
		z := mode(1, size, 1+f%3, 2, 1+0.1*float64(f%5), 0.4*float64(f))
		copy(truth[(f*C)*P:], z)
		for c := 1; c < C; c++ {
			w := mode(1, size, 2, c, 5, 0.3*float64(f*c)) // one amplitude: the same std in every frame
			copy(truth[(f*C+c)*P:][:P], w)
		}
	}
	roll := append(slices.Clone(truth), truth...) // two members: u, v times 2, 3 in the first, 4, 5 in the second
	for m := range 2 {
		for f := range n {
			for c := 1; c < C; c++ {
				for i := range P {
					roll[((m*n+f)*C+c)*P+i] *= float32(c + 1 + 2*m)
				}
			}
		}
	}
	e := evaluator{size: size, channels: C, truth: truth, truthLen: n, bands: Bands(size)}
	s, err := e.rollout("test", roll, n, 2)
	if err != nil {
		t.Fatal(err)
	}
	if s.ACFError > 1e-6 || s.HovW1 > 1e-6 || math.Abs(s.StdRatio-1) > 1e-6 || math.Abs(s.Drift) > 1e-6 {
		t.Errorf("ζ equal to the truth's scored |ΔACF| %g, Hovmöller %g, std ratio %g, drift %g", s.ACFError, s.HovW1, s.StdRatio, s.Drift)
	}
	for b, r := range s.SpectrumRatio {
		if math.Abs(r-1) > 1e-6 {
			t.Errorf("ζ spectrum ratio in band %v: %g, want 1", e.bands[b], r)
		}
	}
	if len(s.Channels) != C {
		t.Fatalf("%d channel scores, want %d", len(s.Channels), C)
	}
	for c, want := range []float64{1, 3, 4} {
		if got := s.Channels[c]; got.Name != channelNames(C)[c] || math.Abs(got.StdRatio-want) > 1e-5 {
			t.Errorf("channel %d: %s std ratio %g, want %s %g", c, got.Name, got.StdRatio, channelNames(C)[c], want)
		}
	}
	// Forecasts: every member the truth in ζ, and u, v off by 1 (bias 1, CRPS 1 for an ensemble of equal members).
	cases, err := forecast.EvenCases(n, 2, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	const M = 2
	var fc []float32
	for _, st := range cases.Starts {
		for range M {
			for l := range cases.Lead {
				for c := range C {
					for _, v := range truth[((st+l)*C+c)*P:][:P] {
						if c > 0 {
							v++
						}
						fc = append(fc, v)
					}
				}
			}
		}
	}
	if err := e.forecasts(&s, fc, truth, cases, M); err != nil {
		t.Fatal(err)
	}
	if s.Bias > 1e-6 || s.CRPS > 1e-6 || s.Channels[0].CRPS != s.CRPS || s.Channels[0].Bias != s.Bias {
		t.Errorf("ζ forecasts equal to the truth: bias %g CRPS %g (channel 0: %g, %g)", s.Bias, s.CRPS, s.Channels[0].Bias, s.Channels[0].CRPS)
	}
	for c := 1; c < C; c++ {
		if got := s.Channels[c]; math.Abs(got.Bias-1) > 1e-5 || math.Abs(got.CRPS-1) > 1e-5 {
			t.Errorf("channel %s off by 1: bias %g CRPS %g, want 1 and 1", got.Name, got.Bias, got.CRPS)
		}
	}
}

// TestVelocityRunsEndToEnd runs the bench on tiny (ζ, u, v) frames: every model (IDM, discriminator,
// VDM, guided VDM, DyDiff guided and unguided) trains and rolls out three channels, the scores carry
// the three channels, the ζ scores and the spectrum are those of ζ (the truth's spectrum is that of the
// data's channel 0, not of u), and the ideal-guide diagnostics are finite.
func TestVelocityRunsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains five tiny models")
	}
	o := Quick()
	o.Velocity, o.Size, o.Frames, o.SaveEvery, o.Steps, o.Batch, o.Channels, o.Mults = true, 16, 60, 5, 2, 4, 8, []int{1}
	o.SamplerSteps, o.Lambdas, o.RolloutFrames, o.Members, o.Cases, o.ForecastMembers, o.Lead = 2, []float64{0, 14, 3}, 12, 1, 2, 2, 2
	o.ProbeWindows, o.ProbeSigmas, o.Dir = 2, []float64{0.1, 1}, t.TempDir()
	b, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	var log strings.Builder
	o.Log = &log
	r, err := Run(context.Background(), b, o)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(r.Models) != 6 || len(r.Sweep) != 3 || len(r.Guide) != 2 {
		t.Fatalf("%d models, %d sweep rows, %d guide rows: want 6, 3, 2", len(r.Models), len(r.Sweep), len(r.Guide))
	}
	for _, s := range r.Models {
		if len(s.Channels) != 3 || s.Channels[0].CRPS != s.CRPS || s.Channels[0].StdRatio != s.StdRatio || len(s.SpectrumRatio) != 3 {
			t.Errorf("%s: channels %+v, ζ CRPS %g std ratio %g, spectrum %v", s.Name, s.Channels, s.CRPS, s.StdRatio, s.SpectrumRatio)
		}
		for _, c := range s.Channels {
			if !(c.CRPS > 0) || !(c.StdRatio > 0) || math.IsInf(c.CRPS, 0) {
				t.Errorf("%s, %s: CRPS %g std ratio %g", s.Name, c.Name, c.CRPS, c.StdRatio)
			}
		}
	}
	for _, g := range r.Guide {
		if math.IsNaN(g.Cosine) || !(g.IdealRMS > 0) {
			t.Errorf("guide at σ = %g: %+v", g.Sigma, g)
		}
	}
	a, err := data.ReadNPY(filepath.Join(o.Dir, "ns-velocity.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Shape, []int{60, 3, 16, 16}) {
		t.Fatalf("the data has shape %v", a.Shape)
	}
	P, cut := 256, int(60*o.TrainFraction)
	test := a.Float32()[cut*3*P:]
	n := min(60-cut, o.RolloutFrames)
	for c, want := range map[int]bool{0: true, 1: false} {
		p, err := BandPower(Channel(test, n, 3, P, c), n, 16, r.SpectrumBands)
		if err != nil {
			t.Fatal(err)
		}
		if same := math.Abs(p[0]/r.TruthSpectrum[0]-1) < 1e-9; same != want {
			t.Errorf("the truth's spectrum %v against channel %d's %v", r.TruthSpectrum, c, p)
		}
	}
	tab := r.Table()
	for _, want := range []string{"frames (ζ, u, v)", "| k 1–2 | k 3–4 | k 5–8 |", "| guided λ=14 | u |", "over ζ, u and v"} {
		if !strings.Contains(tab, want) {
			t.Errorf("table without %q:\n%s", want, tab)
		}
	}
}

// A cached series of the wrong channels in --dir is refused with an error naming the file, not trained on:
// a vorticity-only file where (ζ, u, v) is expected, and the other way round.
func TestCachedSeriesChannels(t *testing.T) {
	dir := t.TempDir()
	o := Quick()
	for _, c := range []struct {
		velocity bool
		file     string
		channels int
	}{{true, "ns-velocity.npy", 1}, {false, "ns.npy", 3}} {
		path := filepath.Join(dir, c.file)
		if err := data.WriteNPY(path, data.FromFloat32(make([]float32, 4*c.channels*16*16), 4, c.channels, 16, 16)); err != nil {
			t.Fatal(err)
		}
		o.Velocity = c.velocity
		_, err := turbulence(o, filepath.Join(dir, "ns.npy"))
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "remove it") {
			t.Errorf("velocity %v, cached %d channel(s): error %v", c.velocity, c.channels, err)
		}
	}
}
