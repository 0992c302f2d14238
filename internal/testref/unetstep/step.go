// Package unetstep is a rollout step built on a real network (nets.UNet with random weights): the
// model of the rollout package's tests and of `tidal bench rollout`.
package unetstep

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/rollout"
)

// Config sizes a Step.
type Config struct {
	Members, Channels, Height, Width int
	History                          int     // frames the network sees (k ≥ 1)
	Width0                           int     // the UNet's base width (nets.Config.Channels)
	Seed                             uint64  // seeds the weights and the noise
	Noise                            float32 // standard deviation of the noise added to each frame
}

// Step advances an ensemble by one frame with a UNet of random weights:
//
//	x_{t+1} = x_t + ½·tanh(UNet(x_t; cond = x_{t−k+1..t−1})) + s·ξ(seed, t, m)
//
// where ξ is standard normal noise drawn on the host from a stream keyed by the frame t and the member
// m, so that a resumed rollout sees the same noise. It is compiled once and called once per frame.
type Step struct {
	cfg   Config
	exec  *model.Exec
	level *tensors.Tensor
}

// New builds the step and gives the network random weights (uniform in ±0.1, so that the
// zero-initialised output convolution does not hide the network).
func New(b compute.Backend, cfg Config) (*Step, error) {
	if cfg.Members < 1 || cfg.Channels < 1 || cfg.History < 1 || cfg.Height < 4 || cfg.Width < 4 || cfg.Width0 < 1 {
		return nil, fmt.Errorf("unetstep: Config %+v: every size must be ≥ 1 and the frame at least 4×4", cfg)
	}
	c := cfg.Channels
	u, err := nets.New(nets.Config{InChannels: c * cfg.History, OutChannels: c, Channels: cfg.Width0, Mults: []int{1, 2}, Blocks: 1, Groups: 4, Branches: 1})
	if err != nil {
		return nil, err
	}
	store := model.NewStore()
	build := func(scope *model.Scope, hist, level *Node) *Node {
		// hist is [M, k·C, H, W], oldest frame first; the last C channels are x_t.
		k := cfg.History
		x := Slice(hist, AxisRange(), AxisRange((k-1)*c, k*c))
		var cond []*Node
		if k > 1 {
			cond = []*Node{Slice(hist, AxisRange(), AxisRange(0, (k-1)*c))}
		}
		return Add(x, MulScalar(Tanh(u.Apply(scope, x, level, cond)), 0.5))
	}
	s := &Step{cfg: cfg, level: tensors.FromFlatDataAndDimensions(make([]float32, cfg.Members), cfg.Members)}
	// A first executable creates the variables; the Go backend bakes the weights it sees into the
	// graph, so the step's own executable is built after they are randomised.
	first, err := model.NewExec(b, store, build)
	if err != nil {
		return nil, err
	}
	outs, err := first.Call(s.zeros(), s.level)
	first.Finalize()
	if err != nil {
		return nil, fmt.Errorf("unetstep: building the UNet step: %w", err)
	}
	outs[0].FinalizeAll()
	r := rand.New(rand.NewPCG(cfg.Seed, 1))
	for v := range store.IterVariables() {
		if !v.Trainable {
			continue
		}
		vals := make([]float32, v.Shape().Size())
		for i := range vals {
			vals[i] = 0.2*r.Float32() - 0.1
			if v.Name() == "scale" {
				vals[i] += 1
			}
		}
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(vals, v.Shape().Dimensions...)); err != nil {
			return nil, err
		}
	}
	if s.exec, err = model.NewExec(b, store, build); err != nil {
		return nil, err
	}
	return s, nil
}

// zeros is an all-zero history tensor.
func (s *Step) zeros() *tensors.Tensor {
	c := s.cfg
	return tensors.FromFlatDataAndDimensions(make([]float32, c.Members*c.History*c.Channels*c.Height*c.Width),
		c.Members, c.History*c.Channels, c.Height, c.Width)
}

// FrameShape is the shape of one member's frame, [Channels, Height, Width].
func (s *Step) FrameShape() []int { return []int{s.cfg.Channels, s.cfg.Height, s.cfg.Width} }

// Step is the rollout step (Window 1).
func (s *Step) Step(_ context.Context, history [][]float32, frame int) ([]float32, error) {
	c := s.cfg
	if len(history) != c.History {
		return nil, fmt.Errorf("unetstep: got %d history frames, the step was built for %d", len(history), c.History)
	}
	f := c.Channels * c.Height * c.Width
	// Interleave to [M, k·C, H, W]: member m's frames, oldest first.
	in := make([]float32, c.Members*c.History*f)
	for j, h := range history {
		for m := 0; m < c.Members; m++ {
			copy(in[(m*c.History+j)*f:(m*c.History+j+1)*f], h[m*f:(m+1)*f])
		}
	}
	outs, err := s.exec.Call(tensors.FromFlatDataAndDimensions(in, c.Members, c.History*c.Channels, c.Height, c.Width), s.level)
	if err != nil {
		return nil, err
	}
	next := tensors.MustCopyFlatData[float32](outs[0])
	outs[0].FinalizeAll()
	for m := 0; m < c.Members; m++ {
		r := rand.New(rand.NewPCG(c.Seed, uint64(frame)<<20|uint64(m)))
		for i := m * f; i < (m+1)*f; i++ {
			next[i] += c.Noise * float32(r.NormFloat64())
		}
	}
	return next, nil
}

// Close releases the compiled step.
func (s *Step) Close() { s.exec.Finalize() }

var _ rollout.Step = (*Step)(nil).Step
