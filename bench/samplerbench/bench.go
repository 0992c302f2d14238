// Package samplerbench times tidal's samplers with the UNet against the network's forward pass alone,
// measured in the same run (`tidal bench sampler`; figures in docs/PERFORMANCE.md): the cost a sampler
// adds to its network evaluations (the step maths, the host-drawn noise, the per-step call, reading the
// variables live), and its first-call compilation time.
package samplerbench

import (
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/diffusion"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/edm"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/noise"
)

// Samplers the benchmark knows.
const (
	// DDIM is DyDiff in the reference form (dydiff.EpsDenoiser) with diffusion's DDIM on the reference's
	// τ grid, on [B, 3 frames, 1, S, S] windows with 2 context frames: `tidal forecast --sampler ddim`.
	DDIM = "ddim"
	// DyDiffHeun is DyDiff in EDM form (dydiff.EDMDenoiser, η 0.5) with diffusion's deterministic Heun on
	// the same windows: `tidal forecast`'s default.
	DyDiffHeun = "dydiff-heun"
	// DPMSolver is DyDiffHeun's model with DPM-Solver++(2M).
	DPMSolver = "dpmpp"
	// Heun is the image model's Heun with churn (Hess et al.'s settings) on [B, 2, S, S] fields with 1
	// conditioning channel.
	Heun = "heun"
)

// Case is one measurement: a sampler with Steps steps on Batch samples of Size² pixels, with a UNet of
// Channels base channels (levels 1, 2, 2; 2 blocks per level).
type Case struct {
	Sampler                      string
	Batch, Size, Channels, Steps int
}

// String names the case as the table prints it: "ddim 8×32²×32, 10 steps".
func (c Case) String() string {
	return fmt.Sprintf("%s %d×%d²×%d, %d steps", c.Sampler, c.Batch, c.Size, c.Channels, c.Steps)
}

// Result holds a case's timings, each the median of the alternated runs.
type Result struct {
	Case
	// Evals is the number of network evaluations per sample (DDIM: Steps; Heun: 2·Steps − 1).
	Evals int
	// FirstCall is the first Sample, compilation included; Sample a later one.
	FirstCall, Sample time.Duration
	// SampleCPU and ForwardCPU are the process's CPU time (user + system, all threads) of a Sample and of
	// a Forward: steadier than wall time on a machine shared with other jobs.
	SampleCPU, ForwardCPU time.Duration
	// Forward is one UNet forward pass on the sampler's batch in its own executable, with the variables
	// embedded as constants (GoMLX's default on the Go backend); ForwardLive reads them as parameters, as
	// the samplers do.
	Forward, ForwardLive time.Duration
}

// PerEval is the sample's time per network evaluation.
func (r Result) PerEval() time.Duration { return r.Sample / time.Duration(r.Evals) }

// Ratio is the sample's time per network evaluation over Forward: the sampler's overhead factor.
func (r Result) Ratio() float64 { return r.PerEval().Seconds() / r.Forward.Seconds() }

// CPURatio is Ratio in CPU time: the work a sample does per network evaluation over a forward pass's.
func (r Result) CPURatio() float64 {
	return r.SampleCPU.Seconds() / float64(r.Evals) / r.ForwardCPU.Seconds()
}

// Compile is the first call's time beyond a later call's: the compilation, about.
func (r Result) Compile() time.Duration { return max(r.FirstCall-r.Sample, 0) }

