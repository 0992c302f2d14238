package dydiff

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/diffusion"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// noiseNet is a stand-in network without variables that uses its noise input: F = 0.6 z + 0.001 c.
func noiseNet(_ *model.Scope, z, c *Node, _ []*Node) *Node {
	return Add(MulScalar(z, 0.6), MulScalar(ConvertDType(PerSampleOf(z, c), z.DType()), 0.001))
}

// PerSampleOf broadcasts c [batch] over z [batch, ...] (a test helper).
func PerSampleOf(z, c *Node) *Node {
	dims := make([]int, z.Rank())
	for i := range dims {
		dims[i] = 1
	}
	dims[0] = z.Shape().Dimensions[0]
	return Reshape(c, dims...)
}

// evalDenoiser runs d on y [B, ...] at per-sample sigmas and returns D(y; σ).
func evalDenoiser(t *testing.T, d diffusion.DenoiserFn, y *tensors.Tensor, sigmas []float32) []float32 {
	t.Helper()
	exec := model.MustNewExec(tensortest.Backend(t), model.NewStore(), func(sc *model.Scope, y, s *Node) *Node {
		return d(sc, y, s, nil)
	})
	defer exec.Finalize()
	st := tensors.FromFlatDataAndDimensions(sigmas, len(sigmas))
	return tensors.MustCopyFlatData[float32](exec.MustCall(y, st)[0])
}

// TestEDMDenoiserMatchesHostFormula checks the wrapper against the float64 formula of its doc comment,
// D = c_skip y + c_out InvDyn(F(c_in Dyn(y), 250 ln σ)), at three noise levels with η = 0.5 and σ_d = 0.8.
func TestEDMDenoiserMatchesHostFormula(t *testing.T) {
	const L, P, eta, sd = 4, 5, 0.5, 0.8
	sigmas := []float32{0.05, 1.3, 40}
	for _, out := range []string{"", OutputDynamics, OutputWindow} {
		d, err := EDMDenoiser(noiseNet, EDMOptions{Eta: eta, SigmaData: sd, Output: out})
		if err != nil {
			t.Fatal(err)
		}
		y := tensortest.Uniform(7, len(sigmas), L, P)
		got := evalDenoiser(t, d, y, sigmas)
		yv := tensortest.Float64s(y)
		var want []float32
		for b, s32 := range sigmas {
			s := float64(s32)
			g := 1 - eta*s*s/(1+s*s)
			cSkip, cOut, cIn := sd*sd/(s*s+sd*sd), s*sd/math.Sqrt(s*s+sd*sd), 1/math.Sqrt(s*s+sd*sd)
			yb := yv[b*L*P : (b+1)*L*P]
			in := make([]float64, len(yb))
			for i, v := range yb {
				in[i] = cIn * v
			}
			z, _ := DynamicsFloat64(in, L, g)
			for i := range z {
				z[i] = 0.6*z[i] + 0.001*NoiseScale*math.Log(s)/4
			}
			f := z
			if out != OutputWindow {
				f, _ = InverseDynamicsFloat64(z, L, g)
			}
			for i, v := range yb {
				want = append(want, float32(cSkip*v+cOut*f[i]))
			}
		}
		tensortest.CheckClose(t, "D(y; σ), output "+out, got, want, 2e-5)
	}
	if _, err := EDMDenoiser(noiseNet, EDMOptions{Eta: eta, SigmaData: sd, Output: "mixed"}); err == nil {
		t.Fatal("output \"mixed\" accepted")
	}
}

// TestEDMDenoiserEtaZeroIsPrecondition checks that at η = 0 DyDiff's wrapper is EDM's preconditioned
// denoiser bit for bit (Dynamics is the identity): the same network, with EDM's c_noise scaled by
// NoiseScale.
func TestEDMDenoiserEtaZeroIsPrecondition(t *testing.T) {
	const sd = 1.0
	sigmas := []float32{0.01, 0.7, 12, 80}
	ignoreNoise := func(_ *model.Scope, z, _ *Node, _ []*Node) *Node { return AddScalar(MulScalar(z, 0.9), 0.2) }
	y := tensortest.Uniform(3, len(sigmas), 3, 6)
	want := evalDenoiser(t, diffusion.Precondition(diffusion.Net(ignoreNoise), sd), y, sigmas)
	for _, out := range []string{OutputDynamics, OutputWindow} {
		d, err := EDMDenoiser(func(sc *model.Scope, z, c *Node, cond []*Node) *Node { return ignoreNoise(sc, z, c, cond) }, EDMOptions{Eta: 0, SigmaData: sd, Output: out})
		if err != nil {
			t.Fatal(err)
		}
		got := evalDenoiser(t, d, y, sigmas)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("output %s, element %d: DyDiff at η = 0 gives %v, EDM's denoiser %v", out, i, got[i], want[i])
			}
		}
	}
}

