// Package videobench times training steps of DyDiff's video denoiser (nets.VideoUNet) against the
// machine's matmul floor, as nets' train-step benchmark does for the 2D UNet (tidal bench
// video-step; docs/PERFORMANCE.md).
package videobench

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
	"github.com/tidal-forecast/tidal/bench/netbench"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/nets"
)

// Case is one size of the benchmark: Batch windows of Frames frames of Size×Size pixels (the first
// Frames/4 of them context) and a network of Channels base channels (Config).
type Case struct {
	Batch, Frames, Size, Channels int
}

// String returns e.g. "2×8×32²×32" (windows × frames × pixels × channels).
func (c Case) String() string {
	return fmt.Sprintf("%d×%d×%d²×%d", c.Batch, c.Frames, c.Size, c.Channels)
}

// context is the number of context frames of the case's windows.
func (c Case) context() int { return c.Frames / 4 }

// Config is the network the benchmark trains: the 2D benchmark's UNet (netbench.Config: multipliers
// (1, 2, 2), 2 residual blocks per level, attention in the middle, zero padding) for windows of two
// data channels (velocity u, v), with temporal convolutions after every residual block and temporal
// attention after the middle attention.
func Config(channels int) nets.VideoConfig {
	u := netbench.Config(channels)
	u.InChannels, u.OutChannels = 0, 0
	return nets.VideoConfig{DataChannels: 2, UNet: u, TemporalConvLevels: []int{0, 1, 2}, TemporalAttnLevels: []int{2}}
}

// Options configures Run.
type Options struct {
	Cases []Case
	// MinTime is how long each case is timed (default 5 s), in alternating training steps and matmul
	// reference steps, at least MinSteps of each (default 5), after Warmup training steps (default 2;
	// the first compiles the graph).
	MinTime          time.Duration
	MinSteps, Warmup int
	// Branches overrides the network's Config.Branches (0: its default).
	Branches int
	// UNet also times, in the same alternation, nets' 2D benchmark step (netbench.Config, nets.NewTrainStep)
	// on Batch·Frames images: the network without temporal mixing, as a control.
	UNet bool
	// Log, if not nil, receives one line per case as it is measured.
	Log io.Writer
}

// Result is the measurement of one case. Its netbench.Result holds the folded case (Batch·Frames
// images), the video network's parameters and FLOPs, the median step and the matmul reference, so
// that its Rate, Floor and Ratio are those of nets' benchmark; PeakRate is not measured (0).
type Result struct {
	Case Case
	netbench.Result
	// StepCPU and MatMulCPU are the median process CPU times (user + system) of a step and of the
	// reference.
	StepCPU, MatMulCPU time.Duration
	// UNet is the 2D control (Options.UNet), with its own FLOPs and the same reference; nil if not timed.
	UNet *Control
}

// Control is the measurement of nets' 2D benchmark step timed with a case.
type Control struct {
	FLOPs     nets.FLOPs
	Step, CPU time.Duration
}

// UNetRatio and UNetCPURatio are the 2D control's time/floor and cpu/floor against the same matmul
// reference (0 without a control).
func (r Result) UNetRatio() float64 {
	if r.UNet == nil {
		return 0
	}
	return r.UNet.Step.Seconds() / (r.UNet.FLOPs.Training / r.Rate())
}

// UNetCPURatio: see UNetRatio.
func (r Result) UNetCPURatio() float64 {
	if r.UNet == nil {
		return 0
	}
	return (r.UNet.CPU.Seconds() / r.UNet.FLOPs.Training) / (r.MatMulCPU.Seconds() / r.MatMulFLOPs)
}

// CPURatio is Ratio in CPU time: the step's CPU time over the CPU time its FLOPs take in the matmul
// reference. It counts the work done rather than the wall time, so other jobs on the machine move it
// less; on an idle machine whose cores the step and the reference both keep busy it equals Ratio.
func (r Result) CPURatio() float64 {
	return (r.StepCPU.Seconds() / r.FLOPs.Training) / (r.MatMulCPU.Seconds() / r.MatMulFLOPs)
}

