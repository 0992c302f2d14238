package nets

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
)

// PadToMultiple lets a network of several levels take any grid size: it pads the last two axes (H, W)
// of x at their end with zeros up to multiples of f (2^(levels−1)), and returns crop, which cuts an
// output with the padded H and W (any leading axes) back to x's. Inputs already of multiples of f pass
// unchanged and crop is the identity, so networks on such grids compute exactly what they did before.
// Fields are normalised to zero mean before they reach a network, so the padding is the mean field.
func PadToMultiple(x *Node, f int) (padded *Node, crop func(*Node) *Node) {
	return PadToMultipleWrap(x, f, false)
}

// PadToMultipleWrap is PadToMultiple with the width padded periodically when wrapW: the columns
// added at the end continue the field around the circle (column W+j is column j mod W), as longitude
// does on a global lat-lon grid, while the height (latitude) is padded with zeros and never wraps
// across the poles. The networks use it when their convolutions are periodic along the width.
func PadToMultipleWrap(x *Node, f int, wrapW bool) (padded *Node, crop func(*Node) *Node) {
	d := x.Shape().Dimensions
	r := len(d)
	ph, pw := (f-d[r-2]%f)%f, (f-d[r-1]%f)%f
	if ph == 0 && pw == 0 {
		return x, func(y *Node) *Node { return y }
	}
	padded = x
	if wrapW && pw > 0 {
		parts := []*Node{x}
		for left := pw; left > 0; left -= min(left, d[r-1]) { // W may be smaller than the padding
			spec := make([]SliceAxisSpec, r)
			for i := range spec {
				spec[i] = AxisRange()
			}
			spec[r-1] = AxisRange(0, min(left, d[r-1]))
			parts = append(parts, Slice(x, spec...))
		}
		padded, pw = Concatenate(parts, r-1), 0
	}
	if ph > 0 || pw > 0 {
		cfg := make([]PadAxis, r) // every axis: GoMLX's gradient of Pad needs them all
		cfg[r-2].End, cfg[r-1].End = ph, pw
		padded = Pad(padded, ScalarZero(x.Graph(), x.DType()), cfg...)
	}
	H, W := d[r-2], d[r-1]
	crop = func(y *Node) *Node {
		spec := make([]SliceAxisSpec, y.Rank())
		for i := range spec {
			spec[i] = AxisRange()
		}
		spec[y.Rank()-2], spec[y.Rank()-1] = AxisRange(0, H), AxisRange(0, W)
		return Slice(y, spec...)
	}
	return padded, crop
}
