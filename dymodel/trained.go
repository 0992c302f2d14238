package dymodel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/train"
)

// Trained is a trained DyDiff model as a run directory holds it: the model, the EMA weights of its
// newest snapshot and the normalisation of its training data. Its forecasts take and give fields in
// physical units.
type Trained struct {
	// Dir is the run directory, Model the network of its configuration, Snapshot the newest snapshot
	// that verifies (its step, EMA weights and normalisation).
	Dir      string
	Model    *Model
	Snapshot *train.Snapshot
	// Backend runs the forecasts; nil creates the backend that $TIDAL_BACKEND names (default "go") on
	// the first forecast, released by Close.
	Backend compute.Backend
	// Warnings name damaged snapshots newer than the one opened.
	Warnings []string
	own      compute.Backend
}

// Open opens the run directory dir of Train or `tidal train dydiff` (Load): its model, the newest
// snapshot that verifies and the normalisation. Close it when done.
func Open(dir string) (*Trained, error) {
	t := &Trained{Dir: dir}
	warn := func(f string, a ...any) { t.Warnings = append(t.Warnings, fmt.Sprintf(f, a...)) }
	m, snap, err := Load(dir, warn)
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	if m.Config.Net == "series" {
		snap.Store.Finalize()
		return nil, fmt.Errorf("dymodel: %s is a time-series model of %d series; Trained forecasts fields [frames, channels, height, width]", dir, m.Config.Frame[0])
	}
	t.Model, t.Snapshot = m, snap
	return t, nil
}

// Norm is the per-channel normalisation of the training data: the network sees (x − Mean[c]) / Std[c].
func (t *Trained) Norm() dataset.Norm { return t.Snapshot.Norm }

// Step is the training step of the snapshot's weights.
func (t *Trained) Step() int { return t.Snapshot.Step }

// Close releases the weights and the backend Trained made.
func (t *Trained) Close() {
	if t.Snapshot != nil && t.Snapshot.Store != nil {
		t.Snapshot.Store.Finalize()
		t.Snapshot.Store = nil
	}
	if t.own != nil {
		t.own.Finalize()
		t.own = nil
	}
}

// maxCount bounds the lead and the number of cases of a forecast: far beyond any use, and small enough
// that the sizes of the forecast arrays are computed without overflow.
const maxCount = 1 << 24

// DefaultMembers and DefaultCases are the ensemble size and number of cases of a forecast when none is
// given (those of `tidal forecast`).
const (
	DefaultMembers = 8
	DefaultCases   = 20
)

// ForecastOptions choose the cases, the ensemble and the sampler of a forecast. Zero values take the
// defaults named.
type ForecastOptions struct {
	// Cases is the number of cases spread evenly over the observed series (forecast.EvenCases: the
	// cases `tidal baseline` makes with the model's context and the same lead); 0: DefaultCases. Starts,
	// when set instead, are the cases' start frames: case i observes frames Starts[i]−Context ..
	// Starts[i]−1 and forecasts Starts[i] .. Starts[i]+Lead−1.
	Cases  int
	Starts []int
	// Members is the ensemble size per case (0: DefaultMembers).
	Members int
	// Lead is the number of frames forecast per case (0: the model's Predict); beyond Predict the
	// forecast rolls forward, each window conditioned on the member's own last Context frames.
	Lead int
	// Sampler is the reverse process (zero: the model's default sampler and steps, ResolveSampler).
	Sampler SamplerOptions
	// Seed fixes the sampling noise: member m of case b gets the same noise whatever Members and the
	// number of cases (WindowSeed).
	Seed uint64
	// Work, when set, is the rollout's working file: an interrupted forecast with the same model,
	// snapshot, sampler, seed, members, lead, starts and data shape resumes from it. GuideID names the
	// guide of Sampler.Guide in that identity (e.g. a discriminator's run and step). Empty Work: a
	// temporary file.
	Work    string
	GuideID string
	// Progress hears the rollout's progress (nil: silent).
	Progress io.Writer
	// Actions drive the forecast of a model trained with actions (Config.Actions A; docs/VIDEO.md), in
	// the BAIR layout: [rows, A] for an observed series, row t the action between frames t and t + 1
	// (rows may run past the observed frames, for windows that reach beyond them); for observed videos,
	// [videos, rows, A] or [rows, A] for every video alike. Each case needs actions through the end of
	// its last window (Model.ActionRows). Autoregressive windows past the first take the later rows.
	Actions *data.Array
}

