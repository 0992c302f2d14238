package nn_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/nn"
)

// The README's convolution: 64 output channels, periodic padding along the height and zero padding
// along the width, stride 2, on a batch of two 3-channel 16×16 images.
func ExampleConv() {
	b, err := backend.New(backend.Go)
	if err != nil {
		panic(err)
	}
	exec, err := model.NewExec(b, model.NewStore(), func(scope *model.Scope, x *Node) *Node {
		return nn.Conv(scope, x).Channels(64).Padding(nn.Periodic, nn.Zero).Stride(2).Done()
	})
	if err != nil {
		panic(err)
	}
	defer exec.Finalize()
	outs, err := exec.Call(tensors.FromFlatDataAndDimensions(make([]float32, 2*3*16*16), 2, 3, 16, 16))
	if err != nil {
		panic(err)
	}
	fmt.Println(outs[0].Shape())
	// Output: (Float32)[2, 64, 8, 8]
}
