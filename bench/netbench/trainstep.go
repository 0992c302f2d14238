// Package netbench times training steps of tidal's networks against the machine's matmul rate at the
// same shapes (the floor): the benchmark UNet (Config) that `tidal bench video-step` and `train-loop`
// build on, PeakMatMulRate, and NewTrainStep (an AdamW step of any network on fixed inputs). `tidal bench
// train-step` times train's own step instead (package stepbench, with its PyTorch comparison).
package netbench

import (
	"fmt"
	"io"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/convbench"
	"github.com/tidal-forecast/tidal/nets"
)

// Case is one size of the training-step benchmark: Batch images of Size×Size pixels and a
// UNet of Channels base channels (Config). Its matmul reference is the convolution case of the same
// sizes.
type Case convbench.Case

// String returns e.g. "16×32²×32".
func (c Case) String() string { return convbench.Case(c).String() }

// DefaultCases are the sizes of issue 3: batch 16, 32² and 64², 32 and 64 base channels.
func DefaultCases() []Case {
	return []Case{{16, 32, 32}, {16, 32, 64}, {16, 64, 32}, {16, 64, 64}}
}

// Config is the network the benchmark trains: the shape of the guided-IDM video denoiser (the noisy
// frame and two conditioning frames in, one frame out; docs/NETS.md) with channel multipliers (1, 2, 2),
// 2 residual blocks per level, attention in the middle only, one head, zero padding.
func Config(channels int) nets.Config {
	return nets.Config{InChannels: 3, OutChannels: 1, Channels: channels, Mults: []int{1, 2, 2}, Blocks: 2}
}

// Options configures Measure.
type Options struct {
	Cases []Case
	// MinTime is how long each case is timed (default 5 s), in alternating training steps and matmul
	// reference steps, at least MinSteps of each (default 5), after Warmup training steps (default 2;
	// the first compiles the graph).
	MinTime          time.Duration
	MinSteps, Warmup int
	// Branches overrides the network's Config.Branches (0: its default).
	Branches int
	// Log, if not nil, receives one line per case as it is measured.
	Log io.Writer
}

// Result is the measurement of one case.
type Result struct {
	Case   Case
	Params int
	// FLOPs of the network on the case's batch (UNet.FLOPs); Training is what a step costs.
	FLOPs nets.FLOPs
	// Step is the median time of one AdamW training step (forward, backward, update).
	Step time.Duration
	// MatMul is the median time of the reference matmuls (MatMulFLOPs of work), timed in alternation
	// with the training steps.
	MatMul      time.Duration
	MatMulFLOPs float64
	// PeakRate is the rate (FLOP/s) of a large square matmul (1024³, the median of 7) timed once per
	// Measure call: the backend's best, for context; time/floor uses Rate.
	PeakRate float64
}

// Rate is the matmul reference's rate in FLOP/s.
func (r Result) Rate() float64 { return r.MatMulFLOPs / r.MatMul.Seconds() }

// Floor is the time the step's FLOPs would take at the matmul reference's rate.
func (r Result) Floor() time.Duration {
	return time.Duration(r.FLOPs.Training / r.Rate() * 1e9)
}

// Ratio is Step / Floor: 1 means the step runs at the machine's matmul rate.
func (r Result) Ratio() float64 { return r.Step.Seconds() / r.Floor().Seconds() }

// PeakRatio is Step over the time of the step's FLOPs at PeakRate.
func (r Result) PeakRatio() float64 {
	return r.Step.Seconds() * r.PeakRate / r.FLOPs.Training
}

// Measure times AdamW training steps of the UNet Config(case.Channels) on backend b, and,
// in alternation with them, the matmul reference: the three matmuls of a training step of the
// network's most common layer, a 3×3 convolution with Channels channels in and out at the full
// Size×Size resolution, in the Go backend's fastest layouts ([C, 9C]·[9C, S²] per image twice, and
// Σ_b P_b·gᵀ_b), with every operand given as an input, as `tidal bench conv` times it. Its rate is the machine's matmul rate at this
// network's shapes; the floor of a step is its training FLOPs at that rate.
//
// The training step is a denoising regression: loss = mean((net(x, σ, cond) − target)²) on fixed
// random inputs, then AdamW (GoMLX's optimizer, learning rate 1e-4, weight decay 0.01) updates every
// parameter.
func Measure(b compute.Backend, opt Options) ([]Result, error) {
	if opt.MinTime <= 0 {
		opt.MinTime = 5 * time.Second
	}
	if opt.MinSteps <= 0 {
		opt.MinSteps = 5
	}
	if opt.Warmup <= 0 {
		opt.Warmup = 2
	}
	peak, err := PeakMatMulRate(b)
	if err != nil {
		return nil, fmt.Errorf("peak matmul: %w", err)
	}
	var results []Result
	for _, c := range opt.Cases {
		r, err := measureCase(b, c, opt)
		if err != nil {
			return nil, fmt.Errorf("train-step case %v: %w", c, err)
		}
		r.PeakRate = peak
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, "  %-11s step %9.2f ms   matmul ref %7.2f ms (%6.1f GFLOP/s)   floor %8.2f ms   time/floor %5.2f\n",
				c, ms(r.Step), ms(r.MatMul), r.Rate()/1e9, ms(r.Floor()), r.Ratio())
		}
		results = append(results, r)
	}
	return results, nil
}

