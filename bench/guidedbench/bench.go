// Package guidedbench is `tidal bench guided`: the comparison of Hess et al. (2025, §4) on generated
// turbulence vorticity (sim/navierstokes). An image model (IDM), a discriminator and a video model (VDM)
// are trained with the same budget; the guided IDM, the unguided IDM and the VDM are rolled out from the
// same initial frames and scored with the paper's time-consistency metrics (ACF, Hovmöller W1,
// spatial-mean drift) and its forecast metrics (bias, CRPS, spread-skill ratio of ensemble forecasts);
// a sweep over the guidance strength λ follows. docs/GUIDED.md describes the protocol, docs/RESULTS.md
// records the runs.
package guidedbench

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guidance"
	"github.com/tidal-forecast/tidal/guided"
	"github.com/tidal-forecast/tidal/metrics"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/nn"
	"github.com/tidal-forecast/tidal/sim/navierstokes"
	"github.com/tidal-forecast/tidal/train"
)

// Options size the benchmark.
type Options struct {
	// Velocity makes every frame (ζ, u, v), three channels (navierstokes.DatasetOptions.Velocity), for
	// every model: the paper's open question 3, guidance of multi-channel fields. The rollout scores
	// (ACF, Hovmöller, drift, spectrum) stay on ζ; the forecast scores are given per channel
	// (Scores.Channels), the main ones on ζ.
	Velocity bool
	// Size is the grid side; Kf the forcing wavenumber; Frames the series length (the first TrainFraction
	// train, the rest is the test truth); SaveEvery the solver steps per frame.
	Size, Frames, SaveEvery int
	Kf, TrainFraction       float64
	// Steps, Batch, LR: the training budget, the same for the three models. Channels is the networks'
	// base width (the discriminator's too), Mults and Blocks their depth.
	Steps, Batch, Channels, Blocks int
	Mults                          []int
	LR                             float64
	// SamplerSteps is N of the Heun sampler (churn etc. as in Tab. 1); Lambda the guidance strength of
	// the main comparison and Lambdas the sweep.
	SamplerSteps int
	Lambda       float64
	Lambdas      []float64
	// VDMLambda, when > 0, adds the video model guided by the same discriminator at this strength
	// (guided VDM: the paper's open question 2; an exact VDM needs no guide, so its ideal λ is 0).
	VDMLambda float64
	// GuideSigmaMax, when > 0, guides only at σ ≤ GuideSigmaMax (guided.SamplerOptions).
	GuideSigmaMax float64
	// LambdaBands are guidance strengths per noise band (guided.LambdaBands, Hess et al. 2025, eq. 5
	// with λ a function of σ): each adds a row, the image model guided by the same discriminator at those
	// bands and scored as the guided model at Lambda is, and an ideal-guide table (Result.BandGuides).
	LambdaBands []guided.LambdaBands `json:",omitempty"`
	// FutureOnly trains the discriminator on negatives l ≥ 2 only (guidance.Offsets).
	FutureOnly bool
	// DiscSteps and DiscBatch, when > 0, give the discriminator a budget of its own; DiscPMean and
	// DiscPStd, when DiscPStd > 0, its training noise ln σ ~ N(DiscPMean, DiscPStd²) instead of the image
	// model's N(−1.2, 1.2²) (the paper's; docs/RESULTS.md measures N(0, 1.5²) on the demo's data).
	DiscSteps, DiscBatch int
	DiscPMean, DiscPStd  float64
	// DiscChannels, when > 0, is the discriminator's base width (its head is 4× as wide) instead of
	// the image models' Channels: the guide's size against the image model's (issue 24, item 3).
	DiscChannels int
	// DyDiff adds guided DyDiff (no published system has it) and DyDiff unguided: a DyDiff model
	// (η DyDiffEta, windows of the discriminator's two observed frames and DyDiffPredict predicted ones,
	// the same network, budget and data), sampled with DDIMSteps DDIM steps (0: 2·SamplerSteps, the
	// Heun sampler's network evaluations) clipping x̂₀ to ±ClipX0, guided by the same discriminator at λ.
	DyDiff bool
	// DyDiffParam is the DyDiff model's training form: "edm" (with the persistence anchor, sampled with
	// Heun at SamplerSteps: `train dydiff`'s defaults) or "ddpm" (the reference's ε form without anchor,
	// sampled with DDIMSteps DDIM steps clipping x̂₀ to ±ClipX0).
	DyDiffParam   string
	DyDiffEta     float64
	DyDiffPredict int
	// DyDiffContextNoise is the DyDiff model's context noise (dymodel.Config.ContextNoise; `train
	// dydiff`'s default, dymodel.DefaultContextNoise); the model is trained with the gradient norm
	// clipped to dymodel.DefaultClipGradNorm, as `train dydiff` trains fields.
	DyDiffContextNoise float64
	DDIMSteps          int
	ClipX0             float64
	// RolloutFrames is the long rollout's length, Members its trajectories; Cases × Members forecasts of
	// Lead frames score calibration.
	RolloutFrames, Members, Cases, ForecastMembers, Lead int
	Seed                                                 uint64
	// ProbeWindows held-out windows measure, at each noise level of ProbeSigmas, how far the
	// discriminator's guidance term at Lambda is from the ideal one, D_VDM − D_IDM (guided.IdealGuide);
	// 0 windows skip it.
	ProbeWindows int
	ProbeSigmas  []float64
	// Dir holds the data and the runs (a temporary folder when empty).
	Dir string
	Log io.Writer `json:"-"`
}

