package nets

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/nn"
)

// SeriesNet's layers on tokens h [B, L, N, C] (channels last: one token per time step and series).

func shapeOf(dtype dtypes.DType, dims ...int) shapes.Shape { return shapes.Make(dtype, dims...) }

// normalInit draws a variable's initial value from N(0, std²) with scope's random state.
func normalInit(scope *model.Scope, std float64) func(g *Graph, shape shapes.Shape) *Node {
	return func(g *Graph, shape shapes.Shape) *Node { return MulScalar(scope.RandomNormal(g, shape), std) }
}

func zerosInit(g *Graph, shape shapes.Shape) *Node { return Zeros(g, shape) }

// tokenLinear is Linear applied to every token of x [..., in]: [..., out].
func tokenLinear(scope *model.Scope, x *Node, out int) *Node {
	d := x.Shape().Dimensions
	y := Linear(scope, Reshape(x, -1, d[len(d)-1]), out)
	return Reshape(y, append(d[:len(d)-1:len(d)-1], out)...)
}

// tokenLinearZero is tokenLinear with weights and bias initialised to zero (the projections that end
// SeriesNet's residual branches, and its output layer).
func tokenLinearZero(scope *model.Scope, x *Node, out int) *Node {
	d := x.Shape().Dimensions
	in := d[len(d)-1]
	sc := scope.WithInitializer(zerosInit)
	w := sc.VariableWithShape("weights", shapeOf(x.DType(), in, out)).NodeValue(x.Graph())
	b := sc.VariableWithShape("bias", shapeOf(x.DType(), out)).NodeValue(x.Graph())
	y := Add(DotGeneral(Reshape(x, -1, in), []int{1}, nil, w, []int{0}, nil), InsertAxes(b, 0))
	return Reshape(y, append(d[:len(d)-1:len(d)-1], out)...)
}

// layerNorm is layer normalisation (Ba et al. 2016, eq. 4) over the last axis of x, with learned
// per-feature "scale" (ones) and "shift" (zeros): (x − μ)/√(σ² + ε)·scale + shift.
func layerNorm(scope *model.Scope, x *Node, eps float64) *Node {
	d := x.Shape().Dimensions
	C := d[len(d)-1]
	g := x.Graph()
	scale := scope.WithInitializer(func(g *Graph, s shapes.Shape) *Node { return Ones(g, s) }).
		VariableWithShape("scale", shapeOf(x.DType(), C)).NodeValue(g)
	shift := scope.WithInitializer(zerosInit).VariableWithShape("shift", shapeOf(x.DType(), C)).NodeValue(g)
	mean := ReduceAndKeep(x, ReduceMean, -1)
	centred := Sub(x, mean)
	variance := ReduceAndKeep(Square(centred), ReduceMean, -1)
	y := Div(centred, Sqrt(AddScalar(variance, eps)))
	perFeature := make([]int, len(d))
	for i := range perFeature {
		perFeature[i] = 1
	}
	perFeature[len(d)-1] = C
	return Add(Mul(y, Reshape(scale, perFeature...)), Reshape(shift, perFeature...))
}

// timeConv is a convolution along the time axis (axis 1) of x [B, L, N, C], kernel k (odd),
// dilation d, zero padded to keep L steps, out channels, the same for every series:
//
//	y[b, l, n, :] = bias + Σ_{j=0}^{k−1} W_jᵀ x[b, l + (j − (k−1)/2)·d, n, :],
//
// computed as one Linear over the k shifted copies concatenated along the features (weights
// [k·C, out], rows ordered by tap then channel). k = 1 is a per-token Linear.
func timeConv(scope *model.Scope, x *Node, k, d, out int) *Node {
	if k == 1 {
		return tokenLinear(scope, x, out)
	}
	dims := x.Shape().Dimensions
	L := dims[1]
	p := (k - 1) / 2 * d
	padDims := append([]int(nil), dims...)
	padDims[1] = p
	pad := Zeros(x.Graph(), shapeOf(x.DType(), padDims...))
	padded := Concatenate([]*Node{pad, x, pad}, 1)
	taps := make([]*Node, k)
	for j := range taps {
		taps[j] = SliceAxis(padded, 1, AxisRange(j*d, j*d+L))
	}
	return tokenLinear(scope, Concatenate(taps, 3), out)
}

