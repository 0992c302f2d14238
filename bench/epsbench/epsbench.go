// Package epsbench measures how well a trained DyDiff network predicts its noise target per diffusion
// step: the ε rms error on forward-noised held-out windows, the figure docs/RESULTS.md ("Network
// accuracy at high noise") compares with the PyTorch transcription (shared/reference/dydiff_torch.py,
// whose last lines print the same quantity).
package epsbench

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/dymodel"
)

// Steps are the diffusion steps the transcription reports.
var Steps = []int{100, 300, 500, 700, 800, 900, 981}

// Windows picks n windows of L = Context + Predict frames from a normalised series [T, C, H, W] (flat,
// frame-major), their starts drawn uniformly (with replacement) from seed, and returns them
// concatenated: [n, L, C, H, W] flat.
func Windows(series []float32, frames, L, n int, seed uint64) ([]float32, error) {
	if frames < L || len(series)%frames != 0 {
		return nil, fmt.Errorf("epsbench: a series of %d frames (%d values) has no window of %d frames", frames, len(series), L)
	}
	F := len(series) / frames
	r := rand.New(rand.NewPCG(seed, 0xe95))
	out := make([]float32, 0, n*L*F)
	for range n {
		s := r.IntN(frames - L + 1)
		out = append(out, series[s*F:(s+L)*F]...)
	}
	return out, nil
}

// ErrorByStep returns, for each step t of ts, the rms over all L frames of ε̂ − Dyn(ε, γ̄_t), where
// ε̂ = Net(x_t, t, context) and x_t = Dyn(√ᾱ_t·x₀ + √(1−ᾱ_t)·ε, γ̄_t) (the training target of
// dydiff.Loss), on the windows x₀ [n, L, C, H, W] (normalised, flat) with ε standard normal from
// seed (a fresh draw per t). The network runs with the weights of store, in batches of the n windows.
func ErrorByStep(b compute.Backend, m *dymodel.Model, store *model.Store, windows []float32, ts []int, seed uint64) ([]float64, error) {
	c := m.Config
	P, L := c.Context, c.Frames()
	F := 1
	for _, d := range c.Frame {
		F *= d
	}
	row := L * F
	if len(windows) == 0 || len(windows)%row != 0 {
		return nil, fmt.Errorf("epsbench: %d values are not windows of %d frames × %d", len(windows), L, F)
	}
	n := len(windows) / row
	dims := append([]int{n, L}, c.Frame...)
	ctx := make([]float32, 0, n*P*F)
	for i := range n {
		ctx = append(ctx, windows[i*row:i*row+P*F]...)
	}
	ctxT := tensors.FromFlatDataAndDimensions(ctx, append([]int{n, P}, c.Frame...)...)
	exec, err := model.NewExec(b, store, func(scope *model.Scope, in []*Node) *Node {
		return m.Net(scope, in[0], in[1], in[2:])
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	r := rand.New(rand.NewPCG(seed, 0x3e5))
	out := make([]float64, len(ts))
	for k, t := range ts {
		a, g := m.Schedule.AlphaBar(t), m.Schedule.GammaBar(t)
		xt := make([]float32, n*row)
		target := make([]float64, n*row)
		for i := range n {
			eps := make([]float64, row)
			mix := make([]float64, row)
			for j := range eps {
				eps[j] = r.NormFloat64()
				mix[j] = math.Sqrt(a)*float64(windows[i*row+j]) + math.Sqrt(1-a)*eps[j]
			}
			de, err := dydiff.DynamicsFloat64(eps, L, g)
			if err != nil {
				return nil, err
			}
			dx, err := dydiff.DynamicsFloat64(mix, L, g)
			if err != nil {
				return nil, err
			}
			copy(target[i*row:], de)
			for j, v := range dx {
				xt[i*row+j] = float32(v)
			}
		}
		steps := make([]float32, n)
		for i := range steps {
			steps[i] = float32(t)
		}
		res, err := exec.Call(tensors.FromFlatDataAndDimensions(xt, dims...), tensors.FromValue(steps), ctxT)
		if err != nil {
			return nil, err
		}
		pred := tensors.MustCopyFlatData[float32](res[0])
		res[0].FinalizeAll()
		var s float64
		for j, v := range pred {
			d := float64(v) - target[j]
			s += d * d
		}
		out[k] = math.Sqrt(s / float64(len(pred)))
	}
	return out, nil
}
