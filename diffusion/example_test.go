package diffusion_test

import (
	"fmt"

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
	logit := func(_ *model.Scope, x, s *Node, cond []*Node) *Node { // log p(c | x_σ), [batch]
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
