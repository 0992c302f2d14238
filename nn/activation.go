package nn

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/layers/activation"
)

// SiLU is the sigmoid-weighted linear unit x·σ(x) = x / (1 + e^(−x)) (Elfwing et al. 2017; "swish").
// It uses GoMLX's fused activation where the backend has one (the Go backend does, forward and
// backward), else plain operations.
func SiLU(x *Node) *Node { return activation.Swish(x) }
