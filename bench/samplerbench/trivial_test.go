package samplerbench

import (
	"math"
	"testing"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/diffusion"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/edm"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// The benchmarks below time the samplers with a trivial network, so that the network does not hide the
// sampler's own cost: the compiled per-step graphs, the host-drawn noise and the per-step call. Each
// Sampler is compiled once, outside the timing. Each reports host-ratio: its time over the same
// algorithm run element by element in float64 on the host (one thread; the fastest of 3), timed in the
// same run.

// BenchmarkDDIM times the reference 50-step DyDiff DDIM (η_ddim = 0) on a Turbulence-sized latent window,
// 8 members × 15 frames × 3 channels × 16×16, with ε_θ(x) = x/2; the host reference is 50
// dydiff.DDIMStepFloat64 steps per member.
func BenchmarkDDIM(b *testing.B) {
	c := newTrivialDDIM(b, 8, 15, 3, 16, 16)
	defer c.sm.Close()
	host := fastest(func() { c.host() })
	timeSampler(b, host, c.sample)
}

// BenchmarkHeun times EDM's stochastic Heun sampler as the paper runs it on vorticity (50 steps,
// S_churn 55, S_noise 1.005) on 8 members of a 64×64 field, with D(x; σ) = x/(1+σ²); the host reference
// draws the same churn noise (noise.Ensemble.Steps).
func BenchmarkHeun(b *testing.B) {
	c := newTrivialHeun(b, 8, 64*64)
	defer c.sm.Close()
	host := fastest(func() { c.host() })
	timeSampler(b, host, c.sample)
}

// The host references do the samplers' work: on small inputs they give the samplers' results (to float32
// round-off), so host-ratio compares like with like.
func TestHostReferencesMatchSamplers(t *testing.T) {
	d := newTrivialDDIM(t, 2, 3, 1, 4, 4)
	defer d.sm.Close()
	h := newTrivialHeun(t, 3, 10)
	defer h.sm.Close()
	for name, c := range map[string]trivialCase{"ddim": d.trivialCase, "heun": h.trivialCase} {
		out, err := c.sample()
		if err != nil {
			t.Fatal(err)
		}
		got, want := tensortest.Float64s(out), c.host()
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, host %d", name, len(got), len(want))
		}
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-4*(1+math.Abs(want[i])) {
				t.Fatalf("%s: value %d is %v, host %v", name, i, got[i], want[i])
			}
		}
	}
}

// trivialCase is a sampler with a trivial network and its float64 host transcription.
type trivialCase struct {
	sample func() (*tensors.Tensor, error)
	host   func() []float64
}

// trivialInputs is the initial noise of shape dims (seed 1) and the shared test backend.
func trivialInputs(tb testing.TB, dims []int) (*tensors.Tensor, compute.Backend) {
	x, err := noise.Initial(1, dims...)
	if err != nil {
		tb.Fatal(err)
	}
	be, err := tensortest.Shared()
	if err != nil {
		tb.Fatal(err)
	}
	return x, be
}

type trivialDDIM struct {
	trivialCase
	sm *dydiff.Sampler
}