// Forecast is an ensemble forecast in physical units with the truth it is scored against, in the layout
// `tidal forecast` writes and package metrics reads (metrics.DefaultLayout).
type Forecast struct {
	// Ensemble is [cases, members, lead, channels, height, width], Truth [cases, lead, channels,
	// height, width]: the observed frames each case forecasts.
	Ensemble *data.Array
	Truth    *data.Array
	// Cases are the start frames, context and lead of the cases.
	Cases forecast.Cases
	// Members, Sampler (resolved) and Seed made the forecast; Run is the model's run directory and Step
	// the snapshot's training step.
	Members int
	Sampler SamplerOptions
	Seed    uint64
	Run     string
	Step    int
}

// SamplerError is a sampler option the model cannot take: Option is the SamplerOptions field ("Kind",
// "Steps", "ClipX0", "SigmaMax" or "EtaDDIM"), Value its value and Reason what is expected. A command
// line names its own flag for Option.
type SamplerError struct {
	Option string
	Value  any
	Reason string
}

// samplerLabels name SamplerOptions' fields in SamplerError's message.
var samplerLabels = map[string]string{"Kind": "sampler", "Steps": "sampling steps", "ClipX0": "clip x̂₀", "SigmaMax": "σ_max", "EtaDDIM": "η_ddim"}

func (e *SamplerError) Error() string {
	return fmt.Sprintf("%s %v: %s", samplerLabels[e.Option], e.Value, e.Reason)
}

// ResolveSampler fills in the model's default sampler (heun for the edm form, ddim for the ddpm form)
// and its default steps where o leaves them zero, and refuses what the model's form cannot take (a
// *SamplerError): the ablated processes sample with ddim or ddpm only, x̂₀ clipping is DDIM's for the
// ddpm form, σ_max is the edm form's ρ-grid (Karras et al. 2022, eq. 5), and the ddpm form needs steps
// that divide its τ grid.
func (m *Model) ResolveSampler(o SamplerOptions) (SamplerOptions, error) {
	if o.Kind == "" {
		o.Kind = m.DefaultSampler()
	}
	ablated := m.Config.Noising != "dependent" && m.Config.Eta != 0
	refuse := func(option string, value any, reason string, a ...any) (SamplerOptions, error) {
		return o, &SamplerError{Option: option, Value: value, Reason: fmt.Sprintf(reason, a...)}
	}
	switch {
	case o.Kind != "heun" && o.Kind != "dpmpp" && o.Kind != "ddim" && o.Kind != "ddpm":
		return refuse("Kind", fmt.Sprintf("%q", o.Kind), "expected heun, dpmpp, ddim or ddpm")
	case o.Steps < 0 || o.Steps > 1000:
		return refuse("Steps", o.Steps, "expected 1 to 1000 (0: the sampler's default)")
	case ablated && o.Kind != "ddim" && o.Kind != "ddpm":
		return refuse("Kind", o.Kind, "the model uses the %s process at η = %g, sampled with ddim or ddpm only", m.Config.Noising, m.Config.Eta)
	case o.ClipX0 != 0 && (o.Kind != "ddim" || m.Config.IsEDM() || !(o.ClipX0 > 0) || math.IsInf(o.ClipX0, 0)):
		return refuse("ClipX0", o.ClipX0, "a finite bound > 0, an option of ddim for models of the ddpm form; sampler %s on the %s form does not take it", o.Kind, m.param())
	case o.SigmaMax != 0 && (!(o.SigmaMax > 0.002) || math.IsInf(o.SigmaMax, 0)):
		return refuse("SigmaMax", o.SigmaMax, "expected a finite noise level above the grid's σ_min 0.002")
	case o.SigmaMax != 0 && !m.Config.IsEDM():
		return refuse("SigmaMax", o.SigmaMax, "the grid of a model of the edm form; this model samples on the reference's τ grid")
	case o.EtaDDIM != 0 && (o.Kind != "ddim" || !(o.EtaDDIM >= 0 && o.EtaDDIM <= 1)):
		return refuse("EtaDDIM", o.EtaDDIM, "a DDIM option in [0, 1]; sampler %s does not take it", o.Kind)
	}
	if o.Steps == 0 {
		o.Steps = m.DefaultSteps(o.Kind)
	}
	if !m.Config.IsEDM() {
		if _, err := m.Schedule.Timesteps(o.Steps); err != nil {
			return refuse("Steps", o.Steps, "%v", err)
		}
	}
	return o, nil
}

