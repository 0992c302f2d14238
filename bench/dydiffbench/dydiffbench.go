// Package dydiffbench is the Dynamical Diffusion paper comparison (Guo et al. 2025, Turbulence) on
// generated turbulence velocity: DyDiff (η = 0.5) against the DPM baseline (η = 0) with the same
// network, data, steps and seed, an η sweep, the independent-noise ablation, and the persistence and
// climatology references, scored per lead with CRPS, CSI and the spread-skill ratio on held-out cases
// (docs/DYDIFF.md, docs/RESULTS.md).
package dydiffbench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/metrics"
	"github.com/tidal-forecast/tidal/sim/navierstokes"
	"github.com/tidal-forecast/tidal/train"
)

// Options size the comparison.
type Options struct {
	// Data: Frames frames of Size² turbulence (k_f = Kf), one every SaveEvery solver steps, channels
	// u and v; the first TrainFraction of the frames train, the rest give the held-out cases.
	Size, Frames, SaveEvery int
	Kf, TrainFraction       float64
	// Windows: Context observed, Predict predicted frames.
	Context, Predict int
	// Network and training, the same for every model.
	Channels, Blocks, Groups int
	Mults                    []int
	Steps, Batch             int
	LR                       float64
	// Forecasts: Cases held-out cases of Members members, DDIM with SamplingSteps steps.
	Cases, Members, SamplingSteps int
	// ClipX0 > 0 clips DDIM's x̂₀ to ±ClipX0 (normalised units; dydiff.DDIMOptions.ClipX0); 0 clips nothing.
	ClipX0 float64
	// Seed fixes the data, the weights, the window order, the training noise and the sampling noise.
	Seed uint64
	// Etas is the η sweep; DyDiff proper is η = 0.5 and the DPM baseline η = 0 (both always run).
	Etas []float64
	// Ablation adds DyDiff (η = 0.5) trained and sampled with independent noise.
	Ablation bool
	// Samplers are the samplers of the models trained in tidal's default form (EDM form with the
	// persistence anchor, `train dydiff`'s defaults): one row per sampler and model. Empty: Heun with
	// SamplingSteps steps. The reference-form models (DyDiff and DPM in the ddpm form, the η sweep and
	// the ablation) are sampled with DDIM at SamplingSteps.
	Samplers []dymodel.SamplerOptions
	// Dir holds the run directories (a rerun resumes them); empty: a temporary folder, removed.
	Dir string
	Log io.Writer
}

// Quick is a few-minute comparison on 2 cores.
func Quick() Options {
	return Options{Size: 16, Frames: 300, SaveEvery: 20, Kf: 3, TrainFraction: 0.7, Context: 2, Predict: 4,
		Channels: 16, Blocks: 1, Groups: 8, Mults: []int{1, 2}, Steps: 400, Batch: 8, LR: 3e-3,
		Cases: 8, Members: 8, SamplingSteps: 10, Seed: 1, Etas: []float64{0, 0.1, 0.5, 0.9}, Ablation: true,
		Samplers: []dymodel.SamplerOptions{{Kind: "heun", Steps: 10}, {Kind: "dpmpp", Steps: 10}, {Kind: "heun", Steps: 50}}}
}

// Full is the paper's protocol (context 4 → predict 11, 8 members, 50 DDIM steps) on 16² with a UNet of
// 32 base channels trained 2000 steps: about 15 minutes on 2 idle cores for the five models
// (docs/RESULTS.md, which also shows that at this budget 50 DDIM steps need x̂₀ clipping, --clip-x0 3).
func Full() Options {
	return Options{Size: 16, Frames: 1000, SaveEvery: 20, Kf: 3, TrainFraction: 0.7, Context: 4, Predict: 11,
		Channels: 32, Blocks: 1, Groups: 8, Mults: []int{1, 2}, Steps: 2000, Batch: 8, LR: 2e-3,
		Cases: 20, Members: 8, SamplingSteps: 50, Seed: 1, Etas: []float64{0, 0.1, 0.5, 0.9}, Ablation: true,
		Samplers: []dymodel.SamplerOptions{{Kind: "heun", Steps: 10}, {Kind: "dpmpp", Steps: 10}, {Kind: "ddim", Steps: 10},
			{Kind: "heun", Steps: 50}, {Kind: "ddim", Steps: 50}}}
}