// DefaultProbeSigmas are the noise levels of the ideal-guide diagnostics: two per decade from 0.01 to
// 80 (EDM's σ_max), in the image model's normalised units.
func DefaultProbeSigmas() []float64 { return []float64{0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 80} }

// Quick is a few-minute setting on 2 CPU cores.
func Quick() Options {
	return Options{Size: 16, Kf: 3, Frames: 600, SaveEvery: 25, TrainFraction: 0.7, Steps: 400, Batch: 16, Channels: 16, Blocks: 1,
		Mults: []int{1, 2}, LR: 2e-3, SamplerSteps: 10, Lambda: 14, Lambdas: []float64{0, 14, 50, 150}, RolloutFrames: 150, Members: 2,
		Cases: 8, ForecastMembers: 8, Lead: 10, Seed: 1, DyDiff: true, DyDiffParam: dymodel.ParamEDM, DyDiffEta: 0.5, DyDiffPredict: 1, ClipX0: 3,
		DyDiffContextNoise: dymodel.DefaultContextNoise,
		ProbeWindows:       64, ProbeSigmas: DefaultProbeSigmas(), VDMLambda: 1}
}

// Full is the largest setting that finishes within about an hour on 2 idle CPU cores (docs/RESULTS.md
// records the run): 16² (the quick data's grid, k_f = 3), 2000 frames, networks of base width 32 trained
// 3000 steps, 10 Heun steps, 1000-frame rollouts, forecasts of 20 cases × 10 members, and a λ sweep
// {0, 14, 25}. At 32² the three image models' training alone took longer than the hour (3 steps/s).
func Full() Options {
	o := Quick()
	o.Frames, o.Steps, o.Channels = 2000, 3000, 32
	o.RolloutFrames, o.Cases, o.ForecastMembers, o.Lambdas = 1000, 20, 10, []float64{0, 14, 25}
	return o
}

// Scores are one model's results.
type Scores struct {
	Name string
	// ACF holds lags 0..9 of the long rollout; ACFError is mean |ACF − ACF_truth| over lags 1..9.
	ACF      []float64
	ACFError float64
	// HovW1 is the 1-D Wasserstein distance between the distributions of consecutive-row Hovmöller W1
	// values of the rollout and of the truth.
	HovW1 float64
	// Drift is the mean over the rollout's last quarter of its spatial mean minus the truth's, and
	// StdRatio the rollout's field std over its last quarter divided by the truth's, both stability
	// measures (a drifting or blowing-up model moves them away from 0 and 1).
	Drift, StdRatio float64
	// Bias is the mean absolute bias of the forecasts' ensemble mean, CRPS the mean CRPS, SSR the mean
	// spread-skill ratio, over the leads.
	Bias, CRPS, SSR float64
	Seconds         float64 // rollout time per frame and trajectory
	// SpectrumRatio is, per band of Result.SpectrumBands, the rollout's ζ power in the band over the
	// truth's (BandPower over every frame and member): 1 when the model's frames carry the truth's power
	// at those scales, below 1 when they are too smooth, above when too rough or blowing up.
	SpectrumRatio []float64 `json:",omitempty"`
	// Channels, for frames of several channels (Options.Velocity), are the scores per channel in
	// physical units; Scores' own ACF, Hovmöller, drift, std ratio, spectrum, bias, CRPS and SSR are
	// those of channel 0 (ζ).
	Channels []ChannelScores `json:",omitempty"`
}

// ChannelScores are one channel's stability and forecast scores, in that channel's physical units.
type ChannelScores struct {
	Name string
	// StdRatio is the rollout's std of this channel over its last quarter divided by the truth's.
	StdRatio float64
	// Bias, CRPS and SSR are as Scores' (means over the leads of the forecasts), on this channel alone.
	Bias, CRPS, SSR float64
}

// Result is one benchmark run.
type Result struct {
	Options     Options
	Truth       Scores
	Models      []Scores // guided, unguided, VDM, guided VDM (Options.VDMLambda), guided per Options.LambdaBands, then guided and unguided DyDiff (Options.DyDiff)
	Sweep       []Scores // per λ of Options.Lambdas (time-consistency metrics only)
	DiscAcc     float64
	TrainSecond [4]float64 // IDM, discriminator, VDM, DyDiff
	// Guide is the discriminator's guidance term at Options.Lambda against the ideal D_VDM − D_IDM, per
	// noise level of Options.ProbeSigmas, on held-out windows (guided.IdealGuide); over all channels,
	// in the image model's normalised units (each channel of unit variance).
	Guide []guided.GuideAgreement
	// BandGuides are the same diagnostics at each of Options.LambdaBands: the cosines are Guide's, the
	// norm ratios Guide's times λ(σ)/Lambda (the term is linear in λ; measured, not derived).
	BandGuides [][]guided.GuideAgreement `json:",omitempty"`
	// SpectrumBands are the wavenumber bands [lo, hi] of Scores.SpectrumRatio (Bands), and
	// TruthSpectrum the truth's ζ power per band (its share of the mean square ζ², BandPower).
	SpectrumBands [][2]int
	TruthSpectrum []float64
}

