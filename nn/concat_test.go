package nn

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
)

// TestConcatChannelsMatchesConcatenate checks ConcatChannels and its hand-written gradient against
// GoMLX's Concatenate and automatic gradient, for three inputs of different channel counts.
func TestConcatChannelsMatchesConcatenate(t *testing.T) {
	a, b, c := randTensor(1, 2, 3, 4, 5), randTensor(2, 2, 1, 4, 5), randTensor(3, 2, 4, 4, 5)
	r := randTensor(4, 2, 8, 4, 5)
	step := func(concat func(xs ...*Node) *Node) func(in []*Node) []*Node {
		return func(in []*Node) []*Node {
			out := concat(in[0], in[1], in[2])
			loss := ReduceAllSum(Mul(out, in[3]))
			return append([]*Node{out}, Gradient(loss, in[0], in[1], in[2])...)
		}
	}
	got := runGraph(t, step(ConcatChannels), a, b, c, r)
	want := runGraph(t, step(func(xs ...*Node) *Node { return Concatenate(xs, 1) }), a, b, c, r)
	for i, what := range []string{"value", "da", "db", "dc"} {
		checkClose(t, what, got[i], want[i], 0)
	}
}