// Run times AdamW training steps of the network Config(case.Channels) on backend b, each step the
// DyDiff loss (dydiff.Loss, η = 0.5, fixed data, steps, noise and context) with GoMLX's AdamW
// (learning rate 1e-4, weight decay 0.01), and in alternation with them the matmul reference of nets'
// benchmark for Batch·Frames images (convbench.NewMatMulReference): the three matmuls of a 3×3
// convolution training step with Channels channels at full resolution. The floor of a step is its
// training FLOPs (nets.VideoUNet.FLOPs) at the reference's rate.
func Run(b compute.Backend, opt Options) ([]Result, error) {
	if opt.MinTime <= 0 {
		opt.MinTime = 5 * time.Second
	}
	if opt.MinSteps <= 0 {
		opt.MinSteps = 5
	}
	if opt.Warmup <= 0 {
		opt.Warmup = 2
	}
	var results []Result
	for _, c := range opt.Cases {
		r, err := runCase(b, c, opt)
		if err != nil {
			return nil, fmt.Errorf("video-step case %v: %w", c, err)
		}
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, "  %-14s step %9.2f ms   matmul ref %7.2f ms (%6.1f GFLOP/s)   floor %8.2f ms   time/floor %5.2f   cpu/floor %5.2f\n",
				c, ms(r.Step), ms(r.MatMul), r.Rate()/1e9, ms(r.Floor()), r.Ratio(), r.CPURatio())
			if r.UNet != nil {
				fmt.Fprintf(opt.Log, "  %-14s 2D UNet step %9.2f ms   time/floor %5.2f   cpu/floor %5.2f\n", "", ms(r.UNet.Step), r.UNetRatio(), r.UNetCPURatio())
			}
		}
		results = append(results, r)
	}
	return results, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

func runCase(b compute.Backend, c Case, opt Options) (Result, error) {
	r := Result{Case: c}
	if c.Batch <= 0 || c.Frames <= 0 || c.Size <= 0 || c.Channels <= 0 {
		return r, fmt.Errorf("batch, frames, size and channels must be positive")
	}
	cfg := Config(c.Channels)
	cfg.UNet.Branches = opt.Branches
	v, err := nets.NewVideo(cfg)
	if err != nil {
		return r, err
	}
	r.Result.Case = netbench.Case{Batch: c.Batch * c.Frames, Size: c.Size, Channels: c.Channels}
	r.Params, r.FLOPs = v.NumParams(), v.FLOPs(c.Batch, c.Frames, c.Size, c.Size)
	step, err := NewStep(b, v, c)
	if err != nil {
		return r, err
	}
	defer step.Finalize()
	conv := convbench.Case{Batch: c.Batch * c.Frames, Size: c.Size, Channels: c.Channels}
	ref, err := convbench.NewMatMulReference(b, conv)
	if err != nil {
		return r, fmt.Errorf("matmul reference: %w", err)
	}
	defer ref.Finalize()
	r.MatMulFLOPs = conv.FLOPs()
	var cs, cm, cu []time.Duration
	runs := []func() (time.Duration, error){benchenv.WithCPUTime(ref.Run, &cm), benchenv.WithCPUTime(step.Run, &cs)}
	warm := []func() (time.Duration, error){step.Run}
	if opt.UNet {
		u, err := nets.New(netbench.Config(c.Channels))
		if err != nil {
			return r, err
		}
		r.UNet = &Control{FLOPs: u.FLOPs(c.Batch*c.Frames, c.Size, c.Size)}
		control, err := netbench.UNetTrainStep(b, u, c.Batch*c.Frames, c.Size, c.Size)
		if err != nil {
			return r, fmt.Errorf("2D control: %w", err)
		}
		defer control.Finalize()
		runs = append(runs, benchenv.WithCPUTime(control.Run, &cu))
		warm = append(warm, control.Run)
	}
	for _, run := range warm {
		for range opt.Warmup {
			if _, err := run(); err != nil {
				return r, err
			}
		}
	}
	if _, err := ref.Run(); err != nil {
		return r, err
	}
	medians, err := benchenv.Alternate(opt.MinSteps, opt.MinTime, runs...)
	if err != nil {
		return r, err
	}
	r.MatMul, r.Step, r.MatMulCPU, r.StepCPU = medians[0], medians[1], benchenv.Median(cm), benchenv.Median(cs)
	if r.UNet != nil {
		r.UNet.Step, r.UNet.CPU = medians[2], benchenv.Median(cu)
	}
	return r, nil
}

