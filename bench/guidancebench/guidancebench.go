// Package guidancebench measures what discriminator guidance adds to a sampling step: the time of one
// guidance gradient ∇ₓ logit (the discriminator's forward and backward pass, guidance.GradLogit)
// against the time of one evaluation of the image model it guides (a nets.UNet forward pass), both
// compiled once and timed in alternation in the same run (docs/PERFORMANCE.md, "Guidance gradient").
package guidancebench

import (
	"fmt"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/convbench"
	"github.com/tidal-forecast/tidal/guidance"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/nn"
)

// Options configure Measure. Zero fields take the defaults given with them.
type Options struct {
	// Batch and Size are the batch and the (square) field size; default 1 and 64.
	Batch, Size int
	// IDM is the image model; default PaperIDM(128).
	IDM *nets.Config
	// Disc is the discriminator; default guidance.Config{FrameChannels: 1} (32 channels) with
	// periodic padding.
	Disc *guidance.Config
	// Runs is the number of timed evaluations of each (default 5), after one warm-up each.
	Runs int
}

// PaperIDM is the paper's vorticity image model shape (Hess et al. 2025, Tab. 1): one channel in and
// out, (1, 2, 2) multipliers, 3 residual blocks per level, periodic padding, with the given base width
// (the paper's is 128).
func PaperIDM(channels int) nets.Config {
	return nets.Config{InChannels: 1, OutChannels: 1, Channels: channels, Mults: []int{1, 2, 2}, Blocks: 3,
		PadH: nn.Periodic, PadW: nn.Periodic}
}

// Result is one measurement.
type Result struct {
	Batch, Size           int
	IDMParams, DiscParams int
	// Denoiser and Guidance are the median times of one image-model forward pass and of one guidance
	// gradient on the batch.
	Denoiser, Guidance time.Duration
}

// Overhead is Guidance/Denoiser: the fraction that guidance adds to each denoiser evaluation of a
// guided sampler.
func (r Result) Overhead() float64 { return r.Guidance.Seconds() / r.Denoiser.Seconds() }

// String is a one-line report.
func (r Result) String() string {
	return fmt.Sprintf("batch %d, %d²: image model (%.2fM parameters) %.1f ms, guidance gradient (%.2fM) %.1f ms: overhead %.1f%%",
		r.Batch, r.Size, float64(r.IDMParams)/1e6, ms(r.Denoiser), float64(r.DiscParams)/1e6, ms(r.Guidance), 100*r.Overhead())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// Measure builds both networks with fresh random weights on backend b and times them.
func Measure(b compute.Backend, opt Options) (Result, error) {
	if opt.Batch == 0 {
		opt.Batch = 1
	}
	if opt.Size == 0 {
		opt.Size = 64
	}
	if opt.Runs == 0 {
		opt.Runs = 5
	}
	if opt.Batch < 0 || opt.Size < 0 || opt.Runs < 0 {
		return Result{}, fmt.Errorf("guidancebench: batch %d, size %d, runs %d: expected positive numbers", opt.Batch, opt.Size, opt.Runs)
	}
	idmCfg := PaperIDM(128)
	if opt.IDM != nil {
		idmCfg = *opt.IDM
	}
	discCfg := guidance.Config{FrameChannels: 1, PadH: nn.Periodic, PadW: nn.Periodic}
	if opt.Disc != nil {
		discCfg = *opt.Disc
	}
	idm, err := nets.New(idmCfg)
	if err != nil {
		return Result{}, err
	}
	disc, err := guidance.New(discCfg)
	if err != nil {
		return Result{}, err
	}
	B, S, C := opt.Batch, opt.Size, discCfg.FrameChannels
	x, sigma := convbench.Tensor(1, B, C, S, S), tensors.FromFlatDataAndDimensions(make1(B, 0.5), B)
	cond := []*tensors.Tensor{convbench.Tensor(2, B, C, S, S), convbench.Tensor(3, B, C, S, S)}
	denoiser, err := model.NewExec(b, model.NewStore(), func(scope *model.Scope, x, s *Node) *Node {
		return idm.Apply(scope, x, DivScalar(Log(s), 4), nil)
	})
	if err != nil {
		return Result{}, err
	}
	defer denoiser.Finalize()
	grad, err := model.NewExec(b, model.NewStore(), func(scope *model.Scope, x, s, a, c *Node) *Node {
		return guidance.GradLogit(disc.Logit, scope, x, s, []*Node{a, c})
	})
	if err != nil {
		return Result{}, err
	}
	defer grad.Finalize()
	run := func(e *model.Exec, args ...any) (time.Duration, error) {
		t0 := time.Now()
		outs, err := e.Call(args...)
		d := time.Since(t0)
		for _, o := range outs {
			o.FinalizeAll()
		}
		return d, err
	}
	var td, tg []time.Duration
	for i := range opt.Runs + 1 { // The first of each compiles.
		d, err := run(denoiser, x, sigma)
		if err != nil {
			return Result{}, fmt.Errorf("image model: %w", err)
		}
		g, err := run(grad, x, sigma, cond[0], cond[1])
		if err != nil {
			return Result{}, fmt.Errorf("guidance gradient: %w", err)
		}
		if i > 0 {
			td, tg = append(td, d), append(tg, g)
		}
	}
	return Result{Batch: B, Size: S, IDMParams: idm.NumParams(), DiscParams: disc.NumParams(),
		Denoiser: benchenv.Median(td), Guidance: benchenv.Median(tg)}, nil
}

func make1(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}
