package dydiff_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/noise"
)

// Dynamics of the sequence 1, 2, 3, 4 at γ̄ = 0.5 (a golden value of docs/DIFFUSION.md, "Dynamics"), and back.
func ExampleDynamicsFloat64() {
	y, _ := dydiff.DynamicsFloat64([]float64{1, 2, 3, 4}, 4, 0.5)
	x, _ := dydiff.InverseDynamicsFloat64(y, 4, 0.5)
	fmt.Printf("%.6f\n%.6f\n", y, x)
	// Output:
	// [1.000000 2.121320 3.621320 5.389087]
	// [1.000000 2.000000 3.000000 4.000000]
}

// The reference sampler, once: 50 DDIM steps for 2 cases × 4 ensemble members of 15-frame windows, with
// a stand-in network that uses its conditioning (a trained UNet takes its place).
func ExampleDDIM() {
	b, _ := backend.New(backend.Go)
	s, _ := dydiff.NewSchedule(dydiff.DefaultEta, dydiff.ScheduleOptions{})
	net := func(_ *model.Scope, xt, t *Node, cond []*Node) *Node {
		return Add(MulScalar(xt, 0.5), MulScalar(cond[0], 0.1))
	}
	context, _ := noise.Initial(9, 2, 15, 3, 8, 8)                       // per case: [frames, channels, h, w]
	x, _ := noise.Ensemble{Cases: 2, Members: 4}.Initial(1, 15, 3, 8, 8) // case b, member m at row 4b+m
	out, err := dydiff.DDIM(dydiff.NoisePredictor{Backend: b, Net: net}, x, []*tensors.Tensor{context}, s, dydiff.DDIMOptions{})
	fmt.Println(out.Shape(), err)
	// Output: (Float32)[8, 15, 3, 8, 8] <nil>
}

// A sampler compiled once and called once per frame, as a rollout does: tidal's UNet (random weights
// here, a trained one in practice) denoises 3-frame windows of 2 cases × 4 members, conditioned on the 2
// preceding frames of each case. The per-step graphs compile on the first call only.
func ExampleNewDDIM() {
	b, _ := backend.New(backend.Go)
	s, _ := dydiff.NewSchedule(dydiff.DefaultEta, dydiff.ScheduleOptions{})
	unet, _ := nets.New(nets.Config{InChannels: 3 + 2, OutChannels: 3, Channels: 8, Mults: []int{1, 2}, Blocks: 1})
	d := dydiff.NoisePredictor{Backend: b, Scope: model.NewStore().RootScope(), Net: unet.Apply}
	sampler, err := dydiff.NewDDIM(d, s, dydiff.DDIMOptions{Steps: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sampler.Close()
	context, _ := noise.Initial(9, 2, 2, 1, 16, 16) // per case: [frames, channels, h, w]
	for frame := range 3 {
		x, _ := noise.Ensemble{Cases: 2, Members: 4}.Initial(uint64(frame), 3, 1, 16, 16)
		out, err := sampler.Sample(x, []*tensors.Tensor{context}, uint64(frame))
		fmt.Println(frame, out.Shape(), err)
	}
	fmt.Println("compiled graphs:", sampler.Compilations())
	// Output:
	// 0 (Float32)[8, 3, 1, 16, 16] <nil>
	// 1 (Float32)[8, 3, 1, 16, 16] <nil>
	// 2 (Float32)[8, 3, 1, 16, 16] <nil>
	// compiled graphs: 2
}
