package nn

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// NormalizeGroups is group normalisation (Wu & He 2018, eq. 1–3 with group sets of C/G channels):
// for x [B, C, ...] the C channels are split into groups of C/groups consecutive channels, and each
// (example, group) is normalised over its channels and all positions, then scaled and shifted per
// channel:
//
//	y[b, c, s] = (x[b, c, s] − μ[b, g]) / √(σ²[b, g] + ε) · scale[c] + shift[c],   g = c / (C/groups)
//
// with μ and σ² the mean and the population variance over the group. scale and shift are [C].
//
// It is written for the Go backend's fast paths: every full-size operation combines x with a
// per-(example, channel) coefficient [B, C, 1] (a "trailing" broadcast, which runs with SIMD; a
// per-channel [1, C, 1] one does not), and the gradient is the closed form, stated by hand: with
// x̂ = (x − μ)·r, r = 1/√(σ² + ε), d = dy·scale and means over the group,
//
//	dx = r·(d − mean(d) − x̂·mean(d·x̂)),  dscale = Σ_{b,s} dy·x̂,  dshift = Σ_{b,s} dy,
//
// where both group means come from the per-channel sums Σ_s dy and Σ_s dy·(x − μ): the backward pass
// makes 7 passes over x and the forward 6.
func NormalizeGroups(x, scale, shift *Node, groups int, epsilon float64) *Node {
	if x.Rank() < 2 {
		exceptions.Panicf("nn.NormalizeGroups: x must be [batch, channels, ...], got shape %s", x.Shape())
	}
	dims := x.Shape().Dimensions
	B, C := dims[0], dims[1]
	if groups <= 0 || C%groups != 0 {
		exceptions.Panicf("nn.NormalizeGroups: %d channels cannot be split into %d groups", C, groups)
	}
	for _, p := range []*Node{scale, shift} {
		if p.Rank() != 1 || p.Shape().Dimensions[0] != C || p.DType() != x.DType() {
			exceptions.Panicf("nn.NormalizeGroups: scale and shift must be [%d] %s, got %s", C, x.DType(), p.Shape())
		}
	}
	S := x.Shape().Size() / (B * C)
	cg := C / groups
	n := float64(S * cg)
	// groupToChannel expands [B, G] (per group) to the coefficient shape [B, C, 1]; see perExample.
	groupToChannel := func(a *Node) *Node {
		return Reshape(BroadcastToDims(Reshape(a, B, groups, 1), B, groups, cg), B, C, 1)
	}

	x3 := Reshape(x, B, groups, S*cg)
	mean := ReduceAndKeep(x3, ReduceMean, 2)
	xc3 := Sub(x3, mean)
	r := Rsqrt(AddScalar(ReduceMean(Square(xc3), 2), epsilon)) // [B, G]
	xc := Reshape(xc3, B, C, S)
	rC, scaleC := groupToChannel(r), perExample(scale, B)
	a := Mul(rC, scaleC) // y = (x − μ)·a + shift
	y := Reshape(Add(Mul(xc, a), perExample(shift, B)), dims...)

	// Per-channel sums of the output gradient v, and of v·(x − μ): [B, C].
	var lastV, lastSV, lastSVX *Node // The three gradient functions share them.
	sums := func(v *Node) (sv, svx *Node) {
		if v != lastV {
			v3 := Reshape(v, B, C, S)
			lastV, lastSV, lastSVX = v, ReduceSum(v3, 2), ReduceSum(Mul(v3, xc), 2)
		}
		return lastSV, lastSVX
	}
	rBC, scaleBC := Reshape(rC, B, C), Reshape(scaleC, B, C)
	dx := func(v *Node) *Node {
		sv, svx := sums(v)
		groupSum := func(a *Node) *Node { return ReduceSum(Reshape(a, B, groups, cg), 2) } // [B, G]
		m1 := DivScalar(groupSum(Mul(sv, scaleBC)), n)                                     // mean(d)
		m2 := Mul(DivScalar(groupSum(Mul(svx, scaleBC)), n), r)                            // mean(d·x̂)
		beta := groupToChannel(Neg(Mul(Square(r), m2)))                                    // −r²·mean(d·x̂)
		gamma := groupToChannel(Neg(Mul(r, m1)))                                           // −r·mean(d)
		return Reshape(Add(Add(Mul(Reshape(v, B, C, S), a), Mul(xc, beta)), gamma), dims...)
	}
	dScale := func(v *Node) *Node {
		_, svx := sums(v)
		return ReduceSum(Mul(svx, rBC), 0)
	}
	dShift := func(v *Node) *Node {
		sv, _ := sums(v)
		return ReduceSum(sv, 0)
	}
	return withVJP([]*Node{x, scale, shift}, y, []func(*Node) *Node{dx, dScale, dShift})
}

// GroupNormBuilder configures a group-normalisation layer; create it with GroupNorm, finish with Done.
type GroupNormBuilder struct {
	scope   *model.Scope
	x       *Node
	groups  int
	epsilon float64
}

// GroupNorm starts a group-normalisation layer on x [B, C, ...] with learned per-channel "scale"
// (initialised to 1) and "shift" (initialised to 0), created directly in scope. Defaults: 32 groups
// (or C when C < 32), ε = 1e-5 (guided-diffusion's GroupNorm32 and PyTorch's defaults).
// See NormalizeGroups.
func GroupNorm(scope *model.Scope, x *Node) *GroupNormBuilder {
	return &GroupNormBuilder{scope: scope, x: x, groups: 32, epsilon: 1e-5}
}

// Groups sets the number of groups; it must divide the number of channels.
func (b *GroupNormBuilder) Groups(n int) *GroupNormBuilder { b.groups = n; return b }

// Epsilon sets ε, added to the variance.
func (b *GroupNormBuilder) Epsilon(eps float64) *GroupNormBuilder { b.epsilon = eps; return b }

// Done builds the layer and returns its output, shaped like x.
func (b *GroupNormBuilder) Done() *Node {
	if b.x.Rank() < 2 {
		exceptions.Panicf("nn.GroupNorm: x must be [batch, channels, ...], got shape %s", b.x.Shape())
	}
	C := b.x.Shape().Dimensions[1]
	groups := min(b.groups, C)
	shape := shapes.Make(b.x.DType(), C)
	g := b.x.Graph()
	scale := b.scope.WithInitializer(onesInit).VariableWithShape("scale", shape).NodeValue(g)
	shift := b.scope.WithInitializer(zerosInit).VariableWithShape("shift", shape).NodeValue(g)
	return NormalizeGroups(b.x, scale, shift, groups, b.epsilon)
}