// Row is one method's scores per lead.
type Row struct {
	Name              string
	CRPS, CSI, SSR    []float64
	TrainS, ForecastS float64
}

// Result is the comparison.
type Result struct {
	Options Options
	Rows    []Row
	Params  int
}

// variant is one trained model.
type variant struct {
	name          string
	eta           float64
	noising       string
	param, anchor string
}

// samplers are the rows' samplers of a variant: o.Samplers (or Heun) for the EDM form, DDIM for the
// reference form.
func (v variant) samplers(o Options) []dymodel.SamplerOptions {
	if v.param != dymodel.ParamEDM {
		return []dymodel.SamplerOptions{{Kind: "ddim", Steps: o.SamplingSteps, ClipX0: o.ClipX0}}
	}
	if len(o.Samplers) > 0 {
		return o.Samplers
	}
	return []dymodel.SamplerOptions{{Kind: "heun", Steps: o.SamplingSteps}}
}

// Run generates the data, trains every variant, forecasts and scores.
func Run(ctx context.Context, b compute.Backend, o Options) (*Result, error) {
	dir := o.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "tidal-bench-dydiff-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	trainS, testS, err := turbulence(o, dir)
	if err != nil {
		return nil, err
	}
	testA := data.FromFloat32(testS.Data, testS.Shape...)
	cases, err := forecast.EvenCases(testS.Frames(), o.Context, o.Predict, o.Cases)
	if err != nil {
		return nil, err
	}
	truth, err := forecast.Truth(testA, cases)
	if err != nil {
		return nil, err
	}
	res := &Result{Options: o}
	score := func(name string, fc *data.Array, trainSec, fcSec float64) error {
		r, err := scoreRow(name, fc, truth)
		if err != nil {
			return err
		}
		r.TrainS, r.ForecastS = trainSec, fcSec
		res.Rows = append(res.Rows, r)
		logf(o.Log, "%-22s CRPS %s (train %.0f s, forecast %.0f s)", name, fmtRow(r.CRPS), trainSec, fcSec)
		return nil
	}
	pers, err := forecast.Persistence(testA, cases, o.Members)
	if err != nil {
		return nil, err
	}
	if err := score("persistence", pers, 0, 0); err != nil {
		return nil, err
	}
	clim, err := forecast.Climatology(data.FromFloat32(trainS.Data, trainS.Shape...), cases, o.Members, o.Seed)
	if err != nil {
		return nil, err
	}
	if err := score("climatology", clim, 0, 0); err != nil {
		return nil, err
	}
	ref := func(name string, eta float64, noising string) variant {
		return variant{name, eta, noising, dymodel.ParamDDPM, dymodel.AnchorNone}
	}
	vs := []variant{{"DyDiff η=0.5", 0.5, "dependent", dymodel.ParamEDM, dymodel.AnchorLast},
		{"DPM η=0", 0, "dependent", dymodel.ParamEDM, dymodel.AnchorLast},
		ref("DyDiff η=0.5 ref. form", 0.5, "dependent"), ref("DPM η=0 ref. form", 0, "dependent")}
	for _, e := range o.Etas {
		if e != 0 && e != 0.5 {
			vs = append(vs, ref(fmt.Sprintf("DyDiff η=%g ref. form", e), e, "dependent"))
		}
	}
	if o.Ablation {
		vs = append(vs, ref("DyDiff η=0.5 indep. noise ref. form", 0.5, "independent"))
	}
	trainA := data.FromFloat32(trainS.Data, trainS.Shape...)
	for _, v := range vs {
		mc := dymodel.Config{Method: dymodel.Method, Net: "unet", Context: o.Context, Predict: o.Predict, Eta: v.eta, Noising: v.noising,
			Frame: trainS.FrameShape(), UNet: dymodel.UNetConfig{Channels: o.Channels, Mults: o.Mults, Blocks: o.Blocks, Heads: 1,
				Periodic: true, Groups: o.Groups, Head: dymodel.DefaultHead}, Param: v.param, Anchor: v.anchor}
		if v.param == dymodel.ParamEDM {
			mc.EDM = dymodel.DefaultEDM()
		}
		opt := train.Defaults()
		opt.Steps, opt.BatchSize, opt.LR, opt.Seed = o.Steps, o.Batch, o.LR, int64(o.Seed)
		opt.EMAHalfLife, opt.LogEvery, opt.CheckpointEvery = float64(o.Batch*o.Steps)/8, max(o.Steps/10, 1), max(o.Steps/10, 1)
		run := filepath.Join(dir, runName(v))
		t0 := time.Now()
		tr, err := dymodel.NewTrainer(dymodel.TrainSpec{Data: trainA, Config: mc, Options: opt, Dir: run, Backend: b})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.name, err)
		}
		res.Params = tr.Model.NumParams()
		if _, err := tr.Run(ctx); err != nil {
			return nil, fmt.Errorf("%s: %w", v.name, err)
		}
		trainSec := time.Since(t0).Seconds()
		for _, so := range v.samplers(o) {
			fc, fcSec, err := forecastRun(ctx, b, run, testA, cases, so, o)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", v.name, err)
			}
			name := v.name
			if v.param == dymodel.ParamEDM {
				name = fmt.Sprintf("%s %s %d", v.name, so.Kind, so.Steps)
			}
			if err := score(name, fc, trainSec, fcSec); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

