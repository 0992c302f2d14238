package nets

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
)

// dropout zeroes each value with probability rate and scales the rest by 1/(1 − rate), while scope
// is training (GoMLX's layers.DropoutStatic); otherwise it returns h.
func dropout(scope *model.Scope, h *Node, rate float64) *Node {
	return layers.DropoutStatic(scope, h, rate)
}
