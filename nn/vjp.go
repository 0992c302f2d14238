package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
)

// withVJP returns value -- computed by the caller from inputs -- with a hand-written reverse-mode
// derivative: during graph.Gradient, the gradient reaching the returned node (the adjoint v) is
// turned into the gradients of inputs[i] by vjps[i](v), instead of being back-propagated through
// the operations that computed value.
//
// Why: the Go backend's fast building blocks (negative Pad as a crop, Gather of long slices) have
// slow or, for negative Pad, wrong automatic derivatives in GoMLX v0.28 (Pad's VJP turns a negative
// start into an out-of-range Slice). A convolution's adjoint is itself a convolution, so it is both
// faster and safer to state it.
//
// How: GoMLX's fused-op hook (graph.InternalFusedOpCaller) lets a node carry an "alternate" subgraph
// that autodiff follows instead of the node's own inputs; the alternate is dead code in the forward
// pass and is removed by the backends. The alternate built here is
//
//	value + Σ_i sum(x̃_i − stop(x̃_i)),   x̃_i = identity of inputs[i] with gradient vjps[i](v),
//
// so it equals value (exactly, for finite inputs; it is only evaluated when GoMLX fusion is switched
// off), and the adjoint v arriving at it is recorded by an identity with a custom gradient, then used
// by the x̃_i. The operations inside value receive no gradient at all. vjps[i] may be nil for inputs
// that need no gradient (constants).
func withVJP(inputs []*Node, value *Node, vjps []func(v *Node) *Node) *Node {
	var adjoint *Node // Set while graph.Gradient runs, before any input's gradient is asked for.
	decomposed := func() *Node {
		var link *Node
		for i, x := range inputs {
			if vjps[i] == nil {
				continue
			}
			vjp := vjps[i]
			xt := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
				if adjoint == nil {
					panic("nn: internal error: custom gradient used before its adjoint was recorded")
				}
				return vjp(adjoint)
			})
			zero := ReduceAllSum(Sub(xt, StopGradient(xt)))
			zero = ConvertDType(zero, value.DType())
			if link == nil {
				link = zero
			} else {
				link = Add(link, zero)
			}
		}
		y := StopGradient(value)
		if link != nil {
			y = Add(y, link)
		}
		return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
			adjoint = v
			return v
		})
	}
	fused := func() *Node { return Identity(value) }
	out, _ := InternalFusedOpCaller(fused, decomposed, true)
	return out
}
