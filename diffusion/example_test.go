package diffusion_test

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/diffusion"
	"github.com/tidal-forecast/tidal/noise"
)

// σ grid of 5 steps with the paper's σ_min, σ_max and ρ (Karras et al. 2022, eq. 5), ending at 0.
func ExampleKarrasSigmas() {
	s, _ := diffusion.KarrasSigmas(diffusion.KarrasOptions{SigmaMin: 0.002, SigmaMax: 80, Rho: 7, Steps: 5})
	fmt.Printf("%.4g\n", s)
	// Output: [80 17.53 2.515 0.1698 0.002 0]
}

// Guided stochastic Heun with the paper's vorticity settings (Hess et al. Tab. 1) on a toy problem with
// a known answer: data x₀ ~ N(0, 1), observation c = 1.5 with noise τ = 0.5, so the posterior mean is
// 1.2. The "discriminator" here is the exact log-likelihood log p(c | x_σ); Guided adds λσ² times its
// gradient to the denoiser, and the sampler never knows.
func ExampleGuided() {
	b, _ := backend.New(backend.Go)
	const tau = 0.5
	sigmaCol := func(s *Node) *Node { return Reshape(s, s.Shape().Dimensions[0], 1) }
	d := func(_ *model.Scope, x, s *Node, _ []*Node) *Node { return Div(x, OnePlus(Square(sigmaCol(s)))) }
	logit := func(_ *model.Scope, x, s, _ *Node, cond []*Node) *Node { // log p(c | x_σ), [batch]
		s2 := Square(sigmaCol(s))
		v := AddScalar(Div(s2, OnePlus(s2)), tau*tau)
		r := Sub(cond[0], Div(x, OnePlus(s2)))
		return ReduceSum(Neg(Div(Square(r), MulScalar(v, 2))), 1)
	}
	guided, _ := diffusion.Guided(d, logit, 1)
	sigmas, _ := diffusion.KarrasSigmas(diffusion.KarrasOptions{SigmaMin: 0.002, SigmaMax: 80, Rho: 7, Steps: 50})
	x, _ := noise.Ensemble{Cases: 1, Members: 4000}.Initial(1, 1)
	c := []*tensors.Tensor{tensors.FromValue([][]float32{{1.5}})} // one case
	out, err := diffusion.Heun(diffusion.Denoiser{Backend: b, D: guided}, x, c, sigmas,
		diffusion.HeunOptions{Churn: 55, TMax: 1000, Noise: 1.005, Seed: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	mean := 0.0
	for _, v := range tensors.MustCopyFlatData[float32](out) {
		mean += float64(v) / 4000
	}
	fmt.Printf("posterior mean ≈ %.1f\n", mean)
	// Output: posterior mean ≈ 1.2
}

// The reference DDIM's 10-step τ grid of the cosine schedule (τ = 901, 801, …, 1) in σ = √((1−ᾱ)/ᾱ).
func ExampleVP_DDIMSigmas() {
	vp, _ := diffusion.NewVP(diffusion.CosineAlphaBar(1000))
	s, _ := vp.DDIMSigmas(10)
	fmt.Printf("%.4g\n", s)
	// Output: [6.497 3.137 1.996 1.4 1.019 0.7427 0.5243 0.3392 0.1727 0.00935 0]
}

// DPM-Solver++(2M) with 10 steps on data N(0.7, 0.4²) through its exact denoiser: the sample mean and
// standard deviation over 4 000 draws. The standard deviation comes out 13% high at 10 steps of EDM's
// grid, the discretisation error TestDeterministicSamplersSolveTheODE measures (50 steps: 0.7%).
func ExampleNewDPMSolver2M() {
	b, _ := backend.New(backend.Go)
	d := func(_ *model.Scope, y, s *Node, _ []*Node) *Node { // (s²y + σ²μ)/(s² + σ²)
		s2 := Square(Reshape(s, s.Shape().Dimensions[0], 1))
		return Div(Add(MulScalar(y, 0.16), MulScalar(s2, 0.7)), AddScalar(s2, 0.16))
	}
	sigmas, _ := diffusion.KarrasSigmas(diffusion.KarrasOptions{SigmaMin: 0.002, SigmaMax: 80, Rho: 7, Steps: 10})
	sm, _ := diffusion.NewDPMSolver2M(diffusion.Denoiser{Backend: b, D: d}, sigmas, diffusion.DPMSolverOptions{})
	defer sm.Close()
	x, _ := noise.Initial(1, 4000, 1)
	out, err := sm.Sample(x, nil, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	var m, v float64
	vals := tensors.MustCopyFlatData[float32](out)
	for _, y := range vals {
		m += float64(y) / 4000
	}
	for _, y := range vals {
		v += (float64(y) - m) * (float64(y) - m) / 3999
	}
	fmt.Printf("mean %.2f, std %.2f\n", m, math.Sqrt(v))
	// Output: mean 0.70, std 0.45
}
