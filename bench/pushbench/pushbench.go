// Package pushbench compares action-conditioned video forecasts on robot-pushing videos (tidal bench
// video; docs/VIDEO.md): Dynamical Diffusion (η 0.5) and the ordinary diffusion baseline DPM (η 0),
// trained with the same network, steps and seed, beside copy-last-frame persistence, scored per
// predicted frame with PSNR and SSIM under the protocols of Guo et al. 2025 §5: BAIR (1 observed frame,
// 15 predicted) and RoboNet (2 observed, 10 predicted). The videos are generated (sim/pushing) from a
// seed unless a video file is given.
package pushbench

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/metrics"
	"github.com/tidal-forecast/tidal/sim/pushing"
)

// Protocol is a video prediction setting: Context observed frames, Predict predicted.
type Protocol struct {
	Name             string
	Context, Predict int
}

// Protocols are the named settings of the paper's video experiments (Guo et al. 2025 §5).
var Protocols = map[string]Protocol{
	"bair":    {Name: "bair", Context: 1, Predict: 15},
	"robonet": {Name: "robonet", Context: 2, Predict: 10},
}

// ParseProtocol returns the named protocol.
func ParseProtocol(name string) (Protocol, error) {
	p, ok := Protocols[name]
	if !ok {
		names := make([]string, 0, len(Protocols))
		for n := range Protocols {
			names = append(names, n)
		}
		sort.Strings(names)
		return Protocol{}, fmt.Errorf("protocol %q: expected one of %s", name, strings.Join(names, ", "))
	}
	return p, nil
}

// Options size the benchmark.
type Options struct {
	Protocol Protocol
	// Data, when set, are the videos (frames [videos, T, C, H, W] in [0, 1] and their actions): the
	// last TestVideos are the test set, the others train. Otherwise TrainVideos + TestVideos videos of
	// Context + Predict frames of Size² pixels with Objects objects are generated from Seed.
	Data                    *dataset.Videos
	TrainVideos, TestVideos int
	Size, Objects           int
	// Seed fixes the generated videos, the models' initial weights and windows, and the sampling noise.
	Seed uint64
	// The models: Steps AdamW steps of Batch windows, a UNet of Channels base channels with the level
	// multipliers Mults; EDM's training noise levels ln σ ~ N(PMean, 1.2²); Members members per test
	// video sampled with SamplerSteps Heun steps.
	Steps, Batch, Channels int
	Mults                  []int
	PMean                  float64
	Members, SamplerSteps  int
	// Dir holds the runs (dydiff/ and dpm/; a rerun resumes them).
	Dir     string
	Backend compute.Backend
	Log     io.Writer
}

// Quick is a setting of a few minutes on a CPU: 16² videos, 64 to train, 8 to test, 300 steps of a
// small UNet, 2 members.
func Quick(p Protocol) Options {
	return Options{Protocol: p, TrainVideos: 64, TestVideos: 8, Size: 16, Objects: 1, Seed: 1, Steps: 300, Batch: 8,
		Channels: 16, Mults: []int{1, 2}, PMean: 0.8, Members: 2, SamplerSteps: 10}
}

// Default is the full setting: 64² videos, 256 to train, 32 to test, 2000 steps, 4 members.
func Default(p Protocol) Options {
	return Options{Protocol: p, TrainVideos: 256, TestVideos: 32, Size: 64, Objects: 3, Seed: 1, Steps: 2000, Batch: 16,
		Channels: 32, Mults: []int{1, 2, 2}, PMean: 0.8, Members: 4, SamplerSteps: 10}
}

// Score is one method's scores: per predicted frame, the mean over test videos and members of each
// member's PSNR (dB, data range 1) and SSIM (the mean over the colour channels) against the truth, and
// their means over the frames.
type Score struct {
	Method             string
	PSNR, SSIM         []float64
	MeanPSNR, MeanSSIM float64
}

// Result is the benchmark's outcome.
type Result struct {
	Protocol            Protocol
	TrainVideos, Videos int
	Frame               []int
	Scores              []Score
}

// Validate names the first bad option.
func (o Options) Validate() error {
	p := o.Protocol
	switch {
	case p.Context < 1 || p.Predict < 1:
		return fmt.Errorf("protocol %+v: expected at least one observed and one predicted frame", p)
	case o.TestVideos < 1:
		return fmt.Errorf("test videos %d: expected ≥ 1", o.TestVideos)
	case o.Data == nil && o.TrainVideos < 1:
		return fmt.Errorf("train videos %d: expected ≥ 1", o.TrainVideos)
	case o.Data == nil && (o.Size < 11 || o.Size > 1024):
		return fmt.Errorf("size %d: expected 11 (SSIM's window) to 1024 pixels", o.Size)
	case o.Steps < 1 || o.Batch < 1 || o.Channels < 4 || len(o.Mults) == 0 || o.Members < 1 || o.SamplerSteps < 1:
		return fmt.Errorf("steps %d, batch %d, channels %d, mults %v, members %d, sampler steps %d: expected all ≥ 1 (channels ≥ 4)",
			o.Steps, o.Batch, o.Channels, o.Mults, o.Members, o.SamplerSteps)
	case math.IsNaN(o.PMean) || math.IsInf(o.PMean, 0):
		return fmt.Errorf("p-mean %v: expected a finite number", o.PMean)
	case o.Dir == "":
		return fmt.Errorf("no working folder (Dir)")
	}
	return nil
}

