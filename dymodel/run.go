package dymodel

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/metrics"
	"github.com/tidal-forecast/tidal/train"
)

// Load opens the run directory dir of `tidal train dydiff`: it reads the configuration recorded in
// options.json first (so that a run of another method, or a folder that is no run, is refused before
// any weights are read), then the newest snapshot that verifies (warn hears of damaged newer ones),
// whose configuration must be the same. A run trained with static conditioning fields gets them from
// its dataset.StaticFile.
func Load(dir string, warn func(string, ...any)) (*Model, *train.Snapshot, error) {
	if _, err := RunConfig(dir); err != nil {
		return nil, nil, err
	}
	snap, err := train.LatestSnapshot(dir, warn)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w (train it first, or a checkpoint is damaged)", dir, err)
	}
	c, err := Parse(snap.Config)
	if err != nil {
		snap.Store.Finalize()
		return nil, nil, fmt.Errorf("%s: snapshot step %d: %w", dir, snap.Step, err)
	}
	if err := snap.Norm.Validate(c.Frame[0]); err != nil {
		snap.Store.Finalize()
		return nil, nil, fmt.Errorf("%s: snapshot step %d: normalisation: %w", dir, snap.Step, err)
	}
	m, err := New(c)
	if err != nil {
		snap.Store.Finalize()
		return nil, nil, err
	}
	if c.Static != nil {
		s, err := dataset.LoadStatic(dir, c.Static.Channels, c.Frame[1], c.Frame[2])
		if err == nil {
			err = m.SetStatic(s)
		}
		if err != nil {
			snap.Store.Finalize()
			return nil, nil, fmt.Errorf("%s: %w", dir, err)
		}
	}
	return m, snap, nil
}

// RunConfig reads the model configuration recorded in the options.json of the run directory dir of
// `tidal train dydiff`, without reading any weights: the context and predicted frames of a run, for
// instance, that baselines must share to forecast the same cases.
func RunConfig(dir string) (Config, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return Config{}, err
	}
	if !info.IsDir() {
		return Config{}, fmt.Errorf("%s is not a folder; expected the run directory of `tidal train dydiff`", dir)
	}
	b, err := os.ReadFile(filepath.Join(dir, "options.json"))
	if err != nil {
		return Config{}, fmt.Errorf("%s is not a training run directory (no options.json): %w", dir, err)
	}
	var rec struct {
		Config json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return Config{}, fmt.Errorf("%s: options.json: %w", dir, err)
	}
	if len(rec.Config) == 0 {
		rec.Config = []byte("{}")
	}
	c, err := Parse(rec.Config)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", dir, err)
	}
	return c, nil
}

// Renormalized gives the batches of Src, normalised with From, normalised with To instead: a
// validation file's windows (dataset.Split normalises them with their own statistics) in the
// training data's units.
type Renormalized struct {
	Src      train.Source
	From, To dataset.Norm
}

// Batch implements train.Source for field windows [size, k, C, H, W].
func (r Renormalized) Batch(index, size int) ([]*tensors.Tensor, error) {
	ts, err := r.Src.Batch(index, size)
	if err != nil {
		return nil, err
	}
	t := ts[0]
	d := t.Shape().Dimensions
	inner := 1
	for _, n := range d[3:] {
		inner *= n
	}
	v := tensors.MustCopyFlatData[float32](t)
	t.FinalizeAll()
	r.From.Denormalize(v, inner)
	r.To.Normalize(v, inner)
	return append([]*tensors.Tensor{tensors.FromFlatDataAndDimensions(v, d...)}, ts[1:]...), nil // the windows' actions, if any, as they are
}

// PreviewOptions size the sample previews scored during training.
type PreviewOptions struct {
	// Cases validation windows (the first of the validation source's stream, the same at every call),
	// Members members each, Steps DDIM steps.
	Cases   int `json:"cases"`
	Members int `json:"members"`
	Steps   int `json:"steps"`
}

// Preview returns the training loop's preview hook: a Members-member DDIM forecast at Steps steps of
// the predicted frames of the first Cases windows of val, from their observed frames, scored against
// them with the fair CRPS (DyDiff's PWM form) in normalised units: "crps" over all predicted frames,
// "crps_lead1" at the first, and "spread_skill" (the ensemble's spread over the RMSE of its mean).
func (m *Model) Preview(b compute.Backend, val train.Source, o PreviewOptions) train.PreviewFn {
	return func(ema *model.Store, step int) (map[string]float64, error) {
		ts, err := val.Batch(0, o.Cases)
		if err != nil {
			return nil, err
		}
		win := tensors.MustCopyFlatData[float32](ts[0])
		ts[0].FinalizeAll()
		var acts []float32 // the windows' action rows [Cases, L, A], for a model with actions
		if len(ts) > 1 {
			acts = tensors.MustCopyFlatData[float32](ts[1])
			ts[1].FinalizeAll()
		}
		f, err := m.NewForecaster(b, ema, m.PreviewSampler(o.Steps))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		c := m.Config
		F, P, L, S := m.frameSize(), c.Context, c.Frames(), c.Predict
		fc := make([]float32, 0, o.Cases*o.Members*S*F)
		truth := make([]float32, 0, o.Cases*S*F)
		ctxs := make([]float32, o.Members*P*F)
		A := c.Actions
		wa := make([]float32, o.Members*L*A)
		if A > 0 && len(acts) != o.Cases*L*A {
			return nil, fmt.Errorf("dymodel: preview: the model takes actions, the validation windows carry %d action values for %d windows", len(acts), o.Cases)
		}
		for i := range o.Cases {
			w := win[i*L*F : (i+1)*L*F]
			for mm := range o.Members {
				copy(ctxs[mm*P*F:], w[:P*F])
				if A > 0 {
					copy(wa[mm*L*A:], acts[i*L*A:(i+1)*L*A])
				}
			}
			out, err := f.WindowActions(ctxs, wa, o.Members, WindowSeed(1, i, 0))
			if err != nil {
				return nil, err
			}
			fc = append(fc, out...)
			truth = append(truth, w[P*F:]...)
		}
		return scorePreview(fc, truth, o.Cases, o.Members, S, c.Frame)
	}
}

// PreviewSampler is the sampler of a preview with steps sampling steps: the model's default sampler
// (DDIM for the ddpm form, Heun for the edm form).
func (m *Model) PreviewSampler(steps int) SamplerOptions {
	return SamplerOptions{Kind: m.DefaultSampler(), Steps: steps}
}

// scorePreview scores forecasts [cases, members, lead, frame...] against truth [cases, lead, frame...].
func scorePreview(fc, truth []float32, cases, members, lead int, frame []int) (map[string]float64, error) {
	fshape := append([]int{cases, members, lead}, frame...)
	oshape := append([]int{cases, lead}, frame...)
	fv, err := metrics.NewEnsemble(fc, fshape, metrics.DefaultLayout)
	if err != nil {
		return nil, err
	}
	ov, err := metrics.NewTruth(truth, oshape, metrics.DefaultLayout)
	if err != nil {
		return nil, err
	}
	rep, err := metrics.Score(fv, ov, metrics.ScoreOptions{Metrics: []string{"crps-fair", "ssr"}})
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, r := range rep.Metrics {
		switch r.Name {
		case "crps-fair":
			out["crps"] = float64(r.Mean)
			out["crps_lead1"] = float64(r.PerLead[0])
		case "ssr":
			if v := float64(r.Mean); !math.IsNaN(v) && !math.IsInf(v, 0) {
				out["spread_skill"] = v
			}
		}
	}
	return out, nil
}