// TestStepOfSigma checks the fractional step of a noise level: the table's own σ_t give t exactly,
// midpoints give t + ½, and levels outside the table clamp to its ends.
func TestStepOfSigma(t *testing.T) {
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	table := make([]float32, s.T())
	for i := range table {
		a := s.AlphaBar(i)
		table[i] = float32(math.Sqrt((1 - a) / a))
	}
	in := []float32{table[0], table[1], table[500], table[981], table[999], (table[300] + table[301]) / 2, table[0] / 2, table[999] * 2}
	want := []float32{0, 1, 500, 981, 999, 300.5, 0, 999}
	exec := model.MustNewExec(tensortest.Backend(t), model.NewStore(), func(_ *model.Scope, s *Node) *Node {
		return stepOfSigma(s, table)
	})
	defer exec.Finalize()
	got := tensors.MustCopyFlatData[float32](exec.MustCall(tensors.FromFlatDataAndDimensions(in, len(in)))[0])
	tensortest.CheckClose(t, "t(σ)", got, want, 1e-6)
}

// TestEpsDenoiserEulerIsReferenceDDIM checks the change of variables against the reference sampler:
// from x_t at τ, one Euler step of y = InvDyn(x_t)/√ᾱ with EpsDenoiser (y′ = D + σ′/σ·(y − D)) lands on
// InvDyn(x_prev)/√ᾱ′ of the reference's DDIM step (DDIMStepFloat64, in float64 on the host), for steps of
// the τ grid, the last one included (to ᾱ′ = 1, σ′ = 0).
func TestEpsDenoiserEulerIsReferenceDDIM(t *testing.T) {
	const L, P = 4, 6
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	net := func(_ *model.Scope, xt, step *Node, _ []*Node) *Node {
		return Add(MulScalar(xt, 0.3), MulScalar(PerSampleOf(xt, step), 1e-4))
	}
	d, err := EpsDenoiser(net, s)
	if err != nil {
		t.Fatal(err)
	}
	pairs := [][2]int{{981, 961}, {501, 481}, {21, 1}, {1, -1}}
	x := tensortest.Uniform(11, len(pairs), L, P)
	xv := tensortest.Float64s(x)
	var y []float32
	var sigmas []float32
	for b, p := range pairs {
		a, g := s.AlphaBar(p[0]), s.GammaBar(p[0])
		yb, _ := InverseDynamicsFloat64(xv[b*L*P:(b+1)*L*P], L, g)
		for _, v := range yb {
			y = append(y, float32(v/math.Sqrt(a)))
		}
		sigmas = append(sigmas, float32(math.Sqrt((1-a)/a)))
	}
	yt := tensors.FromFlatDataAndDimensions(y, len(pairs), L, P)
	den := evalDenoiser(t, d, yt, sigmas)
	var got, want []float32
	for b, p := range pairs {
		a, ap, g, gp := s.AlphaBar(p[0]), s.AlphaBar(p[1]), s.GammaBar(p[0]), s.GammaBar(p[1])
		sig, sigP := float64(sigmas[b]), math.Sqrt((1-ap)/ap)
		for i := range L * P {
			yi, di := float64(y[b*L*P+i]), float64(den[b*L*P+i])
			got = append(got, float32(di+sigP/sig*(yi-di)))
		}
		xb := xv[b*L*P : (b+1)*L*P]
		eps := make([]float64, len(xb))
		for i, v := range xb {
			eps[i] = 0.3*v + 1e-4*float64(p[0])
		}
		xPrev, _, err := DDIMStepFloat64(xb, eps, L, a, ap, g, gp)
		if err != nil {
			t.Fatal(err)
		}
		yp, _ := InverseDynamicsFloat64(xPrev, L, gp)
		for _, v := range yp {
			want = append(want, float32(v/math.Sqrt(ap)))
		}
	}
	tensortest.CheckClose(t, "y after one step", got, want, 1e-4)
}
