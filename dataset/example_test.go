package dataset_test

import (
	"fmt"
	"log"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/dataset"
)

// Cut a series of 12 frames into 3-frame windows, the last quarter held out, normalised per channel with
// the training frames' mean and population standard deviation: channel 0 is t and channel 1 is 10 + 2t,
// so frames 0–8 give means 4 and 18 and deviations √(60/9) ≈ 2.582 and twice that, and the held-out
// window (frames 9, 10, 11) is (t − 4)/2.582 in both channels.
func Example() {
	const T = 12
	s := dataset.Series{Name: "ramp", Shape: []int{T, 2, 1, 1}, Data: make([]float32, 0, 2*T)}
	for t := range T {
		s.Data = append(s.Data, float32(t), float32(10+2*t))
	}
	train, val, norm, err := dataset.Split([]dataset.Series{s}, dataset.Options{Frames: 3, ValFraction: 0.25, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("windows: %d training, %d held out; mean %.0f, std %.4f\n", train.Len(), val.Len(), norm.Mean, norm.Std)
	b, err := val.Batch(0, 1)
	if err != nil {
		log.Fatal(err)
	}
	x := tensors.MustCopyFlatData[float32](b[0])
	fmt.Printf("held-out window %v: %.4f\n", b[0].Shape().Dimensions, x)
	norm.Denormalize(x, 1)
	fmt.Printf("in physical units: %.0f\n", x)
	// Output:
	// windows: 7 training, 1 held out; mean [4 18], std [2.5820 5.1640]
	// held-out window [1 3 2 1 1]: [1.9365 1.9365 2.3238 2.3238 2.7111 2.7111]
	// in physical units: [9 28 10 30 11 32]
}
