package convbench

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/nn"
)

// BenchmarkLayerTrainingStep times forward + backward (gradients w.r.t. the input and the parameters)
// of each layer at batch 16, 32², 32 channels (attention: 16², 128 channels), next to a 3×3
// convolution for scale:
// go test -run '^$' -bench LayerTrainingStep ./bench/convbench
func BenchmarkLayerTrainingStep(b *testing.B) {
	const B, C, S = 16, 32, 32
	inputs := []*tensors.Tensor{
		randTensor(1, B, C, S, S), randTensor(2, C, 3, 3, C), randTensor(3, C, 3, 3, C),
		randTensor(4, C), randTensor(5, C), randTensor(6, B, C, S, S),
	}
	layers := []struct {
		name string
		fn   func(in []*Node) (y *Node, wrt []*Node)
	}{
		{"conv3x3", func(in []*Node) (*Node, []*Node) {
			return nn.Conv2D(in[0], in[1], nn.ConvOptions{}), []*Node{in[0], in[1]}
		}},
		{"groupnorm", func(in []*Node) (*Node, []*Node) {
			return nn.NormalizeGroups(in[0], in[3], in[4], 8, 1e-5), []*Node{in[0], in[3], in[4]}
		}},
		{"silu", func(in []*Node) (*Node, []*Node) { return nn.SiLU(in[0]), []*Node{in[0]} }},
		{"down+up", func(in []*Node) (*Node, []*Node) { return nn.Upsample2x(nn.Downsample2x(in[0])), []*Node{in[0]} }},
		{"attention-16x16x128-4heads", func(in []*Node) (*Node, []*Node) {
			// The same numbers viewed as [16, 128, 16, 16]: attention at a UNet's coarser level.
			q := Reshape(in[0], B, 4, 32, 256)
			return Reshape(nn.Attend(q, q, q), B, C, S, S), []*Node{in[0]}
		}},
		{"resblock", func(in []*Node) (*Node, []*Node) {
			h := nn.SiLU(nn.NormalizeGroups(in[0], in[3], in[4], 8, 1e-5))
			h = nn.Conv2D(h, in[1], nn.ConvOptions{})
			h = nn.SiLU(nn.NormalizeGroups(h, in[3], in[4], 8, 1e-5))
			return Add(in[0], nn.Conv2D(h, in[2], nn.ConvOptions{})), []*Node{in[0], in[1], in[2], in[3], in[4]}
		}},
	}
	for _, l := range layers {
		b.Run(l.name, func(b *testing.B) {
			step, err := NewStep(goBackend(b), func(in []*Node) []*Node {
				y, wrt := l.fn(in)
				loss := ReduceAllSum(Mul(y, in[5]))
				outs := []*Node{loss} // Without it the forward pass of a linear layer would be dead code.
				for _, g := range Gradient(loss, wrt...) {
					outs = append(outs, ReduceAllSum(g))
				}
				return outs
			}, inputs, true)
			if err != nil {
				b.Fatal(err)
			}
			defer step.Finalize()
			for b.Loop() {
				if _, err := step.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