// Run measures each case, alternating sampler calls and forward passes for at least minTime (and 3
// rounds) per case. log, if not nil, gets one line per case as it starts.
func Run(b compute.Backend, cases []Case, minTime time.Duration, log io.Writer) ([]Result, error) {
	var out []Result
	for _, c := range cases {
		if log != nil {
			fmt.Fprintf(log, "timing %s\n", c)
		}
		r, err := run(b, c, minTime)
		if err != nil {
			return out, fmt.Errorf("%s: %w", c, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// setup is one case's network, inputs and sampler call.
type setup struct {
	net    func(scope *model.Scope, x, level *Node, cond []*Node) *Node
	x      *tensors.Tensor   // the sampler's initial noise
	cond   []*tensors.Tensor // per case (one member per case here)
	level  float64           // a noise level to feed the forward pass
	evals  int
	sample func(seed uint64) (*tensors.Tensor, error)
	close  func()
}

func newSetup(b compute.Backend, scope *model.Scope, c Case) (*setup, error) {
	if c.Batch <= 0 || c.Size <= 0 || c.Channels <= 0 || c.Steps <= 0 {
		return nil, fmt.Errorf("batch, size, channels and steps must be positive")
	}
	s := &setup{}
	var frames, condCh int
	window := c.Sampler == DDIM || c.Sampler == DyDiffHeun || c.Sampler == DPMSolver
	switch {
	case window:
		frames, condCh = 3, 2
	case c.Sampler == Heun:
		frames, condCh = 2, 1
	default:
		return nil, fmt.Errorf("unknown sampler %q (want %s, %s, %s or %s)", c.Sampler, DDIM, DyDiffHeun, DPMSolver, Heun)
	}
	u, err := nets.New(nets.Config{InChannels: frames + condCh, OutChannels: frames, Channels: c.Channels})
	if err != nil {
		return nil, err
	}
	s.net = u.Apply
	var x, ctx *tensors.Tensor
	switch {
	case window:
		x, err = noise.Initial(1, c.Batch, frames, 1, c.Size, c.Size)
		if err == nil {
			ctx, err = noise.Initial(2, c.Batch, condCh, 1, c.Size, c.Size)
		}
	default:
		x, err = noise.Initial(1, c.Batch, frames, c.Size, c.Size)
		if err == nil {
			ctx, err = noise.Initial(2, c.Batch, condCh, c.Size, c.Size)
		}
	}
	if err != nil {
		return nil, err
	}
	s.x, s.cond = x, []*tensors.Tensor{ctx}
	switch c.Sampler {
	case DDIM:
		sched, err := dydiff.NewSchedule(dydiff.DefaultEta, dydiff.ScheduleOptions{})
		if err != nil {
			return nil, err
		}
		d, err := dydiff.EpsDenoiser(u.Apply, sched)
		if err != nil {
			return nil, err
		}
		vp, err := diffusion.NewVP(sched.AlphaBars())
		if err != nil {
			return nil, err
		}
		sigmas, err := vp.DDIMSigmas(c.Steps)
		if err != nil {
			return nil, err
		}
		sm, err := diffusion.NewDDIM(diffusion.Denoiser{Backend: b, Scope: scope, D: d}, sigmas, diffusion.DDIMOptions{})
		if err != nil {
			return nil, err
		}
		s.level, s.evals, s.close = 500, c.Steps, sm.Close
		s.sample = func(seed uint64) (*tensors.Tensor, error) { return sm.Sample(s.x, s.cond, seed) }
	case DyDiffHeun, DPMSolver:
		d, err := dydiff.EDMDenoiser(u.Apply, dydiff.EDMOptions{Eta: dydiff.DefaultEta, SigmaData: 1})
		if err != nil {
			return nil, err
		}
		sigmas, err := diffusion.KarrasSigmas(diffusion.KarrasOptions{SigmaMin: 0.002, SigmaMax: 10, Rho: 7, Steps: c.Steps})
		if err != nil {
			return nil, err
		}
		den := diffusion.Denoiser{Backend: b, Scope: scope, D: d}
		var sm *diffusion.Sampler
		s.evals = c.Steps
		if c.Sampler == DyDiffHeun {
			sm, err = diffusion.NewHeun(den, sigmas, diffusion.HeunOptions{})
			s.evals = 2*c.Steps - 1
		} else {
			sm, err = diffusion.NewDPMSolver2M(den, sigmas, diffusion.DPMSolverOptions{})
		}
		if err != nil {
			return nil, err
		}
		s.level, s.close = 0.5*dydiff.NoiseScale/4, sm.Close
		s.sample = func(seed uint64) (*tensors.Tensor, error) { return sm.Sample(s.x, s.cond, seed) }
	default:
		g := edm.DefaultGridOptions()
		g.Steps = c.Steps
		sigmas, err := diffusion.KarrasSigmas(g)
		if err != nil {
			return nil, err
		}
		sm, err := diffusion.NewHeun(diffusion.Denoiser{Backend: b, Scope: scope, D: diffusion.Precondition(u.Apply, diffusion.DefaultSigmaData)},
			sigmas, diffusion.HeunOptions{Churn: 55, TMax: 1000, Noise: 1.005})
		if err != nil {
			return nil, err
		}
		s.net = diffusion.Net(u.Apply)
		s.level, s.evals, s.close = 0.25, 2*c.Steps-1, sm.Close
		s.sample = func(seed uint64) (*tensors.Tensor, error) { return sm.Sample(s.x, s.cond, seed) }
	}
	return s, nil
}

func run(b compute.Backend, c Case, minTime time.Duration) (Result, error) {
	r := Result{Case: c}
	scope := model.NewStore().RootScope()
	s, err := newSetup(b, scope, c)
	if err != nil {
		return r, err
	}
	defer s.close()
	r.Evals = s.evals
	t0 := time.Now()
	out, err := s.sample(0)
	if err != nil {
		return r, err
	}
	r.FirstCall = time.Since(t0)
	out.FinalizeAll()
	level := make([]float32, c.Batch)
	for i := range level {
		level[i] = float32(s.level)
	}
	levels := tensors.FromValue(level)
	forward := func(live bool) (*model.Exec, error) {
		return model.NewExec(b, scope.Store(), func(_ *model.Scope, x, t, ctx *Node) *Node {
			if live {
				diffusion.Live(scope, x.Graph())
			}
			return s.net(scope.ResetVisited(), x, t, []*Node{ctx})
		})
	}
	var execs [2]*model.Exec
	for i := range execs {
		if execs[i], err = forward(i == 1); err != nil {
			return r, err
		}
		defer execs[i].Finalize()
		if err := timeCall(execs[i], nil, s.x, levels, s.cond[0]); err != nil { // compile
			return r, err
		}
	}
	var ts, tf, tl, cs, cf []time.Duration
	start := time.Now()
	for seed := uint64(1); len(ts) < 3 || time.Since(start) < minTime; seed++ {
		t0, c0 := time.Now(), cpuTime()
		out, err := s.sample(seed)
		if err != nil {
			return r, err
		}
		ts, cs = append(ts, time.Since(t0)), append(cs, cpuTime()-c0)
		out.FinalizeAll()
		for range 2 {
			c0 := cpuTime()
			if err := timeCall(execs[0], &tf, s.x, levels, s.cond[0]); err != nil {
				return r, err
			}
			cf = append(cf, cpuTime()-c0)
			if err := timeCall(execs[1], &tl, s.x, levels, s.cond[0]); err != nil {
				return r, err
			}
		}
	}
	r.Sample, r.Forward, r.ForwardLive = benchenv.Median(ts), benchenv.Median(tf), benchenv.Median(tl)
	r.SampleCPU, r.ForwardCPU = benchenv.Median(cs), benchenv.Median(cf)
	return r, nil
}

// timeCall runs e once and appends its wall time to *dst (when dst is not nil).
func timeCall(e *model.Exec, dst *[]time.Duration, args ...any) error {
	t0 := time.Now()
	out, err := e.Call(args...)
	d := time.Since(t0)
	if err != nil {
		return err
	}
	for _, o := range out {
		o.FinalizeAll()
	}
	if dst != nil {
		*dst = append(*dst, d)
	}
	return nil
}

// cpuTime is the process's user + system CPU time so far (0 where the system does not say).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// WriteTable writes one line per result: the forward passes, the sample, its time per network
// evaluation, the ratio of that to the forward pass in wall and in CPU time, and the first call and
// compilation.
func WriteTable(w io.Writer, results []Result) error {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
	if _, err := fmt.Fprintf(w, "%-30s %6s %11s %11s %11s %11s %9s %9s %11s %11s\n",
		"case", "evals", "forward", "fwd live", "sample", "per eval", "eval/fwd", "cpu ratio", "first call", "compile"); err != nil {
		return err
	}
	for _, r := range results {
		if _, err := fmt.Fprintf(w, "%-30s %6d %8.1f ms %8.1f ms %8.1f ms %8.1f ms %8.3f× %8.3f× %8.0f ms %8.0f ms\n",
			r.Case, r.Evals, ms(r.Forward), ms(r.ForwardLive), ms(r.Sample), ms(r.PerEval()), r.Ratio(), r.CPURatio(),
			ms(r.FirstCall), ms(r.Compile())); err != nil {
			return err
		}
	}
	return nil
}
