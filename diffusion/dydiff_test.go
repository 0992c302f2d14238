package diffusion_test

import (
	"math"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/diffusion"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// The VP table and τ grid are the reference's as dydiff computes them: CosineAlphaBar equals
// dydiff's ᾱ bit for bit, and DDIMTimesteps equals dydiff.Schedule.Timesteps for every n that both accept
// (and both refuse the same others).
func TestVPMatchesDyDiffSchedule(t *testing.T) {
	s, err := dydiff.NewSchedule(0.5, dydiff.ScheduleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(diffusion.CosineAlphaBar(1000), s.AlphaBars()) {
		t.Fatal("CosineAlphaBar(1000) differs from dydiff's ᾱ")
	}
	vp, err := diffusion.NewVP(s.AlphaBars())
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 1000; n++ {
		a, errA := vp.DDIMTimesteps(n)
		b, errB := s.Timesteps(n)
		if (errA == nil) != (errB == nil) || !slices.Equal(a, b) {
			t.Fatalf("%d steps: diffusion %v (%v), dydiff %v (%v)", n, a, errA, b, errB)
		}
	}
}

// gaussMu and gaussS are the per-element law N(μ, s²) of the cross-check's data.
const gaussMu, gaussS = 0.3, 0.8

// DDIM with η = 0 on a VP table's τ grid in σ, driven by the exact denoiser of Gaussian data, equals
// dydiff's DDIM with Dynamics switched off (η_dyn = 0: γ̄ ≡ 1) driven by that data's exact noise
// predictor ε̂(x_t) = √(1−ᾱ)(x_t − √ᾱ μ)/(ᾱ s² + 1 − ᾱ), to float32 precision (1e-5 on O(1) outputs,
// where a step of the wrong τ or ᾱ is off by 1e-2 or more). The two start differently: dydiff from
// x_T = ξ, the reference's N(0, I), diffusion from y = σ_T·ξ, i.e. x_T = √(1−ᾱ_T)·ξ; the check feeds
// dydiff √(1−ᾱ_T)·ξ so that both start from the same state (the difference is 4e-4 relative at τ = 981).
func TestDDIMMatchesDyDiffDDIM(t *testing.T) {
	b := tensortest.Backend(t)
	s, err := dydiff.NewSchedule(0, dydiff.ScheduleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vp, err := diffusion.NewVP(s.AlphaBars())
	if err != nil {
		t.Fatal(err)
	}
	table := make([]float32, s.T())
	for i, a := range s.AlphaBars() {
		table[i] = float32(a)
	}
	eps := func(_ *model.Scope, xt, tt *Node, _ []*Node) *Node {
		g := xt.Graph()
		a := Gather(Const(g, table), ExpandAxes(ConvertDType(tt, dtypes.Int32), -1))
		a = diffusion.PerSample(xt, a)
		num := Mul(Sqrt(OneMinus(a)), Sub(xt, MulScalar(Sqrt(a), gaussMu)))
		return Div(num, Add(MulScalar(a, gaussS*gaussS), OneMinus(a)))
	}
	den := func(_ *model.Scope, y, sigma *Node, _ []*Node) *Node {
		s2 := Square(diffusion.PerSample(y, sigma))
		return Div(Add(MulScalar(y, gaussS*gaussS), MulScalar(s2, gaussMu)), AddScalar(s2, gaussS*gaussS))
	}
	x, _ := noise.Initial(5, 64, 3, 4)
	for _, n := range []int{50, 10} {
		sigmas, err := vp.DDIMSigmas(n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := diffusion.DDIM(diffusion.Denoiser{Backend: b, D: den}, x, nil, sigmas, diffusion.DDIMOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ts, _ := s.Timesteps(n)
		scale := math.Sqrt(1 - s.AlphaBar(ts[len(ts)-1]))
		xs := tensortest.Float32(scaled(tensortest.Float64s(x), scale), 64, 3, 4)
		want, err := dydiff.DDIM(dydiff.NoisePredictor{Backend: b, Net: eps}, xs, nil, s, dydiff.DDIMOptions{Steps: n})
		if err != nil {
			t.Fatal(err)
		}
		if diff := tensortest.MaxAbsDiff(tensortest.Float64s(got), tensortest.Float64s(want)); diff > 1e-5 {
			t.Errorf("%d steps: diffusion's DDIM in σ and dydiff's DDIM differ by %.3g", n, diff)
		} else {
			t.Logf("%d steps: max |Δ| = %.3g", n, diff)
		}
	}
}

func scaled(v []float64, c float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = v[i] * c
	}
	return out
}
