package guidance

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// TestDiscriminatorTakesAnyWidth builds and runs the discriminator at base widths whose levels 32
// group-norm groups do not divide (4, 6, 16, 24 channels, multipliers (1, 2) and (1, 2, 3)), with the
// default Groups: each group norm takes the largest divisor of its channels up to 32. With random
// weights the logits are finite and not all zero.
func TestDiscriminatorTakesAnyWidth(t *testing.T) {
	for _, mults := range [][]int{{1, 2}, {1, 2, 3}} {
		for _, ch := range []int{4, 6, 16, 24} {
			name := fmt.Sprintf("channels %d mults %v", ch, mults)
			d := mustNew(t, Config{FrameChannels: 1, Channels: ch, Mults: mults, Blocks: 1, HeadWidth: 16})
			store := model.NewStore()
			x, cur, prev := randTensor(dtypes.Float32, 1, 2, 1, 8, 8), randTensor(dtypes.Float32, 2, 2, 1, 8, 8), randTensor(dtypes.Float32, 3, 2, 1, 8, 8)
			logits(t, store, d, x, sigmas(dtypes.Float32, 2), cur, prev)
			tensortest.RandomizeVariables(t, store, 4, 0.3)
			out := logits(t, store, d, x, sigmas(dtypes.Float32, 2), cur, prev)
			if len(out) != 2 {
				t.Fatalf("%s: %d logits, want 2", name, len(out))
			}
			for _, v := range out {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%s: logit %g", name, v)
				}
			}
			if out[0] == 0 && out[1] == 0 {
				t.Errorf("%s: the logits are zero with random weights", name)
			}
		}
	}
}