// Run trains the three models and scores them.
func Run(ctx context.Context, b compute.Backend, o Options) (*Result, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	log := o.Log
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "tidal-bench-guided-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	series, err := turbulence(o, filepath.Join(dir, "ns.npy"))
	if err != nil {
		return nil, err
	}
	T, C := series.Shape[0], series.Shape[1]
	P := o.Size * o.Size // values per channel
	F := C * P
	cut := int(float64(T) * o.TrainFraction)
	trainS := dataset.Series{Name: "train", Shape: []int{cut, C, o.Size, o.Size}, Data: series.Data[:cut*F]}
	test := series.Data[cut*F:]
	nTest := T - cut
	fmt.Fprintf(log, "turbulence %d² × %d frames of %v (%d train, %d test), every %d solver steps\n", o.Size, T, channelNames(C), cut, nTest, o.SaveEvery)
	res := &Result{Options: o, SpectrumBands: Bands(o.Size)}
	runs := map[string]string{}
	for i, kind := range []string{guided.KindIDM, guided.KindDiscriminator, guided.KindVDM} {
		t0 := time.Now()
		tr, err := guided.NewTrainer(spec(o, kind, trainS, filepath.Join(dir, kind), b))
		if err != nil {
			return nil, err
		}
		sum, err := tr.Run(ctx)
		if err != nil {
			return nil, fmt.Errorf("training the %s: %w", kind, err)
		}
		res.TrainSecond[i] = time.Since(t0).Seconds()
		runs[kind] = tr.Job.Dir
		fmt.Fprintf(log, "trained %s (%d parameters): %d steps in %.0f s, loss %.4g", kind, sum.Params, sum.Step, res.TrainSecond[i], sum.Loss)
		if kind == guided.KindDiscriminator {
			res.DiscAcc = sum.Accuracy
			fmt.Fprintf(log, ", held-out accuracy %.3f", sum.Accuracy)
		}
		fmt.Fprintln(log)
	}
	idm, err := guided.Open(runs[guided.KindIDM], guided.KindIDM, nil)
	if err != nil {
		return nil, err
	}
	disc, err := guided.Open(runs[guided.KindDiscriminator], guided.KindDiscriminator, nil)
	if err != nil {
		return nil, err
	}
	vdm, err := guided.Open(runs[guided.KindVDM], guided.KindVDM, nil)
	if err != nil {
		return nil, err
	}
	if o.ProbeWindows > 0 && len(o.ProbeSigmas) > 0 {
		starts, err := EvenStarts(nTest, o.ProbeWindows)
		if err != nil {
			return nil, err
		}
		if res.Guide, err = guided.IdealGuide(b, idm, vdm, disc, guided.ConstantLambda(o.Lambda), test, starts, o.ProbeSigmas, o.Seed+200); err != nil {
			return nil, fmt.Errorf("the ideal-guide diagnostics: %w", err)
		}
		fmt.Fprintf(log, "guide λ=%g against the ideal D_VDM − D_IDM on %d held-out windows:\n%s", o.Lambda, len(starts), GuideTable(res.Guide))
		for _, bands := range o.LambdaBands {
			a, err := guided.IdealGuide(b, idm, vdm, disc, bands, test, starts, o.ProbeSigmas, o.Seed+200)
			if err != nil {
				return nil, fmt.Errorf("the ideal-guide diagnostics at λ bands %s: %w", bands, err)
			}
			res.BandGuides = append(res.BandGuides, a)
			fmt.Fprintf(log, "guide at λ bands %s:\n%s", bands, GuideTable(a))
		}
	}
	truthLen := min(nTest, o.RolloutFrames)
	ev := evaluator{size: o.Size, channels: C, truth: test[:truthLen*F], truthLen: truthLen, bands: res.SpectrumBands}
	if res.TruthSpectrum, err = BandPower(Channel(ev.truth, truthLen, C, P, 0), truthLen, o.Size, ev.bands); err != nil {
		return nil, err
	}
	if res.Truth, err = ev.rollout("truth", ev.truth, truthLen, 1); err != nil {
		return nil, err
	}
	cases, err := forecast.EvenCases(nTest, guided.Context, o.Lead, o.Cases)
	if err != nil {
		return nil, err
	}
	type model struct {
		name   string
		m, d   *guided.Model
		lambda float64
		bands  guided.LambdaBands // instead of lambda, when not empty
	}
	evaluate := func(md model, withForecasts bool) (Scores, error) {
		opt := guided.DefaultSamplerOptions()
		opt.Grid.Steps, opt.Lambda, opt.GuideSigmaMax = o.SamplerSteps, md.lambda, o.GuideSigmaMax
		if len(md.bands) > 0 {
			opt.Lambda, opt.LambdaBands = 0, md.bands
		}
		g, err := guided.NewGenerator(b, md.m, md.d, opt)
		if err != nil {
			return Scores{}, err
		}
		defer g.Close()
		t0 := time.Now()
		roll, err := rolloutFrames(g, test[:2*F], o.RolloutFrames, o.Members, o.Seed)
		if err != nil {
			return Scores{}, fmt.Errorf("%s rollout: %w", md.name, err)
		}
		sec := time.Since(t0).Seconds() / float64(o.RolloutFrames*o.Members)
		s, err := ev.rollout(md.name, roll, o.RolloutFrames, o.Members)
		if err != nil {
			return Scores{}, err
		}
		s.Seconds = sec
		if withForecasts {
			observed := data.FromFloat32(test, nTest, C, o.Size, o.Size)
			fc, err := g.Ensemble(ctx, observed, guided.ForecastOptions{Cases: cases, Members: o.ForecastMembers, Seed: o.Seed + 100})
			if err != nil {
				return Scores{}, fmt.Errorf("%s forecasts: %w", md.name, err)
			}
			if err := ev.forecasts(&s, fc.Ensemble.F32, test, cases, o.ForecastMembers); err != nil {
				return Scores{}, err
			}
		}
		fmt.Fprintf(log, "%s\n", s.Line())
		return s, nil
	}
	models := []model{{name: fmt.Sprintf("guided λ=%g", o.Lambda), m: idm, d: disc, lambda: o.Lambda}, {name: "unguided", m: idm}, {name: "VDM", m: vdm}}
	if o.VDMLambda > 0 {
		models = append(models, model{name: fmt.Sprintf("guided VDM λ=%g", o.VDMLambda), m: vdm, d: disc, lambda: o.VDMLambda})
	}
	for _, bands := range o.LambdaBands {
		models = append(models, model{name: "guided λ bands " + bands.String(), m: idm, d: disc, bands: bands})
	}
	for _, md := range models {
		s, err := evaluate(md, true)
		if err != nil {
			return nil, err
		}
		res.Models = append(res.Models, s)
	}
	for _, l := range o.Lambdas {
		switch l { // already rolled out above
		case 0:
			res.Sweep = append(res.Sweep, res.Models[1])
			continue
		case o.Lambda:
			res.Sweep = append(res.Sweep, res.Models[0])
			continue
		}
		s, err := evaluate(model{name: fmt.Sprintf("sweep λ=%g", l), m: idm, d: disc, lambda: l}, false)
		if err != nil {
			return nil, err
		}
		res.Sweep = append(res.Sweep, s)
	}
	if o.DyDiff {
		scores, err := dydiffModels(ctx, b, o, filepath.Join(dir, "dydiff"), trainS, test, ev, cases, disc, res)
		if err != nil {
			return nil, err
		}
		res.Models = append(res.Models, scores...)
	}
	return res, nil
}