func runName(v variant) string {
	return strings.NewReplacer(" ", "-", "η=", "eta", ".", "").Replace(strings.ToLower(v.name))
}

// forecastRun opens a run and forecasts the cases of the held-out series testA (dymodel.Trained.Forecast).
func forecastRun(ctx context.Context, b compute.Backend, run string, testA *data.Array, cases forecast.Cases, so dymodel.SamplerOptions, o Options) (*data.Array, float64, error) {
	t, err := dymodel.Open(run)
	if err != nil {
		return nil, 0, err
	}
	defer t.Close()
	t.Backend = b
	t0 := time.Now()
	f, err := t.Forecast(ctx, testA, dymodel.ForecastOptions{Starts: cases.Starts, Members: o.Members, Lead: o.Predict, Sampler: so, Seed: o.Seed})
	if err != nil {
		return nil, 0, err
	}
	return f.Ensemble, time.Since(t0).Seconds(), nil
}

// turbulence simulates the velocity series and splits it by time into training and held-out parts.
func turbulence(o Options, dir string) (trainS, testS dataset.Series, err error) {
	p := filepath.Join(dir, fmt.Sprintf("ns%d-seed%d.npy", o.Size, o.Seed))
	if _, err := os.Stat(p); err != nil {
		do := navierstokes.DefaultDatasetOptions(o.Size)
		kf := min(o.Kf, float64(navierstokes.Cutoff(o.Size))-0.5) // the forcing ring below the dealiasing cutoff
		do.NuAuto, do.Kf, do.Frames, do.SaveEvery, do.Velocity, do.Seed = true, kf, o.Frames, o.SaveEvery, true, o.Seed
		do.Spinup = 2000
		if _, err := navierstokes.WriteDataset(do, p, nil); err != nil {
			return trainS, testS, err
		}
	}
	a, err := data.ReadNPY(p)
	if err != nil {
		return trainS, testS, err
	}
	T, N := a.Shape[0], a.Shape[2]
	v := a.Float32()
	uv := make([]float32, 0, T*2*N*N)
	for t := range T {
		uv = append(uv, v[(t*3+1)*N*N:(t*3+3)*N*N]...) // channels u, v of ζ, u, v
	}
	cut := int(float64(T) * o.TrainFraction)
	F := 2 * N * N
	trainS = dataset.Series{Name: p + " (train)", Shape: []int{cut, 2, N, N}, Data: uv[:cut*F]}
	testS = dataset.Series{Name: p + " (test)", Shape: []int{T - cut, 2, N, N}, Data: uv[cut*F:]}
	return trainS, testS, nil
}

// scoreRow scores a forecast [cases, members, lead, 2, N, N] against the truth per lead: the fair
// CRPS (DyDiff's PWM form, over every pixel: the reference's mask truth ≥ 0 is not applied), CSI at
// threshold 0 (the reference's Turbulence level, counts pooled over members) and the spread-skill ratio.
func scoreRow(name string, fc, truth *data.Array) (Row, error) {
	f, err := metrics.NewEnsemble(fc.Float32(), fc.Shape, metrics.DefaultLayout)
	if err != nil {
		return Row{}, err
	}
	ob, err := metrics.NewTruth(truth.Float32(), truth.Shape, metrics.DefaultLayout)
	if err != nil {
		return Row{}, err
	}
	rep, err := metrics.Score(f, ob, metrics.ScoreOptions{Metrics: []string{"crps-pwm", "csi", "ssr"}, Thresholds: []float64{0}})
	if err != nil {
		return Row{}, err
	}
	r := Row{Name: name}
	for _, m := range rep.Metrics {
		vals := make([]float64, len(m.PerLead))
		for i, v := range m.PerLead {
			vals[i] = float64(v)
		}
		switch {
		case m.Name == "crps-pwm":
			r.CRPS = vals
		case strings.HasPrefix(m.Name, "csi"):
			r.CSI = vals
		case m.Name == "ssr":
			r.SSR = vals
		}
	}
	return r, nil
}

