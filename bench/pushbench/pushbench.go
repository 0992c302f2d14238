// Package pushbench compares action-conditioned video forecasts on robot-pushing videos (tidal bench
// video; docs/VIDEO.md): Dynamical Diffusion (η 0.5) and the ordinary diffusion baseline DPM (η 0),
// trained with the same steps, batch, seed and actions, each with a UNet in pixel space, with the same
// UNet in the latent space of a per-frame VAE (latent diffusion, Rombach et al. 2022, the forecasts
// decoded back into frames), and with a diffusion transformer (DiT, Peebles & Xie 2023) of about the
// UNet's parameter count, beside copy-last-frame persistence, scored per predicted frame with PSNR and
// SSIM under the protocols of Guo et al. 2025 §5: BAIR (1 observed frame, 15 predicted) and RoboNet (2
// observed, 10 predicted). The videos are generated (sim/pushing) from a seed unless a video file is
// given.
package pushbench

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/latent"
	"github.com/tidal-forecast/tidal/metrics"
	"github.com/tidal-forecast/tidal/sim/pushing"
)

// Protocol is a video prediction setting: Context observed frames, Predict predicted.
type Protocol struct {
	Name    string `json:"name"`
	Context int    `json:"context"`
	Predict int    `json:"predict"`
}

// ModelNames are the models Run can train, in the table's order: DyDiff (η 0.5) and DPM (η 0) with a
// UNet on the frames, with the same UNet on the VAE's latents ("-latent"), and with a DiT ("-dit").
var ModelNames = []string{"dydiff", "dpm", "dydiff-latent", "dpm-latent", "dydiff-dit", "dpm-dit"}