// Step is a compiled AdamW training step of a VideoUNet on fixed inputs, for benchmarks and profiles.
type Step struct {
	exec *model.Exec
	args []any
}

// NewStep builds the benchmark's training step (see Run) of v for case c. The first Run compiles it
// and initialises the variables.
func NewStep(b compute.Backend, v *nets.VideoUNet, c Case) (*Step, error) {
	s, err := dydiff.NewSchedule(0.5, dydiff.ScheduleOptions{})
	if err != nil {
		return nil, err
	}
	adamW := optimizer.Adam().LearningRate(1e-4).WeightDecay(0.01).Done()
	exec, err := model.NewExec(b, model.NewStore(), func(scope *model.Scope, x0, t, eps, ctx *Node) *Node {
		scope.SetTraining(x0.Graph(), true)
		loss := dydiff.Loss(scope, v.Apply, s, x0, t, eps, []*Node{ctx})
		adamW.UpdateGraph(scope, x0.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, err
	}
	B, L, C, S := c.Batch, c.Frames, v.Config().DataChannels, c.Size
	steps := make([]int32, B)
	for i := range steps {
		steps[i] = int32((137 * (i + 1)) % s.T())
	}
	fill := convbench.Tensor
	args := []any{fill(1, B, L, C, S, S), tensors.FromFlatDataAndDimensions(steps, B), fill(2, B, L, C, S, S), fill(3, B, c.context(), C, S, S)}
	return &Step{exec: exec, args: args}, nil
}

// Run executes one step and returns its wall time.
func (s *Step) Run() (time.Duration, error) {
	t0 := time.Now()
	outs, err := s.exec.Call(s.args...)
	d := time.Since(t0)
	for _, o := range outs {
		o.FinalizeAll()
	}
	return d, err
}

// Finalize releases the compiled step.
func (s *Step) Finalize() { s.exec.Finalize() }

// WriteTable writes one line per result: parameters, step time, FLOPs, matmul rate, floor,
// time/floor, the step's CPU time and cpu/floor (CPURatio); then, where timed, the 2D control's line.
func WriteTable(w io.Writer, results []Result) error {
	if _, err := fmt.Fprintf(w, "%-15s %8s %10s %11s %12s %11s %11s %11s %10s\n",
		"B×L×S²×C", "params", "step", "GFLOP/step", "matmul rate", "floor", "time/floor", "step CPU", "cpu/floor"); err != nil {
		return err
	}
	for _, r := range results {
		if _, err := fmt.Fprintf(w, "%-15s %7.2fM %7.1f ms %11.2f %7.1f GF/s %8.1f ms %10.2f× %8.1f ms %9.2f×\n",
			r.Case, float64(r.Params)/1e6, ms(r.Step), r.FLOPs.Training/1e9, r.Rate()/1e9, ms(r.Floor()), r.Ratio(),
			ms(r.StepCPU), r.CPURatio()); err != nil {
			return err
		}
		if u := r.UNet; u != nil {
			if _, err := fmt.Fprintf(w, "%-15s %8s %7.1f ms %11.2f %12s %8.1f ms %10.2f× %8.1f ms %9.2f×\n",
				"  2D UNet", "", ms(u.Step), u.FLOPs.Training/1e9, "", u.FLOPs.Training/r.Rate()*1e3, r.UNetRatio(),
				ms(u.CPU), r.UNetCPURatio()); err != nil {
				return err
			}
		}
	}
	return nil
}