// Cases are the forecast cases of o over a series of frames frames: the start frames o.Starts, checked
// to leave the model's context before them and o.Lead frames from them, or o.Cases cases spread evenly.
func (t *Trained) Cases(frames int, o ForecastOptions) (forecast.Cases, error) {
	c := t.Model.Config
	lead := o.Lead
	if lead == 0 {
		lead = c.Predict
	}
	switch {
	case lead < 0 || lead > maxCount:
		return forecast.Cases{}, fmt.Errorf("lead %d: expected 1 to %d frames (0: the model's %d)", lead, maxCount, c.Predict)
	case o.Cases > maxCount || len(o.Starts) > maxCount:
		return forecast.Cases{}, fmt.Errorf("%d cases: expected at most %d", max(o.Cases, len(o.Starts)), maxCount)
	case len(o.Starts) > 0 && o.Cases != 0:
		return forecast.Cases{}, fmt.Errorf("cases %d and starts %v: give the number of cases or their start frames, not both", o.Cases, o.Starts)
	case o.Cases < 0:
		return forecast.Cases{}, fmt.Errorf("cases %d: expected ≥ 1 (0: %d)", o.Cases, DefaultCases)
	}
	if len(o.Starts) > 0 {
		for _, s := range o.Starts {
			if s < c.Context || s+lead > frames {
				return forecast.Cases{}, fmt.Errorf("start %d: a case needs the model's %d context frames before its start and %d lead frames from it, within the %d frames observed",
					s, c.Context, lead, frames)
			}
		}
		return forecast.Cases{Context: c.Context, Lead: lead, Starts: append([]int(nil), o.Starts...)}, nil
	}
	n := o.Cases
	if n == 0 {
		n = DefaultCases
	}
	return forecast.EvenCases(frames, c.Context, lead, n)
}

// Forecast makes an ensemble forecast of the cases of o over the observed series [frames, channels,
// height, width] (physical units, frames of the model's shape), or over videos [videos, frames,
// channels, height, width], each forecast from its frame Context on (the first o.Cases videos, 0: all;
// Forecast.Cases then index the videos laid end to end): it gathers each case's context,
// normalises it with the training data's statistics, samples the members through the rollout driver
// (Forecaster.Ensemble: Dynamical Diffusion's reverse process, Guo et al. 2025, with the sampler of o)
// and maps them back to physical units. The truth is the observed frames each case forecasts.
func (t *Trained) Forecast(ctx context.Context, observed *data.Array, o ForecastOptions) (fc *Forecast, err error) {
	defer func() {
		if r := recover(); r != nil {
			fc, err = nil, fmt.Errorf("dymodel: forecast: %v", r)
		}
	}()
	if t == nil || t.Model == nil || t.Snapshot == nil || t.Snapshot.Store == nil {
		return nil, fmt.Errorf("dymodel: forecast with no model (Open a run first, and do not use it after Close)")
	}
	m := t.Model
	if observed == nil {
		return nil, fmt.Errorf("dymodel: forecast: no observed series; expected an array [frames, %d, %d, %d]", m.Config.Frame[0], m.Config.Frame[1], m.Config.Frame[2])
	}
	videoT := 0
	if len(observed.Shape) == 5 { // videos, laid end to end: cases never cross from one into the next
		videoT = observed.Shape[1]
		if observed.Shape[0] < 1 || videoT < 1 {
			return nil, fmt.Errorf("dymodel: observed videos of shape %v: expected at least one video of at least one frame", observed.Shape)
		}
		observed = &data.Array{Shape: append([]int{observed.Shape[0] * videoT}, observed.Shape[2:]...), DType: observed.DType, F32: observed.F32, F64: observed.F64}
	}
	if len(observed.Shape) != 4 {
		return nil, fmt.Errorf("dymodel: observed series of shape %v (rank %d): expected [frames, %d, %d, %d] (rank 4) or videos [videos, frames, %d, %d, %d]",
			observed.Shape, len(observed.Shape), m.Config.Frame[0], m.Config.Frame[1], m.Config.Frame[2], m.Config.Frame[0], m.Config.Frame[1], m.Config.Frame[2])
	}
	if err := m.CheckFrame("dymodel: observed series", observed.Shape[1:]); err != nil {
		return nil, err
	}
	// Checked for finite values; read only (forecast.Context and forecast.Truth copy what they take), so
	// the caller's values are used in place, not copied.
	series, err := dataset.TakeArray("observed series", observed)
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	members := o.Members
	if members == 0 {
		members = DefaultMembers
	}
	if members < 1 || members > 1<<12 {
		return nil, fmt.Errorf("dymodel: members %d: expected 1 to %d (0: %d)", members, 1<<12, DefaultMembers)
	}
	var cs forecast.Cases
	if videoT > 0 {
		cs, err = t.videoCases(series.Frames()/videoT, videoT, o)
	} else {
		cs, err = t.Cases(series.Frames(), o)
	}
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	acts, err := t.caseActions(o.Actions, cs, videoT)
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	return t.forecastCases(ctx, data.FromFloat32(series.Data, series.Shape...), cs, o, acts)
}