// dydiffModels trains the DyDiff model on the training series (the image models' budget and network)
// and scores it guided by disc at Options.Lambda and unguided, as Run scores the image models: a long
// rollout from the first two test frames and ensemble forecasts of the same cases.
func dydiffModels(ctx context.Context, b compute.Backend, o Options, run string, trainS dataset.Series, test []float32, ev evaluator,
	cases forecast.Cases, disc *guided.Model, res *Result) ([]Scores, error) {
	mc := dymodel.Config{Method: dymodel.Method, Net: "unet", Context: guided.Context, Predict: o.DyDiffPredict, Eta: o.DyDiffEta,
		Noising: "dependent", Frame: trainS.FrameShape(), UNet: dymodel.UNetConfig{Channels: o.Channels, Mults: o.Mults,
			Blocks: o.Blocks, Heads: 1, Periodic: true, Groups: 8, Head: dymodel.DefaultHead}, ContextNoise: o.DyDiffContextNoise}
	so := dymodel.SamplerOptions{Kind: "ddim", Steps: o.DDIMSteps, ClipX0: o.ClipX0}
	if so.Steps == 0 {
		so.Steps = 2 * o.SamplerSteps
	}
	if o.DyDiffParam != dymodel.ParamDDPM {
		mc.Param, mc.Anchor, mc.EDM = dymodel.ParamEDM, dymodel.AnchorLast, dymodel.DefaultEDM()
		so = dymodel.SamplerOptions{Kind: "heun", Steps: o.SamplerSteps}
	}
	t0 := time.Now()
	lo := loopOptions(o)
	lo.ClipNorm = dymodel.DefaultClipGradNorm
	tr, err := dymodel.NewTrainer(dymodel.TrainSpec{Data: data.FromFloat32(trainS.Data, trainS.Shape...), Config: mc,
		Options: lo, Dir: run, Backend: b})
	if err != nil {
		return nil, fmt.Errorf("the DyDiff model: %w", err)
	}
	sum, err := tr.Run(ctx)
	if err != nil {
		return nil, fmt.Errorf("training the DyDiff model: %w", err)
	}
	m := tr.Model
	res.TrainSecond[3] = time.Since(t0).Seconds()
	fmt.Fprintf(o.Log, "trained DyDiff η=%g (%d parameters): %d steps in %.0f s\n", o.DyDiffEta, m.NumParams(), sum.Step, res.TrainSecond[3])
	_, snap, err := dymodel.Load(run, nil)
	if err != nil {
		return nil, err
	}
	defer snap.Store.Finalize()
	guide, err := guided.DyDiffGuide(snap.Store, disc, "the DyDiff model "+run, mc.Frame, snap.Norm, mc.Context)
	if err != nil {
		return nil, err
	}
	P := o.Size * o.Size // the values per channel that Normalize takes
	F := ev.channels * P
	testA := data.FromFloat32(test, len(test)/F, ev.channels, o.Size, o.Size)
	ctxA, err := forecast.Context(testA, cases)
	if err != nil {
		return nil, err
	}
	caseCtx := m.Contexts(ctxA, snap.Norm)
	initCtx := append([]float32(nil), test[:guided.Context*F]...)
	snap.Norm.Normalize(initCtx, P)
	var out []Scores
	for _, lambda := range []float64{o.Lambda, 0} {
		name := "DyDiff"
		if lambda > 0 {
			name = fmt.Sprintf("guided DyDiff λ=%g", lambda)
		}
		s, err := func() (Scores, error) {
			so.Guide, so.Lambda = guide, lambda
			f, err := m.NewForecaster(b, snap.Store, so)
			if err != nil {
				return Scores{}, err
			}
			defer f.Close()
			t0 := time.Now()
			roll, err := f.Ensemble(ctx, [][]float32{initCtx}, dymodel.EnsembleOptions{Members: o.Members, Lead: o.RolloutFrames, Seed: o.Seed})
			if err != nil {
				return Scores{}, fmt.Errorf("%s rollout: %w", name, err)
			}
			sec := time.Since(t0).Seconds() / float64(o.RolloutFrames*o.Members)
			snap.Norm.Denormalize(roll.Float32(), P)
			s, err := ev.rollout(name, roll.Float32(), o.RolloutFrames, o.Members)
			if err != nil {
				return Scores{}, err
			}
			s.Seconds = sec
			fc, err := f.Ensemble(ctx, caseCtx, dymodel.EnsembleOptions{Members: o.ForecastMembers, Lead: o.Lead, Seed: o.Seed + 100})
			if err != nil {
				return Scores{}, fmt.Errorf("%s forecasts: %w", name, err)
			}
			snap.Norm.Denormalize(fc.Float32(), P)
			return s, ev.forecasts(&s, fc.Float32(), test, cases, o.ForecastMembers)
		}()
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(o.Log, "%s\n", s.Line())
		out = append(out, s)
	}
	return out, nil
}

