package nets_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/nn"
)

// The README's denoiser: a UNet taking a noisy frame and two conditioning frames on a periodic grid,
// returning one frame; its parameters are counted from the configuration, and Apply maps
// [B, 1, H, W] to [B, 1, H, W].
func ExampleNew() {
	u, err := nets.New(nets.Config{InChannels: 3, OutChannels: 1, Channels: 64, PadH: nn.Periodic, PadW: nn.Periodic})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.2fM parameters\n", float64(u.NumParams())/1e6)
	b, err := backend.New(backend.Go)
	if err != nil {
		panic(err)
	}
	exec, err := model.NewExec(b, model.NewStore(), func(scope *model.Scope, x, cNoise, prev, prev2 *Node) *Node {
		return u.Apply(scope, x, cNoise, []*Node{prev, prev2})
	})
	if err != nil {
		panic(err)
	}
	defer exec.Finalize()
	frame := func() *tensors.Tensor { return tensors.FromFlatDataAndDimensions(make([]float32, 2*8*8), 2, 1, 8, 8) }
	outs, err := exec.Call(frame(), tensors.FromFlatDataAndDimensions([]float32{0.1, 0.2}, 2), frame(), frame())
	if err != nil {
		panic(err)
	}
	fmt.Println(outs[0].Shape())
	// Output:
	// 5.66M parameters
	// (Float32)[2, 1, 8, 8]
}