func fmtRow(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.4f", x)
	}
	return strings.Join(parts, " ")
}

// mean is the mean of v.
func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// WriteTables prints the comparison as Markdown: CRPS per lead with its mean, then mean CSI and SSR,
// the training and forecast times, and DyDiff's CRPS relative to DPM's.
func WriteTables(w io.Writer, r *Result) {
	o := r.Options
	clip := ""
	if o.ClipX0 > 0 {
		clip = fmt.Sprintf(" (x̂₀ clipped to ±%g)", o.ClipX0)
	}
	fmt.Fprintf(w, "\n%d² turbulence velocity (u, v), %d frames every %d steps, k_f %g; context %d → predict %d; UNet %d channels × %v, %d block(s), %d parameters; %d steps × batch %d, lr %g; %d held-out cases × %d members, %d sampler steps (default form: the listed sampler; reference form: DDIM%s); seed %d\n\n",
		o.Size, o.Frames, o.SaveEvery, o.Kf, o.Context, o.Predict, o.Channels, o.Mults, o.Blocks, r.Params, o.Steps, o.Batch, o.LR, o.Cases, o.Members, o.SamplingSteps, clip, o.Seed)
	fmt.Fprintf(w, "| method | CRPS per lead 1..%d | mean CRPS | mean CSI(0) | mean SSR | train s | forecast s |\n|---|---|---|---|---|---|---|\n", o.Predict)
	for _, row := range r.Rows {
		fmt.Fprintf(w, "| %s | %s | %.4f | %.4f | %.3f | %.0f | %.1f |\n", row.Name, fmtRow(row.CRPS), mean(row.CRPS), mean(row.CSI), mean(row.SSR), row.TrainS, row.ForecastS)
	}
	var dy, dpm *Row
	for i := range r.Rows {
		switch r.Rows[i].Name {
		case "DyDiff η=0.5 ref. form":
			dy = &r.Rows[i]
		case "DPM η=0 ref. form":
			dpm = &r.Rows[i]
		}
	}
	if dy != nil && dpm != nil {
		fmt.Fprintf(w, "\nDyDiff η=0.5 mean CRPS relative to DPM η=0, reference form: %+.1f%%\n", 100*(mean(dy.CRPS)/mean(dpm.CRPS)-1))
	}
	writeDefaultFormReading(w, r)
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

// writeDefaultFormReading prints, for each sampler of the default-form models, DyDiff's mean CRPS
// relative to DPM's and to persistence's, and the leads where either is not below persistence.
func writeDefaultFormReading(w io.Writer, r *Result) {
	rows := map[string]*Row{}
	for i := range r.Rows {
		rows[r.Rows[i].Name] = &r.Rows[i]
	}
	pers := rows["persistence"]
	for _, row := range r.Rows {
		rest, ok := strings.CutPrefix(row.Name, "DyDiff η=0.5 ")
		if !ok || strings.Contains(rest, "ref. form") {
			continue
		}
		dpm := rows["DPM η=0 "+rest]
		if dpm == nil || pers == nil {
			continue
		}
		fmt.Fprintf(w, "\nDefault form, %s: DyDiff mean CRPS %+.1f%% against DPM, %.3f× persistence's (DPM %.3f×); leads not below persistence: DyDiff %v, DPM %v\n",
			rest, 100*(mean(row.CRPS)/mean(dpm.CRPS)-1), mean(row.CRPS)/mean(pers.CRPS), mean(dpm.CRPS)/mean(pers.CRPS),
			notBelow(row.CRPS, pers.CRPS), notBelow(dpm.CRPS, pers.CRPS))
	}
}

// notBelow lists the leads (from 1) where v is not below ref.
func notBelow(v, ref []float64) []int {
	out := []int{}
	for i := range v {
		if i < len(ref) && !(v[i] < ref[i]) {
			out = append(out, i+1)
		}
	}
	return out
}