// spec is the training run of one model: the same budget for all three unless the Disc* options give
// the discriminator its own.
func spec(o Options, kind string, s dataset.Series, dir string, b compute.Backend) guided.TrainSpec {
	pMean, pStd := -1.2, 1.2
	if kind == guided.KindDiscriminator {
		if o.DiscSteps > 0 {
			o.Steps = o.DiscSteps
		}
		if o.DiscBatch > 0 {
			o.Batch = o.DiscBatch
		}
		if o.DiscPStd > 0 {
			pMean, pStd = o.DiscPMean, o.DiscPStd
		}
		if o.DiscChannels > 0 {
			o.Channels = o.DiscChannels
		}
	}
	return guided.TrainSpec{Kind: kind, Series: s, Options: loopOptions(o),
		UNet: nets.Config{Channels: o.Channels, Mults: o.Mults, Blocks: o.Blocks, Groups: 8, PadH: nn.Periodic, PadW: nn.Periodic},
		Disc: guidance.Config{Channels: o.Channels, Mults: o.Mults, Blocks: o.Blocks, Groups: 8, HeadWidth: 4 * o.Channels,
			HeadLayers: 2, PadH: nn.Periodic, PadW: nn.Periodic},
		SigmaData: 0.5, PMean: pMean, PStd: pStd, SigmaStep: 2, FutureOnly: o.FutureOnly, ValFraction: 0.1, DataSeed: o.Seed, Dir: dir, Backend: b}
}

// loopOptions is the training loop of every model: o.Steps of o.Batch, 5 % warm-up, EMA half-life a
// tenth of the examples seen, one checkpoint at the end, logging every 50 steps (or every step of a
// run whose length 50 does not divide: the checkpoint interval must be a multiple of it).
func loopOptions(o Options) train.Options {
	t := train.Defaults()
	logEvery := min(50, o.Steps)
	if o.Steps%logEvery != 0 {
		logEvery = 1
	}
	t.Steps, t.BatchSize, t.LR, t.LogEvery, t.CheckpointEvery, t.Seed = o.Steps, o.Batch, o.LR, logEvery, o.Steps, int64(o.Seed)
	t.EMAHalfLife = float64(o.Steps*o.Batch) / 10
	t.WarmupSteps = o.Steps / 20
	return t
}

// turbulence generates the vorticity series, or with Options.Velocity the (ζ, u, v) one (cached in
// path, or beside it as name-velocity.npy).
func turbulence(o Options, path string) (dataset.Series, error) {
	if o.Velocity {
		path = strings.TrimSuffix(path, ".npy") + "-velocity.npy"
	}
	if _, err := os.Stat(path); err != nil {
		d := navierstokes.DefaultDatasetOptions(o.Size)
		d.Kf, d.Frames, d.SaveEvery, d.Seed, d.Velocity = o.Kf, o.Frames, o.SaveEvery, o.Seed, o.Velocity
		d.Spinup = 3000
		if _, err := navierstokes.WriteDataset(d, path, nil); err != nil {
			return dataset.Series{}, err
		}
	}
	a, err := data.ReadNPY(path)
	if err != nil {
		return dataset.Series{}, err
	}
	s, err := dataset.TakeArray(path, a)
	if err != nil {
		return dataset.Series{}, err
	}
	want := 1
	if o.Velocity {
		want = 3
	}
	if s.Shape[1] != want {
		return dataset.Series{}, fmt.Errorf("%s: frames of %d channels, expected %v; remove it to generate it again", path, s.Shape[1], channelNames(want))
	}
	return s, nil
}

