package diffusion

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

func zeroNet(_ *model.Scope, u, _ *Node, _ []*Node) *Node { return ZerosLike(u) }

// The compiled loss equals the host formula mean λ(σ)(D(y+σn; σ) − y)² for D = Precondition(F) with
// F(u) = tanh(u), at per-sample σ.
func TestLossMatchesHost(t *testing.T) {
	const B, P = 3, 5
	sigmas := []float64{0.1, 1, 10}
	r := rand.New(rand.NewPCG(2, 2))
	y, n := make([]float64, B*P), make([]float64, B*P)
	for i := range y {
		y[i], n[i] = float64(float32(r.NormFloat64()*0.5)), float64(float32(r.NormFloat64()))
	}
	d := Precondition(func(_ *model.Scope, u, _ *Node, _ []*Node) *Node { return Tanh(u) }, 0.5)
	out, err := model.MustNewExec(tensortest.Backend(t), model.NewStore(), func(s *model.Scope, y, sig, n *Node) *Node {
		return Loss(s, d, 0.5, y, sig, n, nil)
	}).Call(tensortest.Float32(y, B, P), tensortest.Float32(sigmas, B), tensortest.Float32(n, B, P))
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for b, s := range sigmas {
		for p := range P {
			x := y[b*P+p] + s*n[b*P+p]
			den := CSkip(s, 0.5)*x + COut(s, 0.5)*math.Tanh(CIn(s, 0.5)*x)
			want += LossWeight(s, 0.5) * (den - y[b*P+p]) * (den - y[b*P+p])
		}
	}
	want /= B * P
	if got := tensortest.Float64s(out[0])[0]; !tensortest.CloseRel(got, want, 1e-5) {
		t.Errorf("loss %.7g, want %.7g", got, want)
	}
}

// For data N(0, σ_d²) the zero network is the exact denoiser (D = c_skip·x = E[y | x]) and EDM's weight
// makes its expected loss exactly 1 at every σ: λ(σ)·σ_d²σ²/(σ_d²+σ²) = 1. RandomLoss, drawing σ and n
// from the store, gives 1 within 5 standard errors (the per-element loss is a χ²₁, SE √(2/n)); the same
// seed gives the same loss; so does it with the training σ drawn from a VP table instead (LossOptions.Dist).
func TestRandomLossExactDenoiser(t *testing.T) {
	const B, P = 4000, 4
	r := rand.New(rand.NewPCG(3, 3))
	y := make([]float64, B*P)
	for i := range y {
		y[i] = 0.5 * r.NormFloat64()
	}
	run := func(seed int64, opt LossOptions) float64 {
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(seed); err != nil {
			t.Fatal(err)
		}
		out, err := model.MustNewExec(tensortest.Backend(t), store, func(s *model.Scope, y *Node) *Node {
			return RandomLoss(s, Precondition(zeroNet, 0.5), opt, y, nil)
		}).Call(tensortest.Float32(y, B, P))
		if err != nil {
			t.Fatal(err)
		}
		return tensortest.Float64s(out[0])[0]
	}
	vp, err := NewVP(CosineAlphaBar(1000))
	if err != nil {
		t.Fatal(err)
	}
	onVP := LossOptions{SigmaData: 0.5, Dist: vp}
	for name, opt := range map[string]LossOptions{"log-normal": DefaultLossOptions(), "VP uniform t": onVP} {
		got := run(1, opt)
		if se := math.Sqrt(2.0 / (B * P)); math.Abs(got-1) > 5*se {
			t.Errorf("%s: exact-denoiser loss %.4f, want 1 ± %.4f", name, got, 5*se)
		}
		if again := run(1, opt); again != got {
			t.Errorf("%s: same seed: %v then %v", name, got, again)
		}
	}
}

// ln σ of SampleSigma is N(P_mean, P_std²): over 20 000 draws, mean within 5·P_std/√n and standard
// deviation within 5·P_std/√(2n) of −1.2 and 1.2.
func TestSampleSigma(t *testing.T) {
	const n = 20000
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(7); err != nil {
		t.Fatal(err)
	}
	out, err := model.MustNewExec(tensortest.Backend(t), store, func(s *model.Scope, g *Graph) *Node {
		return SampleSigma(s, g, DefaultLossOptions(), n)
	}).Call()
	if err != nil {
		t.Fatal(err)
	}
	var m, v float64
	vals := tensortest.Float64s(out[0])
	for _, s := range vals {
		m += math.Log(s)
	}
	m /= n
	for _, s := range vals {
		v += (math.Log(s) - m) * (math.Log(s) - m)
	}
	sd := math.Sqrt(v / (n - 1))
	if math.Abs(m+1.2) > 5*1.2/math.Sqrt(n) || math.Abs(sd-1.2) > 5*1.2/math.Sqrt(2*n) {
		t.Errorf("ln σ: mean %.4f sd %.4f, want −1.2 and 1.2", m, sd)
	}
}
