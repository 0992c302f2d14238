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
// per-(example, channel) coefficient [B, C, 1, …] (a "trailing" broadcast, which runs with SIMD; a
// per-channel [1, C, 1, …] one does not), sums run over x's trailing axes without reshaping x (the
// backend copies the input of a Reshape that has other users), and the gradient is the closed form,
// stated by hand: with
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
	// Full-size operations combine x with per-(example, channel) coefficients shaped [B, C, 1, …]
	// (trailing broadcasts), and sums run over the trailing axes of x itself: x is never reshaped,
	// because the Go backend copies the input of a Reshape that has other users.
	spatial := make([]int, x.Rank()-2)
	coefDims := []int{B, C}
	for i := range spatial {
		spatial[i] = i + 2
		coefDims = append(coefDims, 1)
	}
	channelSums := func(a *Node) *Node { // [B, C, ...] -> [B, C]
		if len(spatial) == 0 {
			return a
		}
		return ReduceSum(a, spatial...)
	}
	groupSum := func(a *Node) *Node { return ReduceSum(Reshape(a, B, groups, cg), 2) } // [B, C] -> [B, G]
	// groupToChannel expands [B, G] to [B, C]; coef reshapes [B, C] to the coefficient shape.
	groupToChannel := func(a *Node) *Node {
		return Reshape(BroadcastToDims(Reshape(a, B, groups, 1), B, groups, cg), B, C)
	}
	coef := func(a *Node) *Node { return Reshape(a, coefDims...) }
	perChannel := func(p *Node) *Node { return BroadcastToDims(Reshape(p, 1, C), B, C) } // [C] -> [B, C]

	mean := DivScalar(groupSum(channelSums(x)), n) // [B, G]
	xc := Sub(x, coef(groupToChannel(mean)))
	r := Rsqrt(AddScalar(DivScalar(groupSum(channelSums(Square(xc))), n), epsilon)) // [B, G]
	rBC, scaleBC := groupToChannel(r), perChannel(scale)
	a := coef(Mul(rBC, scaleBC)) // y = (x − μ)·a + shift
	y := Add(Mul(xc, a), coef(perChannel(shift)))

	// Per-channel sums of the output gradient v, and of v·(x − μ): [B, C].
	var lastV, lastSV, lastSVX *Node // The three gradient functions share them.
	sums := func(v *Node) (sv, svx *Node) {
		if v != lastV {
			lastV, lastSV, lastSVX = v, channelSums(v), channelSums(Mul(v, xc))
		}
		return lastSV, lastSVX
	}
	dx := func(v *Node) *Node {
		sv, svx := sums(v)
		m1 := DivScalar(groupSum(Mul(sv, scaleBC)), n)          // mean(d)
		m2 := Mul(DivScalar(groupSum(Mul(svx, scaleBC)), n), r) // mean(d·x̂)
		beta := coef(groupToChannel(Neg(Mul(Square(r), m2))))   // −r²·mean(d·x̂)
		gamma := coef(groupToChannel(Neg(Mul(r, m1))))          // −r·mean(d)
		return Add(Add(Mul(v, a), Mul(xc, beta)), gamma)
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

// GroupsFor returns the number of groups a group norm of the given channels uses when at most
// groups are asked for: the largest divisor of channels that is ≤ groups (channels itself when
// channels ≤ groups, and 1 at worst), so that every group holds the same number of channels. When
// groups already divides channels, it is groups: 48 channels with 32 groups asked for give 24
// groups (of 2 channels), 36 with 8 give 6, 7 with 8 give 7, 5 with 4 give 1. groups ≤ 0 counts as 1.
func GroupsFor(channels, groups int) int {
	if channels <= 0 {
		return 1
	}
	for g := min(max(groups, 1), channels); g > 1; g-- {
		if channels%g == 0 {
			return g
		}
	}
	return 1
}

// GroupNorm starts a group-normalisation layer on x [B, C, ...] with learned per-channel "scale"
// (initialised to 1) and "shift" (initialised to 0), created directly in scope. Defaults: at most 32
// groups (GroupsFor(C, 32)), ε = 1e-5 (guided-diffusion's GroupNorm32 and PyTorch's defaults).
// See NormalizeGroups.
func GroupNorm(scope *model.Scope, x *Node) *GroupNormBuilder {
	return &GroupNormBuilder{scope: scope, x: x, groups: 32, epsilon: 1e-5}
}

// Groups sets the most groups: the layer uses GroupsFor(C, n), the largest divisor of the C channels
// that is ≤ n.
func (b *GroupNormBuilder) Groups(n int) *GroupNormBuilder { b.groups = n; return b }

// Epsilon sets ε, added to the variance.
func (b *GroupNormBuilder) Epsilon(eps float64) *GroupNormBuilder { b.epsilon = eps; return b }

// Done builds the layer and returns its output, shaped like x.
func (b *GroupNormBuilder) Done() *Node {
	if b.x.Rank() < 2 {
		exceptions.Panicf("nn.GroupNorm: x must be [batch, channels, ...], got shape %s", b.x.Shape())
	}
	C := b.x.Shape().Dimensions[1]
	groups := GroupsFor(C, b.groups)
	shape := shapes.Make(b.x.DType(), C)
	g := b.x.Graph()
	scale := b.scope.WithInitializer(onesInit).VariableWithShape("scale", shape).NodeValue(g)
	shift := b.scope.WithInitializer(zerosInit).VariableWithShape("shift", shape).NodeValue(g)
	return NormalizeGroups(b.x, scale, shift, groups, b.epsilon)
}
