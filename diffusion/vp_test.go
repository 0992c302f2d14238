package diffusion

import (
	"math"
	"slices"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// ᾱ ↔ σ by hand: ᾱ = 1/2 is σ = 1, ᾱ = 1/5 is σ = 2, ᾱ = 0.8 is σ = 1/2; and each inverts the other.
func TestSigmaOfAlphaBar(t *testing.T) {
	for _, c := range [][2]float64{{0.5, 1}, {0.2, 2}, {0.8, 0.5}} {
		if s := SigmaOfAlphaBar(c[0]); !tensortest.CloseRel(s, c[1], 1e-15) {
			t.Errorf("SigmaOfAlphaBar(%v) = %v, want %v", c[0], s, c[1])
		}
		if a := AlphaBarOfSigma(c[1]); !tensortest.CloseRel(a, c[0], 1e-15) {
			t.Errorf("AlphaBarOfSigma(%v) = %v, want %v", c[1], a, c[0])
		}
	}
	if a := AlphaBarOfSigma(0); a != 1 {
		t.Errorf("AlphaBarOfSigma(0) = %v, want 1", a)
	}
}

// The cosine table matches the reference's values of shared/spec/dydiff.md §2 (ᾱ[0], ᾱ[1], ᾱ[499],
// ᾱ[981], ᾱ[999]) and, away from the clipped last step, the telescoped closed form ᾱ_t = f((t+1)/T)/f(0).
func TestCosineAlphaBar(t *testing.T) {
	a := CosineAlphaBar(1000)
	for t0, want := range map[int]float64{0: 0.999958715775178, 1: 0.9999125759273678, 499: 0.49384359044063775,
		981: 7.867147536445502e-4, 999: 2.4287669070348542e-9} {
		if !tensortest.CloseRel(a[t0], want, 1e-12) {
			t.Errorf("ᾱ[%d] = %.17g, want %.17g", t0, a[t0], want)
		}
	}
	f := func(u float64) float64 { c := math.Cos((u + 0.008) / 1.008 * math.Pi / 2); return c * c }
	for t0 := range 998 {
		if want := f(float64(t0+1)/1000) / f(0); !tensortest.CloseRel(a[t0], want, 1e-9) {
			t.Fatalf("ᾱ[%d] = %.17g, closed form %.17g", t0, a[t0], want)
		}
	}
}

// The reference's DDIM steps (make_ddim_timesteps "uniform"): T = 1000 with 50 steps is 1, 21, …, 981,
// with 10 steps 1, 101, …, 901; T steps is every step; 3 steps of 1000 would end at 1000 > 999 (an error,
// as in dydiff); and the σ grids at T = 1000 are pinned (10 steps in full, 50 at a few places), starting
// at the σ of the spec's ᾱ[981] for 50 steps and ending at σ of ᾱ[1], then 0.
func TestDDIMGrid(t *testing.T) {
	vp, err := NewVP(CosineAlphaBar(1000))
	if err != nil {
		t.Fatal(err)
	}
	for n, step := range map[int]int{50: 20, 10: 100} {
		ts, err := vp.DDIMTimesteps(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != n || ts[0] != 1 || ts[n-1] != 1+(n-1)*step {
			t.Errorf("%d steps: %v", n, ts)
		}
		for i := range ts {
			if ts[i] != 1+i*step {
				t.Errorf("%d steps: τ[%d] = %d, want %d", n, i, ts[i], 1+i*step)
			}
		}
	}
	if ts, err := vp.DDIMTimesteps(1000); err != nil || len(ts) != 1000 || ts[0] != 0 || ts[999] != 999 {
		t.Errorf("1000 steps: %v %v", err, ts[:3])
	}
	for _, bad := range []int{0, 3, 1001} {
		if _, err := vp.DDIMTimesteps(bad); err == nil {
			t.Errorf("%d steps accepted", bad)
		}
	}
	want10 := []float64{6.4965874911213808, 3.1371963069404374, 1.9961381392763036, 1.3999371400128795,
		1.0187215579225375, 0.74269664264513435, 0.5243458111873317, 0.33919887559829826, 0.17265224436584908,
		0.0093504928356034807, 0}
	s10, err := vp.DDIMSigmas(10)
	if err != nil || len(s10) != len(want10) {
		t.Fatalf("10 steps: %v %v", err, s10)
	}
	for i, w := range want10 {
		if !tensortest.CloseRel(s10[i], w, 1e-12) && !(w == 0 && s10[i] == 0) {
			t.Errorf("10 steps: σ[%d] = %.17g, want %.17g", i, s10[i], w)
		}
	}
	s50, err := vp.DDIMSigmas(50)
	if err != nil || len(s50) != 51 {
		t.Fatalf("50 steps: %v %v", err, s50)
	}
	for i, w := range map[int]float64{0: SigmaOfAlphaBar(7.867147536445502e-4), 1: 16.866118327403989,
		4: 6.4965874911213808, 25: 0.95713617255853434, 49: SigmaOfAlphaBar(0.9999125759273678), 50: 0} {
		// 1e-11: the spec's 16-digit ᾱ[1] = 1 − 8.7e-5 leaves 1 − ᾱ, hence σ, good to about 1e-12 only.
		if !tensortest.CloseRel(s50[i], w, 1e-11) && !(w == 0 && s50[i] == 0) {
			t.Errorf("50 steps: σ[%d] = %.17g, want %.17g", i, s50[i], w)
		}
	}
	if err := checkSigmas(s50); err != nil {
		t.Error(err)
	}
	if _, err := vp.Sigmas([]int{5, 3}); err == nil {
		t.Error("descending steps accepted")
	}
	for _, bad := range [][]float64{{0.5}, {0.5, 0.6}, {1, 0.5}, {0.5, 0}} {
		if _, err := NewVP(bad); err == nil {
			t.Errorf("ᾱ table %v accepted", bad)
		}
	}
}

// VP.SampleSigma draws σ_t with t uniform over the table's steps: every draw is one of the table's σ
// (as float32), and each of the 10 steps turns up 2 000 ± 5·42 times in 20 000 draws.
func TestVPSampleSigma(t *testing.T) {
	const n, T = 20000, 10
	table := make([]float64, T)
	for i := range table {
		table[i] = 1 - float64(i+1)/(T+1)
	}
	vp, err := NewVP(table)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	out, err := model.MustNewExec(tensortest.Backend(t), store, func(s *model.Scope, g *Graph) *Node {
		return vp.SampleSigma(s, g, n)
	}).Call()
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, T)
	for _, s := range tensortest.Float64s(out[0]) {
		i := slices.IndexFunc(table, func(a float64) bool { return float64(float32(SigmaOfAlphaBar(a))) == s })
		if i < 0 {
			t.Fatalf("σ = %v is none of the table's", s)
		}
		counts[i]++
	}
	for i, c := range counts {
		if math.Abs(float64(c)-n/T) > 5*math.Sqrt(n/T*(1-1.0/T)) {
			t.Errorf("step %d drawn %d times of %d, want about %d: %v", i, c, n, n/T, counts)
		}
	}
}
