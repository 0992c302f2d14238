package nets_test

import (
	"fmt"

	"github.com/tidal-forecast/tidal/nets"
)

// The default DiT for two-channel fields (u, v) and DiT-S/4 on the reference's latent windows (3
// channels of 16²): their sizes, tokens per frame and training cost for one window of 15 frames.
func ExampleNewDiT() {
	for _, tc := range []struct {
		cfg  nets.DiTConfig
		size int
	}{{nets.DiTConfig{DataChannels: 2}, 64}, {nets.ReferenceDiTS4Config(3), 16}} {
		d, err := nets.NewDiT(tc.cfg)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %d parameters, %d tokens a %d² frame, %.2f training GFLOP a window\n",
			d, d.NumParams(), d.Tokens(tc.size, tc.size), tc.size, d.FLOPs(1, 15, tc.size, tc.size).Training/1e9)
	}
	// Output:
	// DiT(C=2, patch 4, hidden 64, depth 4, 1 head): 452448 parameters, 256 tokens a 64² frame, 9.38 training GFLOP a window
	// DiT(C=3, patch 4, hidden 384, depth 12, 6 heads): 44948400 parameters, 16 tokens a 16² frame, 41.35 training GFLOP a window
}
