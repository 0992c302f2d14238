package nets

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/gomlx/ml/model"
)

// TestNetworksTakeAnyWidth builds and runs the UNet (DyDiff's frame-stacked layout) and the video
// UNet at base widths whose layers 32 group-norm groups do not divide (4, 6, 16, 24 channels with
// multipliers (1, 2) and (1, 2, 3): the decoder's skip concatenations give 48, 18 or 72 channels),
// with the default Groups: each group norm takes the largest divisor of its channels up to 32, and
// with random weights the output has the input's shape, is finite and is not all zero.
func TestNetworksTakeAnyWidth(t *testing.T) {
	const B, H, W = 2, 8, 8
	for _, mults := range [][]int{{1, 2}, {1, 2, 3}} {
		for _, ch := range []int{4, 6, 16, 24} {
			name := fmt.Sprintf("channels %d mults %v", ch, mults)
			check := func(what string, out []float64, n int) {
				t.Helper()
				if len(out) != n {
					t.Fatalf("%s, %s: %d outputs, want %d", what, name, len(out), n)
				}
				for _, v := range out {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("%s, %s: output holds %g", what, name, v)
					}
				}
				if maxAbs(out) == 0 {
					t.Errorf("%s, %s: the output is all zero with random weights", what, name)
				}
			}

			u := mustNew(t, Config{InChannels: 3*1 + 2*1, OutChannels: 3, Channels: ch, Mults: mults, Blocks: 1})
			store := model.NewStore()
			x, cond := randTensor(1, B, 3, 1, H, W), randTensor(2, B, 2, 1, H, W)
			runNet(t, store, u.Apply, nil, x, noiseLevels(B), cond)
			randomizeVariables(t, store, 3, 0.3)
			out, _ := runNet(t, store, u.Apply, nil, x, noiseLevels(B), cond)
			check("UNet", flat(out), B*3*H*W)

			v := mustNewVideo(t, VideoConfig{DataChannels: 1, UNet: Config{Channels: ch, Mults: mults, Blocks: 1},
				TemporalConvLevels: []int{0, len(mults) - 1}, TemporalAttnLevels: []int{len(mults) - 1}})
			store = model.NewStore()
			xt, ctx := randFloats(4, vB*vL*H*W, 1), randFloats(5, vB*vP*H*W, 1)
			runVideo(t, store, v, xt, ctx)
			randomizeVariables(t, store, 6, 0.3)
			check("VideoUNet", runVideo(t, store, v, xt, ctx), vB*vL*H*W)
		}
	}
}
