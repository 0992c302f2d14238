package nn

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/support/exceptions"
)

// DefaultMaxPeriod is the longest period of the sinusoidal embedding, as in guided-diffusion and EDM.
const DefaultMaxPeriod = 10000.0

// SinusoidalEmbedding embeds noise levels (or time steps) t [B] as [B, dim] features, with
// DefaultMaxPeriod. See SinusoidalEmbeddingPeriod.
func SinusoidalEmbedding(t *Node, dim int) *Node {
	return SinusoidalEmbeddingPeriod(t, dim, DefaultMaxPeriod)
}

// SinusoidalEmbeddingPeriod embeds t [B] as [B, dim] ("positional" embedding of the Transformer,
// Vaswani et al. 2017 §3.5, in the [cos, sin] order of guided-diffusion's timestep_embedding and EDM's
// PositionalEmbedding with endpoint=False). With h = ⌊dim/2⌋ and frequencies
//
//	ω_k = maxPeriod^(−k/h),  k = 0 … h−1,
//
// the features are
//
//	emb[b, k] = cos(t_b·ω_k),   emb[b, h+k] = sin(t_b·ω_k),
//
// and, when dim is odd, a last column of zeros. What t holds is the caller's choice: guided-diffusion
// feeds the step index, EDM c_noise = ln(σ)/4. The frequencies are computed in float64 on the host.
func SinusoidalEmbeddingPeriod(t *Node, dim int, maxPeriod float64) *Node {
	if t.Rank() != 1 {
		exceptions.Panicf("nn.SinusoidalEmbedding: t must be a vector [batch], got shape %s", t.Shape())
	}
	if dim < 2 {
		exceptions.Panicf("nn.SinusoidalEmbedding: dim must be at least 2, got %d", dim)
	}
	if !(maxPeriod > 1) {
		exceptions.Panicf("nn.SinusoidalEmbedding: maxPeriod must be > 1, got %g", maxPeriod)
	}
	h := dim / 2
	freqs := make([]float64, h)
	for k := range freqs {
		freqs[k] = math.Exp(-math.Log(maxPeriod) * float64(k) / float64(h))
	}
	g := t.Graph()
	args := Mul(InsertAxes(t, 1), InsertAxes(ConstAsDType(g, t.DType(), freqs), 0)) // [B, h]
	parts := []*Node{Cos(args), Sin(args)}
	if dim%2 == 1 {
		parts = append(parts, Zeros(g, shapeOf(t.DType(), t.Shape().Dimensions[0], 1)))
	}
	return Concatenate(parts, 1)
}
