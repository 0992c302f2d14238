package nets

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
)

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func sqrt(x float64) float64 { return math.Sqrt(x) }

// dropout zeroes each value with probability rate and scales the rest by 1/(1 − rate), while scope
// is training (GoMLX's layers.DropoutStatic); otherwise it returns h.
func dropout(scope *model.Scope, h *Node, rate float64) *Node {
	return layers.DropoutStatic(scope, h, rate)
}
