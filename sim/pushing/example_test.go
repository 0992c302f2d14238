package pushing_test

import (
	"fmt"

	"github.com/tidal-forecast/tidal/sim/pushing"
)

// Generate renders videos in BAIR's layout; the recorded actions are the pusher's displacements, so the
// pusher's red centroid moves by them.
func ExampleGenerate() {
	v, err := pushing.Generate(pushing.Options{Videos: 2, Frames: 5, Size: 32, Plain: true, Seed: 7, PusherRadius: 0.1})
	if err != nil {
		panic(err)
	}
	fmt.Println("frames", v.Shape, "actions", v.ActionShape)
	frame := 32 * 32 * 3
	x0, _ := pushing.RedCentroid(v.Frames[:frame], 32)
	x1, _ := pushing.RedCentroid(v.Frames[frame:2*frame], 32)
	fmt.Printf("moved %.2f px, action %.2f px\n", x1-x0, v.Actions[0]*32)
	// Output:
	// frames [2 5 32 32 3] actions [2 4 2]
	// moved -0.48 px, action -0.48 px
}
