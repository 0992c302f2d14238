package diffusion

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// SigmaOfAlphaBar is the noise level σ = √((1−ᾱ)/ᾱ) of the VP state x = √ᾱ·x₀ + √(1−ᾱ)·ε seen as
// y = x/√ᾱ = x₀ + σ·ε.
func SigmaOfAlphaBar(alphaBar float64) float64 { return math.Sqrt((1 - alphaBar) / alphaBar) }

// AlphaBarOfSigma is ᾱ = 1/(1+σ²), the inverse of SigmaOfAlphaBar.
func AlphaBarOfSigma(sigma float64) float64 { return 1 / (1 + sigma*sigma) }

// CosineAlphaBar returns the cosine schedule of Nichol & Dhariwal (2021) as the DyDiff reference code
// computes it (offset s = 0.008, every β clipped to 0.999):
//
//	f(u) = cos²((u+s)/(1+s)·π/2),  v_i = f(i/T)/f(0),  β_t = min(1 − v_{t+1}/v_t, 0.999),  ᾱ_t = Π_{k≤t}(1−β_k)
//
// for t = 0..T−1.
func CosineAlphaBar(T int) []float64 {
	const s = 0.008
	v := make([]float64, T+1)
	for i := range v {
		c := math.Cos((float64(i)/float64(T) + s) / (1 + s) * math.Pi / 2)
		v[i] = c * c
	}
	f0 := v[0]
	for i := range v {
		v[i] /= f0
	}
	out := make([]float64, T)
	p := 1.0
	for t := range out {
		b := min(max(1-v[t+1]/v[t], 0), 0.999)
		p *= 1 - b
		out[t] = p
	}
	return out
}

// VP is a discrete variance-preserving (DDPM) process given by its table ᾱ_0 > … > ᾱ_{T−1} (0-based
// step t), in σ variables: σ_t = SigmaOfAlphaBar(ᾱ_t). It is a training noise distribution (uniform t)
// and gives the σ grids of the reference's DDIM and of DDPM's full chain. Build it with NewVP.
type VP struct {
	alphaBar, sigma []float64
}

// NewVP returns the process of the table alphaBar (copied): strictly decreasing values in (0, 1).
func NewVP(alphaBar []float64) (VP, error) {
	if len(alphaBar) < 2 {
		return VP{}, fmt.Errorf("diffusion: ᾱ table of %d steps, expected at least 2", len(alphaBar))
	}
	v := VP{alphaBar: append([]float64(nil), alphaBar...), sigma: make([]float64, len(alphaBar))}
	for t, a := range alphaBar {
		if !(a > 0 && a < 1) || t > 0 && !(a < alphaBar[t-1]) {
			return VP{}, fmt.Errorf("diffusion: ᾱ[%d] = %v: the table must decrease strictly inside (0, 1)", t, a)
		}
		v.sigma[t] = SigmaOfAlphaBar(a)
	}
	return v, nil
}

// T is the number of diffusion steps.
func (v VP) T() int { return len(v.alphaBar) }

// AlphaBar is ᾱ_t.
func (v VP) AlphaBar(t int) float64 { return v.alphaBar[t] }

// Sigma is σ_t = √((1−ᾱ_t)/ᾱ_t).
func (v VP) Sigma(t int) float64 { return v.sigma[t] }

// DDIMTimesteps returns the ascending steps τ_0 < … the reference's DDIM visits (make_ddim_timesteps
// "uniform"; see the function DDIMTimesteps).
func (v VP) DDIMTimesteps(n int) ([]int, error) { return DDIMTimesteps(v.T(), n) }

// DDIMTimesteps returns the ascending steps τ_0 < … of a T-step chain that the reference's DDIM visits
// with n sampling steps (make_ddim_timesteps "uniform"): c = ⌊T/n⌋ and τ_k = k·c + 1 for every k·c < T,
// so T = 1000 and n = 50 give 1, 21, …, 981. When T is not a multiple of n this yields more than n steps,
// as in the reference. n = T gives every step 0..T−1 (the full chain, since the +1 offset would run past
// T−1); other n whose offset steps run past T−1 are an error.
func DDIMTimesteps(T, n int) ([]int, error) {
	if n < 1 || n > T {
		return nil, fmt.Errorf("diffusion: %d sampling steps, expected 1..%d", n, T)
	}
	if n == T {
		out := make([]int, T)
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	c := T / n
	var out []int
	for k := 0; k*c < T; k++ {
		out = append(out, k*c+1)
	}
	if last := out[len(out)-1]; last > T-1 {
		return nil, fmt.Errorf("diffusion: %d uniform steps of T=%d end at step %d > %d (the reference's +1 offset); use %d steps for the full chain",
			n, T, last, T-1, T)
	}
	return out, nil
}

// Sigmas maps ascending steps ts to the descending σ grid σ_{ts[last]}, …, σ_{ts[0]}, 0 that a sampler
// takes.
func (v VP) Sigmas(ts []int) ([]float64, error) {
	out := make([]float64, 0, len(ts)+1)
	for i := len(ts) - 1; i >= 0; i-- {
		t := ts[i]
		if t < 0 || t >= v.T() || i > 0 && ts[i-1] >= t {
			return nil, fmt.Errorf("diffusion: steps %v: expected strictly ascending steps in 0..%d", ts, v.T()-1)
		}
		out = append(out, v.sigma[t])
	}
	return append(out, 0), nil
}

// DDIMSigmas is the reference's DDIM grid of n steps in σ: Sigmas(DDIMTimesteps(n)), e.g. σ at
// τ = 981, 961, …, 1 and a final 0 for T = 1000 and n = 50. n = T is DDPM's full chain.
func (v VP) DDIMSigmas(n int) ([]float64, error) {
	ts, err := v.DDIMTimesteps(n)
	if err != nil {
		return nil, err
	}
	return v.Sigmas(ts)
}

// SampleSigma draws batch training noise levels σ_t with t uniform over 0..T−1 (DDPM's training
// distribution), from the random state of scope's store.
func (v VP) SampleSigma(scope *model.Scope, g *Graph, batch int) *Node {
	// int32: RandomIntN ignores a plain int N.
	t := scope.RandomIntN(g, int32(v.T()), shapes.Make(dtypes.Int32, batch))
	table := make([]float32, v.T())
	for i, s := range v.sigma {
		table[i] = float32(s)
	}
	return Gather(Const(g, table), ExpandAxes(t, -1))
}