// PeakMatMulRate times a 1024×1024 by 1024×1024 matmul on b (the median of 7 calls after the one that
// compiles) and returns its rate in FLOP/s: the backend's best, for context.
func PeakMatMulRate(b compute.Backend) (float64, error) {
	const n = 1024
	exec, err := NewExec(b, func(x, y *Node) *Node { return MatMul(x, y) })
	if err != nil {
		return 0, err
	}
	defer exec.Finalize()
	x, y := convbench.Tensor(9, n, n), convbench.Tensor(10, n, n)
	var ts []time.Duration
	for i := range 8 {
		t0 := time.Now()
		outs, err := exec.Call(x, y)
		if err != nil {
			return 0, err
		}
		if i > 0 { // The first call compiles.
			ts = append(ts, time.Since(t0))
		}
		outs[0].FinalizeAll()
	}
	return 2 * n * n * n / benchenv.Median(ts).Seconds(), nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

func measureCase(b compute.Backend, c Case, opt Options) (Result, error) {
	r := Result{Case: c}
	if c.Batch <= 0 || c.Size <= 0 || c.Channels <= 0 {
		return r, fmt.Errorf("batch, size and channels must be positive")
	}
	cfg := Config(c.Channels)
	cfg.Branches = opt.Branches
	u, err := nets.New(cfg)
	if err != nil {
		return r, err
	}
	r.Params, r.FLOPs = u.NumParams(), u.FLOPs(c.Batch, c.Size, c.Size)
	step, err := UNetTrainStep(b, u, c.Batch, c.Size, c.Size)
	if err != nil {
		return r, err
	}
	defer step.Finalize()
	conv := convbench.Case(c)
	ref, err := convbench.NewMatMulReference(b, conv)
	if err != nil {
		return r, fmt.Errorf("matmul reference: %w", err)
	}
	defer ref.Finalize()
	r.MatMulFLOPs = conv.FLOPs()
	for range opt.Warmup {
		if _, err := step.Run(); err != nil {
			return r, err
		}
	}
	if _, err := ref.Run(); err != nil {
		return r, err
	}
	var ts, tm []time.Duration
	start := time.Now()
	for len(ts) < opt.MinSteps || time.Since(start) < opt.MinTime {
		d, err := ref.Run()
		if err != nil {
			return r, err
		}
		tm = append(tm, d)
		if d, err = step.Run(); err != nil {
			return r, err
		}
		ts = append(ts, d)
	}
	r.Step, r.MatMul = benchenv.Median(ts), benchenv.Median(tm)
	return r, nil
}

// Net is a network as the diffusion packages take it (dydiff.Net, diffusion.Net, nets.UNet.Apply): x and the
// noise level, plus conditioning inputs, to a prediction shaped like the target.
type Net func(scope *model.Scope, x, noiseLevel *Node, cond []*Node) *Node

// NewTrainStep builds a training step of net on fixed inputs, for benchmarks and profiles: the denoising
// regression loss = mean((net(x, noiseLevel, cond) − target)²), then AdamW (GoMLX's optimizer, learning
// rate 1e-4, weight decay 0.01) on every variable. Each call returns the loss. The first Run compiles it
// and initialises the variables.
func NewTrainStep(b compute.Backend, net Net, x, noiseLevel, cond, target *tensors.Tensor) (*convbench.Step, error) {
	adamW := optimizer.Adam().LearningRate(1e-4).WeightDecay(0.01).Done()
	exec, err := model.NewExec(b, model.NewStore(), func(scope *model.Scope, x, noise, cond, target *Node) *Node {
		loss := ReduceAllMean(Square(Sub(net(scope, x, noise, []*Node{cond}), target)))
		adamW.UpdateGraph(scope, x.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, err
	}
	return convbench.Timed(exec.Call, exec.Finalize, x, noiseLevel, cond, target), nil
}

// UNetTrainStep is the benchmark's training step (see Measure) of u for B images of H×W pixels: the
// first OutChannels input channels are x, the others the conditioning, all filled by convbench.Tensor.
func UNetTrainStep(b compute.Backend, u *nets.UNet, B, H, W int) (*convbench.Step, error) {
	c := u.Config()
	if c.OutChannels > c.InChannels {
		return nil, fmt.Errorf("the benchmark step needs OutChannels ≤ InChannels, got %d > %d", c.OutChannels, c.InChannels)
	}
	fill := convbench.Tensor
	out, in := c.OutChannels, c.InChannels
	return NewTrainStep(b, u.Apply, fill(1, B, out, H, W), fill(2, B), fill(3, B, in-out, H, W), fill(4, B, out, H, W))
}

// WriteTable writes one line per result: step time, FLOPs, matmul rate, floor and
// time/floor, then the peak (1024³) matmul rate and the step's time over the floor at that rate.
func WriteTable(w io.Writer, results []Result) error {
	if _, err := fmt.Fprintf(w, "%-12s %8s %10s %11s %12s %11s %11s %12s %11s\n",
		"B×S²×C", "params", "step", "GFLOP/step", "matmul rate", "floor", "time/floor", "peak rate", "time/peak"); err != nil {
		return err
	}
	for _, r := range results {
		if _, err := fmt.Fprintf(w, "%-12s %7.2fM %7.1f ms %11.2f %7.1f GF/s %8.1f ms %10.2f× %7.1f GF/s %10.2f×\n",
			r.Case, float64(r.Params)/1e6, ms(r.Step), r.FLOPs.Training/1e9, r.Rate()/1e9, ms(r.Floor()), r.Ratio(),
			r.PeakRate/1e9, r.PeakRatio()); err != nil {
			return err
		}
	}
	return nil
}