// rolloutFrames rolls members trajectories for n frames from the two frames init (2·F values) and
// returns them as [members][n·F] concatenated member after member.
func rolloutFrames(g *guided.Generator, init []float32, n, members int, seed uint64) ([]float32, error) {
	F := g.FrameSize()
	prev, cur := make([]float32, 0, members*F), make([]float32, 0, members*F)
	for range members {
		prev, cur = append(prev, init[:F]...), append(cur, init[F:2*F]...)
	}
	out := make([]float32, members*n*F)
	step := g.Step(seed, members)
	for f := range n {
		next, err := step(context.Background(), [][]float32{prev, cur}, f)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", f, err)
		}
		for m := range members {
			copy(out[(m*n+f)*F:][:F], next[m*F:(m+1)*F])
		}
		prev, cur = cur, next
	}
	return out, nil
}

// timeScores scores a rollout [members][n frames of size×size] against the truth series.
func timeScores(name string, roll []float32, n, members, size int, truth []float32, nt int) (Scores, error) {
	F := size * size
	tacf, err := metrics.ACF(truth, nt, metrics.ACFOptions{MaxLag: 9})
	if err != nil {
		return Scores{}, err
	}
	thov, err := hovW1(truth, nt, size)
	if err != nil {
		return Scores{}, err
	}
	tmean, tstd := meanStd(truth)
	s := Scores{Name: name, ACF: make([]float64, 10)}
	var hov []float64
	q := n / 4
	for m := range members {
		r := roll[m*n*F : (m+1)*n*F]
		acf, err := metrics.ACF(r, n, metrics.ACFOptions{MaxLag: 9})
		if err != nil {
			return Scores{}, err
		}
		for j := range acf {
			s.ACF[j] += acf[j] / float64(members)
		}
		h, err := hovW1(r, n, size)
		if err != nil {
			return Scores{}, err
		}
		hov = append(hov, h...)
		lm, ls := meanStd(r[(n-q)*F:])
		s.Drift += (lm - tmean) / float64(members)
		s.StdRatio += ls / tstd / float64(members)
	}
	for j := 1; j <= 9; j++ {
		s.ACFError += math.Abs(s.ACF[j]-tacf[j]) / 9
	}
	s.HovW1 = W1(hov, thov)
	return s, nil
}

// hovW1 is the distribution of W1 distances between consecutive Hovmöller rows (centre columns).
func hovW1(frames []float32, n, size int) ([]float64, error) {
	rows, err := metrics.Hovmoller(frames, n, size, size, metrics.CentreColumns(size))
	if err != nil {
		return nil, err
	}
	return metrics.HovmollerW1(rows)
}

// evaluator scores rollouts and forecasts of frames of channels × size² values against the truth's
// first truthLen test frames.
type evaluator struct {
	size, channels int
	truth          []float32
	truthLen       int
	bands          [][2]int
}

// rollout scores members trajectories of n frames ([members][n][C][size²]): the time-consistency
// scores and the spectrum on ζ (channel 0), and, for several channels, each channel's std ratio.
func (e evaluator) rollout(name string, roll []float32, n, members int) (Scores, error) {
	P, C := e.size*e.size, e.channels
	zeta := Channel(roll, members*n, C, P, 0)
	s, err := timeScores(name, zeta, n, members, e.size, Channel(e.truth, e.truthLen, C, P, 0), e.truthLen)
	if err != nil {
		return Scores{}, err
	}
	tp, err := BandPower(Channel(e.truth, e.truthLen, C, P, 0), e.truthLen, e.size, e.bands)
	if err != nil {
		return Scores{}, err
	}
	rp, err := BandPower(zeta, members*n, e.size, e.bands)
	if err != nil {
		return Scores{}, err
	}
	s.SpectrumRatio = make([]float64, len(rp))
	for i := range rp {
		s.SpectrumRatio[i] = rp[i] / tp[i]
	}
	if C == 1 {
		return s, nil
	}
	names := channelNames(C)
	q := n / 4
	for c := range C {
		_, tstd := meanStd(Channel(e.truth, e.truthLen, C, P, c))
		cs := ChannelScores{Name: names[c]}
		for m := range members {
			_, ls := meanStd(Channel(roll[(m*n+n-q)*C*P:(m+1)*n*C*P], q, C, P, c))
			cs.StdRatio += ls / tstd / float64(members)
		}
		s.Channels = append(s.Channels, cs)
	}
	return s, nil
}

// forecasts adds the forecasts' bias, CRPS and spread-skill ratio (forecastScores) of ζ to s, and of
// every channel to s.Channels when there are several; fc is [cases][members][lead][C][size²].
func (e evaluator) forecasts(s *Scores, fc, series []float32, c forecast.Cases, members int) error {
	P, C := e.size*e.size, e.channels
	K, L := len(c.Starts), c.Lead
	for ch := range C {
		var cs ChannelScores
		if err := forecastScores(&cs, Channel(fc, K*members*L, C, P, ch), Channel(series, len(series)/(C*P), C, P, ch), c, members, P); err != nil {
			return err
		}
		if ch == 0 {
			s.Bias, s.CRPS, s.SSR = cs.Bias, cs.CRPS, cs.SSR
		}
		if C > 1 {
			s.Channels[ch].Bias, s.Channels[ch].CRPS, s.Channels[ch].SSR = cs.Bias, cs.CRPS, cs.SSR
		}
	}
	return nil
}

// Channel returns channel c of n frames of C channels of P values each ([n][C][P]) as [n][P]: frames
// itself when C is 1, else a copy.
func Channel(frames []float32, n, C, P, c int) []float32 {
	if C == 1 {
		return frames[:n*P]
	}
	out := make([]float32, n*P)
	for f := range n {
		copy(out[f*P:(f+1)*P], frames[(f*C+c)*P:][:P])
	}
	return out
}