// ForecastCases makes the ensemble forecast of the cases cs over observed [frames, frame...] (physical
// units, frames of the model's shape) with the members, sampler, seed and working file of o (its Cases,
// Starts and Lead are not used): it gathers each case's context, normalises it with the training data's
// statistics, samples the members through the rollout driver (Forecaster.Ensemble) and maps them back to
// physical units. Forecast uses it once the cases are chosen; a time-series model's rolling windows
// (forecast.Rolling) call it directly.
func (t *Trained) ForecastCases(ctx context.Context, observed *data.Array, cs forecast.Cases, o ForecastOptions) (*Forecast, error) {
	acts, err := t.caseActions(o.Actions, cs, 0)
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	return t.forecastCases(ctx, observed, cs, o, acts)
}

// forecastCases is ForecastCases with each case's action rows chosen (caseActions; nil for a model
// without actions).
func (t *Trained) forecastCases(ctx context.Context, observed *data.Array, cs forecast.Cases, o ForecastOptions, acts [][]float32) (*Forecast, error) {
	m := t.Model
	members := o.Members
	if members == 0 {
		members = DefaultMembers
	}
	so, err := m.ResolveSampler(o.Sampler)
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	ctxs, err := forecast.Context(observed, cs)
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	truth, err := forecast.Truth(observed, cs)
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	be, err := t.backend()
	if err != nil {
		return nil, err
	}
	f, err := m.NewForecaster(be, t.Snapshot.Store, so)
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	defer f.Close()
	eo := EnsembleOptions{Members: members, Lead: cs.Lead, Seed: o.Seed, Work: o.Work, Progress: o.Progress, Actions: acts}
	if o.Work != "" {
		if eo.Identity, err = t.identity(so, o, members, cs, observed.Shape, acts); err != nil {
			return nil, err
		}
	}
	ens, err := f.Ensemble(ctx, m.Contexts(ctxs, t.Snapshot.Norm), eo)
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	t.Snapshot.Norm.Denormalize(ens.Float32(), m.Inner())
	return &Forecast{Ensemble: ens, Truth: truth, Cases: cs, Members: members, Sampler: so, Seed: o.Seed, Run: t.Dir, Step: t.Snapshot.Step}, nil
}

// backend is the Backend, else the one Trained made for itself.
func (t *Trained) backend() (compute.Backend, error) {
	if t.Backend != nil {
		return t.Backend, nil
	}
	if t.own == nil {
		name, err := backend.Resolve("")
		if err != nil {
			return nil, err
		}
		if t.own, err = backend.New(name); err != nil {
			return nil, err
		}
	}
	return t.own, nil
}

// identity is what a resumable forecast's working file must match to be resumed: the model's run and
// snapshot step, the sampler, seed, members, lead, starts and the observed data's shape, as
// `tidal forecast` records it, and the actions' hash for a model with actions.
func (t *Trained) identity(so SamplerOptions, o ForecastOptions, members int, cs forecast.Cases, shape []int, acts [][]float32) (string, error) {
	abs, err := filepath.Abs(t.Dir)
	if err != nil {
		return "", err
	}
	ident := map[string]any{"model": abs, "step": t.Snapshot.Step, "sampler": so, "seed": o.Seed,
		"members": members, "lead": cs.Lead, "starts": cs.Starts, "data": shape}
	if so.Guide != nil {
		ident["guide"] = o.GuideID
	}
	if acts != nil {
		ident["actions"] = actionsHash(acts)
	}
	b, err := json.Marshal(ident)
	return string(b), err
}
