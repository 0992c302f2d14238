package rollout_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/rollout"
)

// Two trajectories of a scalar recursion x_{t+1} = x_t + x_{t−1} (k = 2), from (1, 1) and (0, 2), for 8
// frames; the file holds [frames, members, 1].
func ExampleRun() {
	dir, _ := os.MkdirTemp("", "rollout-example")
	defer os.RemoveAll(dir)
	cfg := rollout.Config{
		Path: filepath.Join(dir, "fib.npy"), Frames: 8, Members: 2, FrameShape: []int{1}, History: 2,
		Initial: []float32{1, 0, 1, 2}, // frame −2 of both members, then frame −1
	}
	step := func(_ context.Context, h [][]float32, frame int) ([]float32, error) {
		return []float32{h[0][0] + h[1][0], h[0][1] + h[1][1]}, nil
	}
	if _, err := rollout.Run(context.Background(), cfg, step); err != nil {
		panic(err)
	}
	a, _ := data.ReadNPY(cfg.Path)
	fmt.Println(a.Shape, a.F32)
	// Output: [8 2 1] [2 2 3 4 5 6 8 10 13 16 21 26 34 42 55 68]
}