// newTrivialDDIM compiles the 50-step DDIM with ε_θ(x) = x/2 for noise of shape dims [members, frames, ...].
func newTrivialDDIM(tb testing.TB, dims ...int) trivialDDIM {
	s, err := dydiff.NewSchedule(0.5, dydiff.ScheduleOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	x, be := trivialInputs(tb, dims)
	net := func(_ *model.Scope, xt, _ *Node, _ []*Node) *Node { return MulScalar(xt, 0.5) }
	sm, err := dydiff.NewDDIM(dydiff.NoisePredictor{Backend: be, Net: net}, s, dydiff.DDIMOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return trivialDDIM{trivialCase{
		sample: func() (*tensors.Tensor, error) { return sm.Sample(x, nil, 0) },
		host:   func() []float64 { return hostDDIM(s, tensortest.Float64s(x), dims) },
	}, sm}
}

type trivialHeun struct {
	trivialCase
	sm *diffusion.Sampler
}

// newTrivialHeun compiles the paper's vorticity Heun sampler with D(x; σ) = x/(1+σ²) for noise of shape
// [members, pixels].
func newTrivialHeun(tb testing.TB, members, pixels int) trivialHeun {
	dims := []int{members, pixels}
	x, be := trivialInputs(tb, dims)
	d := func(_ *model.Scope, x, s *Node, _ []*Node) *Node {
		return Div(x, OnePlus(Square(Reshape(s, s.Shape().Dimensions[0], 1))))
	}
	sigmas, err := diffusion.KarrasSigmas(edm.DefaultGridOptions())
	if err != nil {
		tb.Fatal(err)
	}
	opt := diffusion.HeunOptions{Churn: 55, TMax: 1000, Noise: 1.005, Seed: 1}
	sm, err := diffusion.NewHeun(diffusion.Denoiser{Backend: be, D: d}, sigmas, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return trivialHeun{trivialCase{
		sample: func() (*tensors.Tensor, error) { return sm.Sample(x, nil, opt.Seed) },
		host:   func() []float64 { return hostHeun(tb, tensortest.Float64s(x), dims, sigmas, opt) },
	}, sm}
}

// timeSampler calls sample once to compile, then times it over b.N calls and reports its mean time over
// host as host-ratio.
func timeSampler(b *testing.B, host time.Duration, sample func() (*tensors.Tensor, error)) {
	out, err := sample()
	if err != nil {
		b.Fatal(err)
	}
	out.FinalizeAll()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		out, err := sample()
		if err != nil {
			b.Fatal(err)
		}
		out.FinalizeAll()
	}
	b.ReportMetric(float64(time.Since(start))/float64(b.N)/float64(host), "host-ratio")
}

// fastest is the shortest of 3 runs of f.
func fastest(f func()) time.Duration {
	best := time.Duration(math.MaxInt64)
	for range 3 {
		start := time.Now()
		f()
		best = min(best, time.Since(start))
	}
	return best
}

// hostDDIM runs 50 DDIM steps with ε(x) = x/2 on every member of x [dims...] from the correlated start
// Dyn(x, γ̄[τ_max]), as the sampler does, and returns the result.
func hostDDIM(s dydiff.Schedule, x []float64, dims []int) []float64 {
	ts, _ := s.Timesteps(50)
	n := len(x) / dims[0]
	out := make([]float64, 0, len(x))
	for r := range dims[0] {
		cur, _ := dydiff.DynamicsFloat64(x[r*n:(r+1)*n], dims[1], s.GammaBar(ts[len(ts)-1])) // the correlated start
		for i := len(ts) - 1; i >= 0; i-- {
			eps := make([]float64, n)
			for j, v := range cur {
				eps[j] = 0.5 * v
			}
			prev := -1
			if i > 0 {
				prev = ts[i-1]
			}
			cur, _, _ = dydiff.DDIMStepFloat64(cur, eps, dims[1], s.AlphaBar(ts[i]), s.AlphaBar(prev), s.GammaBar(ts[i]), s.GammaBar(prev))
		}
		out = append(out, cur...)
	}
	return out
}

// hostHeun runs EDM Alg. 2 (as diffusion.NewHeun documents it) with D(x; σ) = x/(1+σ²) on x [dims...], one
// member per case, drawing the churn noise of each raised step as the sampler does.
func hostHeun(tb testing.TB, x0 []float64, dims []int, sigmas []float64, o diffusion.HeunOptions) []float64 {
	z, err := noise.Ensemble{Cases: dims[0], Members: 1}.Steps(o.Seed, dims[1:]...)
	if err != nil {
		tb.Fatal(err)
	}
	x := make([]float64, len(x0))
	for i, v := range x0 {
		x[i] = sigmas[0] * v
	}
	deriv := func(x, s float64) float64 { return (x - x/(1+s*s)) / s }
	n := len(sigmas) - 1
	gamma := math.Min(o.Churn/float64(n), math.Sqrt2-1)
	for i := range n {
		t, next := sigmas[i], sigmas[i+1]
		th := t
		if t >= o.TMin && t <= o.TMax {
			th = t + gamma*t
		}
		var eps []float64
		if th > t {
			eps = tensortest.Float64s(z.Next())
		}
		for j, xj := range x {
			if eps != nil {
				xj += math.Sqrt(th*th-t*t) * o.Noise * eps[j]
			}
			d1 := deriv(xj, th)
			xn := xj + (next-th)*d1
			if next != 0 {
				xn = xj + (next-th)*(d1+deriv(xn, next))/2
			}
			x[j] = xn
		}
	}
	return x
}