// split returns the training and test videos and their actions (nil without).
func (o Options) split() (tr, te, trA, teA *data.Array, err error) {
	p := o.Protocol
	L := p.Context + p.Predict
	if o.Data == nil {
		gen := func(n int, seed uint64) (*data.Array, *data.Array, error) {
			v, err := pushing.Generate(pushing.Options{Videos: n, Frames: L, Size: o.Size, Objects: o.Objects, Seed: seed})
			if err != nil {
				return nil, nil, err
			}
			return data.FromFloat32(pushing.CHW(v.Frames, n*L, o.Size), n, L, 3, o.Size, o.Size), data.FromFloat32(v.Actions, v.ActionShape...), nil
		}
		if tr, trA, err = gen(o.TrainVideos, o.Seed); err != nil {
			return
		}
		te, teA, err = gen(o.TestVideos, o.Seed^0x5eed7e57) // another stream: test videos the models never saw
		return
	}
	f := o.Data.Frames
	V, T := f.Shape[0], f.Shape[1]
	if T < L {
		return nil, nil, nil, nil, fmt.Errorf("videos of %d frames, fewer than the %s protocol's %d + %d", T, p.Name, p.Context, p.Predict)
	}
	if V <= o.TestVideos {
		return nil, nil, nil, nil, fmt.Errorf("%d videos: expected more than the %d test videos (the others train)", V, o.TestVideos)
	}
	cut := func(a *data.Array, from, to int) *data.Array {
		per := data.NumElements(a.Shape[1:])
		return data.FromFloat32(a.Float32()[from*per:to*per], append([]int{to - from}, a.Shape[1:]...)...)
	}
	tr, te = cut(f, 0, V-o.TestVideos), cut(f, V-o.TestVideos, V)
	if a := o.Data.Actions; a != nil {
		trA, teA = cut(a, 0, V-o.TestVideos), cut(a, V-o.TestVideos, V)
	}
	return
}

// Run generates (or splits) the videos, trains both models, forecasts every test video from its first
// Context frames under its own actions, and scores the forecasts and persistence.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("pushbench: %w", err)
	}
	p := o.Protocol
	tr, te, trA, teA, err := o.split()
	if err != nil {
		return nil, fmt.Errorf("pushbench: %w", err)
	}
	frame := te.Shape[2:]
	res := &Result{Protocol: p, TrainVideos: tr.Shape[0], Videos: te.Shape[0], Frame: frame}
	truth := futureFrames(te, p)
	for _, m := range []struct {
		name string
		eta  float64
	}{{"dydiff", 0.5}, {"dpm", 0}} {
		c := dymodel.DefaultConfig()
		c.Context, c.Predict, c.Eta = p.Context, p.Predict, m.eta
		c.UNet.Channels, c.UNet.Mults, c.UNet.Blocks, c.UNet.Periodic = o.Channels, o.Mults, 1, false
		c.UNet.Groups = min(c.UNet.Groups, o.Channels/2)
		c.EDM.PMean = o.PMean
		to := dymodel.DefaultTrainOptions()
		to.Steps, to.BatchSize, to.Seed = o.Steps, o.Batch, int64(o.Seed)
		to.LogEvery = min(50, o.Steps)
		to.CheckpointEvery = o.Steps
		if o.Log != nil {
			fmt.Fprintf(o.Log, "bench video %s: training %s (η %g) on %d videos\n", p.Name, m.name, m.eta, tr.Shape[0])
		}
		tm, err := dymodel.Train(ctx, dymodel.TrainSpec{Data: tr, Actions: trA, Config: c, Options: to,
			Dir: filepath.Join(o.Dir, m.name), Backend: o.Backend, Log: o.Log})
		if err != nil {
			return nil, fmt.Errorf("pushbench: %s: %w", m.name, err)
		}
		fc, err := tm.Forecast(ctx, te, dymodel.ForecastOptions{Members: o.Members, Lead: p.Predict, Seed: o.Seed,
			Sampler: dymodel.SamplerOptions{Steps: o.SamplerSteps}, Actions: teA})
		tm.Close()
		if err != nil {
			return nil, fmt.Errorf("pushbench: %s: %w", m.name, err)
		}
		s, err := score(m.name, fc.Ensemble.Float32(), truth, te.Shape[0], o.Members, p.Predict, frame)
		if err != nil {
			return nil, err
		}
		res.Scores = append(res.Scores, s)
	}
	s, err := score("persistence", persistence(te, p), truth, te.Shape[0], 1, p.Predict, frame)
	if err != nil {
		return nil, err
	}
	res.Scores = append(res.Scores, s)
	return res, nil
}