// inducedAttention is the induced set attention of Lee et al. (2019, Set Transformer, eq. 9–10)
// across the series of each time step of u [B, L, N, C], with r learned inducing points I [r, C]
// (single head, scaled dot products):
//
//	S = softmax_n(I·K₁ᵀ/√C)·V₁                 K₁, V₁ = Linear(u)           [B, L, r, C]   (N → r)
//	A = softmax_j(Q₂·K₂ᵀ/√C)·V₂                 Q₂ = Linear(u), K₂, V₂ = Linear(S)  [B, L, N, C]   (r → N)
//
// It costs O(B·L·N·r·C) besides the per-token Linear layers: linear in N. Permuting the series
// permutes A alike (the softmax over n is symmetric in them). Sub-scopes "k1", "v1", "q2", "k2",
// "v2" and the variable "inducing".
func inducedAttention(scope *model.Scope, u *Node, r int) *Node {
	C := u.Shape().Dimensions[3]
	scale := 1 / math.Sqrt(float64(C))
	ind := scope.WithInitializer(normalInit(scope, 1)).
		VariableWithShape("inducing", shapeOf(u.DType(), r, C)).NodeValue(u.Graph())
	k1, v1 := tokenLinear(scope.In("k1"), u, C), tokenLinear(scope.In("v1"), u, C)
	batch := []int{0, 1}
	// s1[b, l, n, j] = Σ_c k1[b, l, n, c]·I[j, c], normalised over the series n.
	p1 := Softmax(MulScalar(DotGeneral(k1, []int{3}, nil, ind, []int{1}, nil), scale), 2)
	summary := DotGeneral(p1, []int{2}, batch, v1, []int{2}, batch) // [B, L, r, C]
	q2 := tokenLinear(scope.In("q2"), u, C)
	k2, v2 := tokenLinear(scope.In("k2"), summary, C), tokenLinear(scope.In("v2"), summary, C)
	p2 := Softmax(MulScalar(DotGeneral(q2, []int{3}, batch, k2, []int{3}, batch), scale), 3) // [B, L, N, r]
	return DotGeneral(p2, []int{3}, batch, v2, []int{2}, batch)                              // [B, L, N, C]
}

// timeAttention is single-head scaled dot-product self-attention (Vaswani et al. 2017, eq. 1) along
// time, for each window and series of u [B, L, N, C]:
//
//	A[b, :, n] = softmax_j(Q·Kᵀ/√C)·V,   Q, K, V = Linear(u[b, :, n])   [L, C] each
//
// Its cost is O(B·N·L²·C) besides the Linear layers: linear in N, quadratic in the window length.
// Sub-scopes "q", "k", "v".
func timeAttention(scope *model.Scope, u *Node) *Node {
	C := u.Shape().Dimensions[3]
	q, k, v := tokenLinear(scope.In("q"), u, C), tokenLinear(scope.In("k"), u, C), tokenLinear(scope.In("v"), u, C)
	batch := []int{0, 2}
	p := Softmax(MulScalar(DotGeneral(q, []int{3}, batch, k, []int{3}, batch), 1/math.Sqrt(float64(C))), 3) // [B, N, L, L]
	out := DotGeneral(p, []int{3}, []int{0, 1}, v, []int{1}, batch)                                         // [B, N, L, C]
	return TransposeAllDims(out, 0, 2, 1, 3)
}

// timePositions returns the sinusoidal embedding (nn.SinusoidalEmbeddingPeriod, period up to 2L) of
// the step index l = 0..L−1, C features, shaped [1, L, 1, C] to be added to every token: what lets
// timeAttention tell the steps apart.
func timePositions(g *Graph, dtype dtypes.DType, L, C int) *Node {
	l := make([]float64, L)
	for i := range l {
		l[i] = float64(i)
	}
	e := nn.SinusoidalEmbeddingPeriod(ConstAsDType(g, dtype, l), C, float64(max(2*L, 2)))
	return Reshape(e, 1, L, 1, C)
}
