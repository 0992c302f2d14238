package diffusion

// What every sampler does with an ensemble in one batched call: case b's member m is row b·M+m of the
// state, and each conditioning tensor of B rows is repeated M times inside the graph.

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// Members returns M, the number of members per case, for a state of the given rows and conditioning
// tensors of B rows each (M = rows/B, the same for every tensor; 1 without conditioning).
func Members(rows int, cond []*tensors.Tensor) (int, error) {
	members := 0
	for i, c := range cond {
		if c == nil || c.Rank() < 1 || c.Shape().Dimensions[0] == 0 || rows%c.Shape().Dimensions[0] != 0 {
			return 0, fmt.Errorf("Cond[%d] %v: its batch must divide the %d rows of x", i, ShapeOf(c), rows)
		}
		m := rows / c.Shape().Dimensions[0]
		if members != 0 && m != members {
			return 0, fmt.Errorf("Cond[%d] has %d rows, the others imply %d members per case",
				i, c.Shape().Dimensions[0], members)
		}
		members = m
	}
	return max(members, 1), nil
}

// RepeatRows repeats each row of every tensor m times along axis 0 (row b becomes rows b·m..b·m+m−1).
func RepeatRows(cond []*Node, m int) []*Node {
	if m == 1 {
		return cond
	}
	out := make([]*Node, len(cond))
	for i, c := range cond {
		dims := c.Shape().Dimensions
		wide := append([]int{dims[0], m}, dims[1:]...)
		out[i] = Reshape(BroadcastToDims(ExpandAxes(c, 1), wide...), append([]int{dims[0] * m}, dims[1:]...)...)
	}
	return out
}