// futureFrames are the predicted frames of every test video, [videos, Predict, frame...].
func futureFrames(te *data.Array, p Protocol) []float32 {
	V, T, F := te.Shape[0], te.Shape[1], data.NumElements(te.Shape[2:])
	v := te.Float32()
	out := make([]float32, 0, V*p.Predict*F)
	for i := range V {
		out = append(out, v[(i*T+p.Context)*F:(i*T+p.Context+p.Predict)*F]...)
	}
	return out
}

// persistence repeats every test video's last observed frame over the predicted ones, [videos, 1,
// Predict, frame...].
func persistence(te *data.Array, p Protocol) []float32 {
	V, T, F := te.Shape[0], te.Shape[1], data.NumElements(te.Shape[2:])
	v := te.Float32()
	out := make([]float32, 0, V*p.Predict*F)
	for i := range V {
		last := v[(i*T+p.Context-1)*F : (i*T+p.Context)*F]
		for range p.Predict {
			out = append(out, last...)
		}
	}
	return out
}

// score scores forecasts [videos, members, lead, C, H, W] against truth [videos, lead, C, H, W]:
// per lead, the mean over videos and members of PSNR and of SSIM (averaged over the channels), with the
// forecasts clipped to the data's range [0, 1].
func score(name string, fc, truth []float32, videos, members, lead int, frame []int) (Score, error) {
	C, H, W := frame[0], frame[1], frame[2]
	P := H * W
	F := C * P
	s := Score{Method: name, PSNR: make([]float64, lead), SSIM: make([]float64, lead)}
	x, y := make([]float64, F), make([]float64, F)
	for v := range videos {
		for m := range members {
			for l := range lead {
				f := fc[((v*members+m)*lead+l)*F:]
				t := truth[(v*lead+l)*F:]
				for i := range F {
					x[i], y[i] = math.Min(1, math.Max(0, float64(f[i]))), float64(t[i])
				}
				psnr := metrics.PSNR(x, y, 1)
				if math.IsInf(psnr, 1) {
					psnr = 100 // identical frames: PSNR caps where float32 rounding would put it
				}
				s.PSNR[l] += psnr
				for c := range C {
					q, err := metrics.SSIM(x[c*P:(c+1)*P], y[c*P:(c+1)*P], H, W, 1)
					if err != nil {
						return s, fmt.Errorf("pushbench: %w", err)
					}
					s.SSIM[l] += q / float64(C)
				}
			}
		}
	}
	n := float64(videos * members)
	for l := range lead {
		s.PSNR[l] /= n
		s.SSIM[l] /= n
		s.MeanPSNR += s.PSNR[l] / float64(lead)
		s.MeanSSIM += s.SSIM[l] / float64(lead)
	}
	return s, nil
}

// Table prints the per-frame and mean scores, one row per predicted frame.
func (r *Result) Table(w io.Writer) {
	p := r.Protocol
	fmt.Fprintf(w, "video prediction, protocol %s (%d observed → %d predicted), %d training and %d test videos of %v\n",
		p.Name, p.Context, p.Predict, r.TrainVideos, r.Videos, r.Frame)
	fmt.Fprintf(w, "%-6s", "frame")
	for _, s := range r.Scores {
		fmt.Fprintf(w, " %14s", s.Method+" PSNR")
	}
	for _, s := range r.Scores {
		fmt.Fprintf(w, " %14s", s.Method+" SSIM")
	}
	fmt.Fprintln(w)
	row := func(label string, psnr, ssim func(Score) float64) {
		fmt.Fprintf(w, "%-6s", label)
		for _, s := range r.Scores {
			fmt.Fprintf(w, " %14.2f", psnr(s))
		}
		for _, s := range r.Scores {
			fmt.Fprintf(w, " %14.4f", ssim(s))
		}
		fmt.Fprintln(w)
	}
	for l := range p.Predict {
		row(fmt.Sprint(p.Context+l+1), func(s Score) float64 { return s.PSNR[l] }, func(s Score) float64 { return s.SSIM[l] })
	}
	row("mean", func(s Score) float64 { return s.MeanPSNR }, func(s Score) float64 { return s.MeanSSIM })
}