// channelNames are the names of the bench's C channels: ζ alone, or ζ, u, v (Options.Velocity), as
// sim/navierstokes names them.
func channelNames(C int) []string {
	if C == 1 {
		return []string{"zeta"}
	}
	return []string{"zeta", "u", "v"}[:C]
}

// Bands are the wavenumber bands of the spectrum diagnostic for a size² grid: octaves [1, 2], [3, 4],
// [5, 8], [9, 16], … up to the largest shell size/2 (at 16²: k 1–2, 3–4, 5–8).
func Bands(size int) [][2]int {
	var out [][2]int
	for lo, hi := 1, 2; lo <= size/2; lo, hi = hi+1, 2*hi {
		out = append(out, [2]int{lo, min(hi, size/2)})
	}
	return out
}

// BandPower is the mean over n frames of size² values of each band's share of the frame's mean square:
// Σ over the shells r of a band [lo, hi] of the isotropic spectrum (metrics.IsotropicSpectrum, ShellSum,
// shells r = round|k|) over size². By Parseval the bands and the mean (shell 0) add up to the mean
// square, less the modes beyond |k| = size/2 (the corners, left out).
func BandPower(frames []float32, n, size int, bands [][2]int) ([]float64, error) {
	P := size * size
	if n < 1 || len(frames) < n*P {
		return nil, fmt.Errorf("band power: %d values for %d frames of %d²", len(frames), n, size)
	}
	out := make([]float64, len(bands))
	x := make([]float64, P)
	for f := range n {
		for i, v := range frames[f*P : (f+1)*P] {
			x[i] = float64(v)
		}
		s, err := metrics.IsotropicSpectrum(x, size, size, metrics.ShellSum)
		if err != nil {
			return nil, err
		}
		for b, bd := range bands {
			if bd[0] < 0 || bd[1] >= len(s) || bd[0] > bd[1] {
				return nil, fmt.Errorf("band power: band %v outside the shells 0..%d", bd, len(s)-1)
			}
			for r := bd[0]; r <= bd[1]; r++ {
				out[b] += s[r] / float64(P*n)
			}
		}
	}
	return out, nil
}

// forecastScores sets the forecasts' bias, CRPS and spread-skill ratio (means over the leads) of one
// channel: fc [cases][members][lead][F], series [T][F].
func forecastScores(s *ChannelScores, fc, series []float32, c forecast.Cases, members, F int) error {
	K, L := len(c.Starts), c.Lead
	truth := make([]float32, 0, K*L*F)
	for _, st := range c.Starts {
		truth = append(truth, series[st*F:(st+L)*F]...)
	}
	side := int(math.Sqrt(float64(F)))
	lay := metrics.Layout{MemberAxis: 1, LeadAxis: 2}
	f, err := metrics.NewEnsemble(fc, []int{K, members, L, side, side}, lay)
	if err != nil {
		return err
	}
	o, err := metrics.NewTruth(truth, []int{K, L, side, side}, lay)
	if err != nil {
		return err
	}
	crps, err := metrics.CRPS(f, o, metrics.CRPSOptions{})
	if err != nil {
		return err
	}
	ss, err := metrics.SpreadSkillRatio(f, o, nil)
	if err != nil {
		return err
	}
	bias, err := metrics.BiasMaps(f, o, nil)
	if err != nil {
		return err
	}
	s.CRPS, s.SSR, s.Bias = mean(crps), mean(ss.SSR), mean(bias.MeanAbs)
	return nil
}

func mean(v []float64) float64 {
	t := 0.0
	for _, x := range v {
		t += x
	}
	return t / float64(len(v))
}

func meanStd(v []float32) (float64, float64) {
	var s, s2 float64
	for _, x := range v {
		s += float64(x)
	}
	m := s / float64(len(v))
	for _, x := range v {
		s2 += (float64(x) - m) * (float64(x) - m)
	}
	return m, math.Sqrt(s2 / float64(len(v)))
}

// W1 is the Wasserstein-1 distance between the empirical distributions of samples a and b:
// ∫₀¹ |Q_a(u) − Q_b(u)| du with the quantile functions as step functions, evaluated exactly on the
// merged breakpoints i/len(a) and j/len(b).
func W1(a, b []float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN()
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	i, j, u, total := 0, 0, 0.0, 0.0
	for i < len(x) && j < len(y) {
		ui, uj := float64(i+1)/float64(len(x)), float64(j+1)/float64(len(y))
		next := math.Min(ui, uj)
		total += (next - u) * math.Abs(x[i]-y[j])
		u = next
		if ui <= next {
			i++
		}
		if uj <= next {
			j++
		}
	}
	return total
}

// EvenStarts returns the first frames of n windows of 3 frames (xⁿ⁻¹, xⁿ, xⁿ⁺¹) spread evenly over a
// series of T frames, from 0 to T − 3; fewer (T − 2) when the series has fewer windows.
func EvenStarts(T, n int) ([]int, error) {
	if T < 3 || n < 1 {
		return nil, fmt.Errorf("%d windows of 3 frames in a series of %d frames", n, T)
	}
	n = min(n, T-2)
	if n == 1 {
		return []int{0}, nil
	}
	out := make([]int, n)
	for i := range out {
		out[i] = i * (T - 3) / (n - 1)
	}
	return out, nil
}

