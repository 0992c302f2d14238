package nn

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
)

// TestSplitConcatBatch checks SplitBatch and ConcatBatch, and their hand-written gradients, against
// GoMLX's Slice and Concatenate with automatic gradients: x [5, 2, 3] split in 3 parts (2, 2, 1),
// each part scaled differently, concatenated back.
func TestSplitConcatBatch(t *testing.T) {
	x, r := randTensor(1, 5, 2, 3), randTensor(2, 5, 2, 3)
	step := func(split func(x *Node) []*Node, concat func(xs ...*Node) *Node) func(in []*Node) []*Node {
		return func(in []*Node) []*Node {
			parts := split(in[0])
			for i := range parts {
				parts[i] = MulScalar(parts[i], float64(i+1))
			}
			out := concat(parts...)
			loss := ReduceAllSum(Mul(out, in[1]))
			return []*Node{out, parts[1], Gradient(loss, in[0])[0]}
		}
	}
	got := runGraph(t, step(func(x *Node) []*Node { return SplitBatch(x, 3) }, ConcatBatch), x, r)
	want := runGraph(t, step(func(x *Node) []*Node {
		return []*Node{SliceAxis(x, 0, AxisRange(0, 2)), SliceAxis(x, 0, AxisRange(2, 4)), SliceAxis(x, 0, AxisRange(4, 5))}
	}, func(xs ...*Node) *Node { return Concatenate(xs, 0) }), x, r)
	for i, what := range []string{"value", "part 1", "gradient"} {
		checkClose(t, what, got[i], want[i], 0)
	}
	if n := len(runGraph(t, func(in []*Node) []*Node { return SplitBatch(in[0], 9) }, x)); n != 5 {
		t.Errorf("SplitBatch of 5 into 9 gave %d parts, want 5", n)
	}
}