// ParseModels reads a comma-separated list of ModelNames ("all": every one) and returns it in the
// table's order, refusing unknown, repeated and empty names.
func ParseModels(list string) ([]string, error) {
	if strings.TrimSpace(list) == "all" {
		return slices.Clone(ModelNames), nil
	}
	seen := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		switch {
		case !slices.Contains(ModelNames, n):
			return nil, fmt.Errorf("model %q in %q: expected a comma-separated list of %s, or all", n, list, strings.Join(ModelNames, ", "))
		case seen[n]:
			return nil, fmt.Errorf("model %q named twice in %q", n, list)
		}
		seen[n] = true
	}
	var out []string
	for _, n := range ModelNames {
		if seen[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// row is how a model of ModelNames is made: its η, whether it works on the VAE's latents, its network.
type row struct {
	name   string
	eta    float64
	latent bool
	net    string
}

func rowOf(name string) row {
	r := row{name: name, net: "unet", latent: strings.HasSuffix(name, "-latent")}
	if strings.HasPrefix(name, "dydiff") {
		r.eta = 0.5
	}
	if strings.HasSuffix(name, "-dit") {
		r.net = "dit"
	}
	return r
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
	// Models are the models to train and score (ModelNames; nil: all of them); persistence is always
	// scored.
	Models []string
	// VAE sizes the latent rows' autoencoder, trained once for both; DiT sizes the "-dit" rows' network
	// (its zeros take nets.DiT's defaults).
	VAE VAEOptions
	DiT dymodel.DiTConfig
	// Dir holds the runs (one folder per model, and vae/; a rerun resumes them).
	Dir     string
	Backend compute.Backend
	Log     io.Writer
}

// Quick is a setting of a few minutes on a CPU: 16² videos, 64 to train, 8 to test, 300 steps of a
// small UNet (width 16, about 180k parameters) and of a DiT of about its size (hidden 32, depth 6,
// patch 4), a VAE of 400 steps with 4×8×8 latents, 2 members.
func Quick(p Protocol) Options {
	return Options{Protocol: p, TrainVideos: 64, TestVideos: 8, Size: 16, Objects: 1, Seed: 1, Steps: 300, Batch: 8,
		Channels: 16, Mults: []int{1, 2}, PMean: 0.8, Members: 2, SamplerSteps: 10,
		VAE: VAEOptions{LatentChannels: 4, Channels: 16, Mults: []int{1, 2}, Steps: 400, Batch: 16},
		DiT: dymodel.DiTConfig{Hidden: 32, Depth: 6, Patch: 4}}
}

// Default is the full setting: 64² videos, 256 to train, 32 to test, 2000 steps of a UNet of width 32
// (about 1.0M parameters) and a DiT of hidden 96 and depth 4 (about 1.0M), a VAE of 2000 steps with
// 4×16×16 latents, 4 members.
func Default(p Protocol) Options {
	return Options{Protocol: p, TrainVideos: 256, TestVideos: 32, Size: 64, Objects: 3, Seed: 1, Steps: 2000, Batch: 16,
		Channels: 32, Mults: []int{1, 2, 2}, PMean: 0.8, Members: 4, SamplerSteps: 10,
		VAE: VAEOptions{LatentChannels: 4, Channels: 32, Mults: []int{1, 2, 4}, Steps: 2000, Batch: 16},
		DiT: dymodel.DiTConfig{Hidden: 96, Depth: 4, Patch: 4}}
}

// Score is one method's scores: per predicted frame, the mean over test videos and members of each
// member's PSNR (dB, data range 1) and SSIM (the mean over the colour channels) against the truth, and
// their means over the frames; Params is the model's number of trainable parameters (0 for
// persistence).
type Score struct {
	Method   string    `json:"method"`
	Params   int       `json:"params,omitempty"`
	PSNR     []float64 `json:"psnr"`
	SSIM     []float64 `json:"ssim"`
	MeanPSNR float64   `json:"mean_psnr"`
	MeanSSIM float64   `json:"mean_ssim"`
}

// Result is the benchmark's outcome; VAE is set when a latent model ran.
type Result struct {
	Protocol    Protocol    `json:"protocol"`
	TrainVideos int         `json:"train_videos"`
	Videos      int         `json:"test_videos"`
	Frame       []int       `json:"frame"`
	Seed        uint64      `json:"seed"`
	VAE         *VAESummary `json:"vae,omitempty"`
	Scores      []Score     `json:"scores"`
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
	for _, n := range o.Models {
		if !slices.Contains(ModelNames, n) {
			return fmt.Errorf("model %q: expected one of %s", n, strings.Join(ModelNames, ", "))
		}
	}
	if v := o.VAE; o.latent() && (v.LatentChannels < 1 || v.Channels < 1 || len(v.Mults) == 0 || v.Steps < 1 || v.Batch < 1) {
		return fmt.Errorf("VAE latent channels %d, channels %d, mults %v, steps %d, batch %d: expected all ≥ 1 for the latent models",
			v.LatentChannels, v.Channels, v.Mults, v.Steps, v.Batch)
	}
	return nil
}

// models are the models to run, in the table's order.
func (o Options) models() []string {
	if len(o.Models) == 0 {
		return ModelNames
	}
	return o.Models
}

// latent says whether a latent model runs (and so the VAE trains).
func (o Options) latent() bool {
	for _, n := range o.models() {
		if rowOf(n).latent {
			return true
		}
	}
	return false
}

// modelConfig is the configuration of model r on frames [C, H, W]: the UNet (or the DiT) of the
// options, η by the model; the actions are set by dymodel.Train from the data.
func (o Options) modelConfig(r row, frame []int) dymodel.Config {
	c := dymodel.DefaultConfig()
	c.Frame = append([]int(nil), frame...)
	c.Context, c.Predict, c.Eta = o.Protocol.Context, o.Protocol.Predict, r.eta
	c.UNet.Channels, c.UNet.Mults, c.UNet.Blocks, c.UNet.Periodic = o.Channels, o.Mults, 1, false
	c.UNet.Groups = min(c.UNet.Groups, o.Channels/2)
	c.EDM.PMean = o.PMean
	if r.net == "dit" {
		c.Net = "dit"
		d := o.DiT
		c.DiT = &d
	}
	return c
}

// checkModels builds every model (and the VAE) for frames [C, H, W] with actions of A components, so
// that a size that does not fit fails before anything trains.
func (o Options) checkModels(frame []int, A int) error {
	lf := frame
	if o.latent() {
		if err := o.VAE.checkVAE(frame); err != nil {
			return err
		}
		lf = o.VAE.vaeConfig(frame).LatentFrame()
	}
	for _, n := range o.models() {
		r := rowOf(n)
		f := frame
		if r.latent {
			f = lf
		}
		c := o.modelConfig(r, f)
		if A > 0 {
			c.Actions, c.ActionScale = A, slices.Repeat([]float64{1}, A)
		}
		if _, err := dymodel.New(c); err != nil {
			return fmt.Errorf("%s on frames %v: %w", n, f, err)
		}
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

// Run generates (or splits) the videos, trains the VAE when a latent model runs, trains every model,
// forecasts every test video from its first Context frames under its own actions, and scores the
// forecasts and persistence.
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
	A := 0
	if trA != nil {
		A = trA.Shape[len(trA.Shape)-1]
	}
	if err := o.checkModels(frame, A); err != nil {
		return nil, fmt.Errorf("pushbench: %w", err)
	}
	res := &Result{Protocol: p, TrainVideos: tr.Shape[0], Videos: te.Shape[0], Frame: frame, Seed: o.Seed}
	truth := futureFrames(te, p)
	var lat *latentData
	if o.latent() {
		if lat, err = o.prepareLatent(ctx, tr, te); err != nil {
			return nil, err
		}
		defer lat.vae.Close()
		res.VAE = &lat.summary
	}
	for _, n := range o.models() {
		s, err := o.runModel(ctx, rowOf(n), tr, te, trA, teA, truth, lat)
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

// latentData is the trained VAE, its summary and the training videos' latents.
type latentData struct {
	vae     *latent.VAE
	summary VAESummary
	train   *data.Array
}

// prepareLatent trains the VAE and encodes the training videos.
func (o Options) prepareLatent(ctx context.Context, tr, te *data.Array) (*latentData, error) {
	v, err := o.trainVAE(ctx, tr, te)
	if err != nil {
		return nil, err
	}
	z, err := encodeVideos(ctx, v, tr, o.Seed)
	if err != nil {
		v.Close()
		return nil, err
	}
	return &latentData{vae: v, train: z, summary: VAESummary{Params: v.Model.NumParams(), LatentFrame: v.LatentFrame(), Record: v.Record}}, nil
}

// runModel trains model r (in Dir/<name>; a rerun resumes it), forecasts the test videos and scores
// the forecasts; a latent model trains on lat's latents and its forecasts are decoded into frames.
func (o Options) runModel(ctx context.Context, r row, tr, te, trA, teA *data.Array, truth []float32, lat *latentData) (Score, error) {
	p := o.Protocol
	frame, trData := te.Shape[2:], tr
	if r.latent {
		frame, trData = lat.vae.LatentFrame(), lat.train
	}
	to := dymodel.DefaultTrainOptions()
	to.Steps, to.BatchSize, to.Seed = o.Steps, o.Batch, int64(o.Seed)
	to.LogEvery = min(50, o.Steps)
	to.CheckpointEvery = o.Steps
	if o.Log != nil {
		fmt.Fprintf(o.Log, "bench video %s: training %s (η %g, %s) on %d videos\n", p.Name, r.name, r.eta, r.net, tr.Shape[0])
	}
	tm, err := dymodel.Train(ctx, dymodel.TrainSpec{Data: trData, Actions: trA, Config: o.modelConfig(r, frame), Options: to,
		Dir: filepath.Join(o.Dir, r.name), Backend: o.Backend, Log: o.Log})
	if err != nil {
		return Score{}, fmt.Errorf("pushbench: %s: %w", r.name, err)
	}
	defer tm.Close()
	fo := dymodel.ForecastOptions{Members: o.Members, Lead: p.Predict, Seed: o.Seed, Sampler: dymodel.SamplerOptions{Steps: o.SamplerSteps}, Actions: teA}
	var fc *dymodel.Forecast
	if r.latent {
		fc, err = forecastLatent(ctx, lat.vae, tm, te, p, fo)
	} else {
		fc, err = tm.Forecast(ctx, te, fo)
	}
	if err != nil {
		return Score{}, fmt.Errorf("pushbench: %s: %w", r.name, err)
	}
	if want := append([]int{te.Shape[0], o.Members, p.Predict}, te.Shape[2:]...); !slices.Equal(fc.Ensemble.Shape, want) {
		return Score{}, fmt.Errorf("pushbench: %s: forecast of shape %v, expected %v", r.name, fc.Ensemble.Shape, want)
	}
	s, err := score(r.name, fc.Ensemble.Float32(), truth, te.Shape[0], o.Members, p.Predict, te.Shape[2:])
	s.Params = tm.Model.NumParams()
	return s, err
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
	var params []string
	width := 14
	for _, s := range r.Scores {
		width = max(width, len(s.Method)+5)
		if s.Params > 0 {
			params = append(params, fmt.Sprintf("%s %d", s.Method, s.Params))
		}
	}
	if len(params) > 0 {
		fmt.Fprintf(w, "parameters: %s\n", strings.Join(params, ", "))
	}
	if v := r.VAE; v != nil {
		fmt.Fprintf(w, "VAE: %d parameters, frames %v → latents %v (scale %.4g), held-out reconstruction PSNR %.2f dB over the %d test-video frames (each channel's mean: %.2f dB)\n",
			v.Params, r.Frame, v.LatentFrame, v.Record.Scale, v.Record.PSNR, v.Record.HeldOut, v.Record.MeanPSNR)
	}
	fmt.Fprintf(w, "%-6s", "frame")
	for _, s := range r.Scores {
		fmt.Fprintf(w, " %*s", width, s.Method+" PSNR")
	}
	for _, s := range r.Scores {
		fmt.Fprintf(w, " %*s", width, s.Method+" SSIM")
	}
	fmt.Fprintln(w)
	row := func(label string, psnr, ssim func(Score) float64) {
		fmt.Fprintf(w, "%-6s", label)
		for _, s := range r.Scores {
			fmt.Fprintf(w, " %*.2f", width, psnr(s))
		}
		for _, s := range r.Scores {
			fmt.Fprintf(w, " %*.4f", width, ssim(s))
		}
		fmt.Fprintln(w)
	}
	for l := range p.Predict {
		row(fmt.Sprint(p.Context+l+1), func(s Score) float64 { return s.PSNR[l] }, func(s Score) float64 { return s.SSIM[l] })
	}
	row("mean", func(s Score) float64 { return s.MeanPSNR }, func(s Score) float64 { return s.MeanSSIM })
}