// GuideTable is the ideal-guide diagnostics as a Markdown table, one row per noise level.
func GuideTable(g []guided.GuideAgreement) string {
	out := "| σ | cosine(guide, ideal) | ‖guide‖/‖ideal‖ | ideal RMS |\n|---|---|---|---|\n"
	for _, a := range g {
		out += fmt.Sprintf("| %g | %.3f | %.3f | %.4f |\n", a.Sigma, a.Cosine, a.NormRatio, a.IdealRMS)
	}
	return out
}

// Line is a one-line report: the scores of ζ, its spectrum ratios per band, and with several channels
// each channel's std ratio and forecast scores.
func (s Scores) Line() string {
	out := fmt.Sprintf("%-14s |ΔACF| %.3f  ACF(1) %.3f  Hovmöller W1 %.4f  drift %+.3f  std ratio %.3f  bias %.3f  CRPS %.3f  SSR %.3f  %.3f s/frame",
		s.Name, s.ACFError, s.ACF[1], s.HovW1, s.Drift, s.StdRatio, s.Bias, s.CRPS, s.SSR, s.Seconds)
	if len(s.SpectrumRatio) > 0 {
		out += "  ζ power/truth"
		for _, r := range s.SpectrumRatio {
			out += fmt.Sprintf(" %.3f", r)
		}
	}
	for _, c := range s.Channels {
		out += fmt.Sprintf("  | %s: std ratio %.3f", c.Name, c.StdRatio)
		if c.CRPS > 0 { // the sweep's rows have no forecasts
			out += fmt.Sprintf(" bias %.3g CRPS %.3g SSR %.3f", c.Bias, c.CRPS, c.SSR)
		}
	}
	return out
}

// Table is the result as a Markdown table.
func (r *Result) Table() string {
	out := ""
	if r.Options.Velocity {
		out = "frames (ζ, u, v); the time-consistency scores, the std ratio and the forecast scores of this table are those of ζ\n\n"
	}
	out += "| model | mean abs ACF error, lags 1–9 | ACF(1) | Hovmöller W1 distance | drift of spatial mean | std ratio (last quarter) | abs bias | CRPS | SSR | s/frame |\n|---|---|---|---|---|---|---|---|---|---|\n"
	out += fmt.Sprintf("| truth | 0 | %.3f | 0 | 0 | 1 | | | | |\n", r.Truth.ACF[1])
	for _, s := range r.Models {
		out += fmt.Sprintf("| %s | %.3f | %.3f | %.4f | %+.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", s.Name, s.ACFError, s.ACF[1], s.HovW1, s.Drift, s.StdRatio, s.Bias, s.CRPS, s.SSR, s.Seconds)
	}
	out += "\n| λ | mean abs ACF error | ACF(1) | Hovmöller W1 | std ratio |\n|---|---|---|---|---|\n"
	for i, s := range r.Sweep {
		out += fmt.Sprintf("| %g | %.3f | %.3f | %.4f | %.3f |\n", r.Options.Lambdas[i], s.ACFError, s.ACF[1], s.HovW1, s.StdRatio)
	}
	if len(r.Guide) > 0 {
		over := ""
		if r.Options.Velocity {
			over = ", over ζ, u and v in normalised units"
		}
		out += fmt.Sprintf("\nguide at λ = %g against the ideal D_VDM − D_IDM (held-out windows%s):\n\n%s", r.Options.Lambda, over, GuideTable(r.Guide))
		for i, g := range r.BandGuides {
			out += fmt.Sprintf("\nguide at λ bands %s:\n\n%s", r.Options.LambdaBands[i], GuideTable(g))
		}
	}
	out += r.spectrumTable()
	if len(r.Truth.Channels) > 0 {
		out += r.channelTable()
	}
	return out
}

// spectrumTable is the single-frame spectrum diagnostic: the truth's ζ power per band and each model's
// rollout over it.
func (r *Result) spectrumTable() string {
	if len(r.SpectrumBands) == 0 {
		return ""
	}
	out := "\nsingle-frame spectrum of ζ: power per wavenumber band, the model's rollout frames over the truth's test frames\n\n| model |"
	sep := "|---|"
	for _, b := range r.SpectrumBands {
		out += fmt.Sprintf(" k %d–%d |", b[0], b[1])
		sep += "---|"
	}
	out += "\n" + sep + "\n| truth (mean square ζ² in the band) |"
	for _, p := range r.TruthSpectrum {
		out += fmt.Sprintf(" %.4g |", p)
	}
	out += "\n"
	for _, s := range r.Models {
		out += fmt.Sprintf("| %s |", s.Name)
		for _, x := range s.SpectrumRatio {
			out += fmt.Sprintf(" %.3f |", x)
		}
		out += "\n"
	}
	return out
}

// channelTable is the per-channel stability and forecast scores, each in its channel's units.
func (r *Result) channelTable() string {
	out := "\nper channel, in physical units: std ratio (rollout's last quarter over the truth's), abs bias, CRPS, SSR of the forecasts\n\n| model | channel | std ratio | abs bias | CRPS | SSR |\n|---|---|---|---|---|---|\n"
	for _, s := range r.Models {
		for _, c := range s.Channels {
			out += fmt.Sprintf("| %s | %s | %.3f | %.4g | %.4g | %.3f |\n", s.Name, c.Name, c.StdRatio, c.Bias, c.CRPS, c.SSR)
		}
	}
	return out
}
