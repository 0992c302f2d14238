package nets_test

import (
	"fmt"

	"github.com/tidal-forecast/tidal/nets"
)

// The default series denoiser: its size, its reach along time and its training cost on 4 windows of
// 60 steps (30 observed, 30 predicted), at 8 series (exchange rate) and at 1000.
func ExampleNewSeries() {
	n, err := nets.NewSeries(nets.SeriesConfig{ScaleInput: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("parameters:", n.NumParams())
	fmt.Println("receptive field:", n.ReceptiveField(), "steps")
	fmt.Printf("training GFLOP per step: %.3f at N = 8, %.1f at N = 1000\n",
		n.FLOPs(4, 60, 8).Training/1e9, n.FLOPs(4, 60, 1000).Training/1e9)
	// Output:
	// parameters: 81057
	// receptive field: 31 steps
	// training GFLOP per step: 0.521 at N = 8, 53.4 at N = 1000
}
