package trainrun

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/train"
)

// tinyOptions are `tidal train dydiff`'s defaults (the flags' own) shrunk to a run of seconds: windows
// 2 + 2, a two-level UNet of width 8, 2 steps of 2 windows.
func tinyOptions(dir, dataPath string) Options {
	return Options{Data: dataPath, Run: filepath.Join(dir, "run"), Net: "", Noising: "dependent", Param: dymodel.ParamEDM,
		Anchor: dymodel.AnchorLast, EDMOutput: dymodel.DefaultEDM().Output, SigmaData: dymodel.DefaultEDM().SigmaData,
		PMean: dymodel.DefaultEDM().PMean, PStd: dymodel.DefaultEDM().PStd, Eta: 0.5, Context: 2, Predict: 2, Stride: 1,
		Channels: 8, Blocks: 1, Heads: 1, Groups: 4, Mults: []int{1, 2}, Head: dymodel.DefaultHead, Periodic: true,
		DiT:    DiT{Patch: DiTDefaultPatch, Hidden: DiTDefaultHidden, Depth: DiTDefaultDepth},
		Series: cli.SeriesFlags{Missing: "error", Ragged: "error"}, Steps: 2, Batch: 2, LogEvery: 1, CheckpointEvery: 1,
		KeepCheckpoints: 3, ValEvery: 100, ValBatches: 4, PreviewEvery: 100, PreviewCases: 4, PreviewMembers: 4, PreviewSteps: 10,
		Schedule: "constant", LR: 1e-3, WeightDecay: 0.01, EMAHalfLife: 500000, EMARampUp: 0.05, Seed: 1}
}

// writeFields writes fields [T, 1, 8, 8] of mean 5 and standard deviation about 2 as an NPY file in dir.
func writeFields(t *testing.T, dir string, T int) (string, []float32) {
	t.Helper()
	v := make([]float32, T*64)
	for i := range v {
		tt, y, x := i/64, i/8%8, i%8
		v[i] = float32(5 + 2*math.Sqrt2*math.Sin(2*math.Pi*float64(x-tt)/8+0.4*float64(y)))
	}
	path := filepath.Join(dir, "fields.npy")
	if err := data.WriteNPY(path, data.FromFloat32(v, T, 1, 8, 8)); err != nil {
		t.Fatal(err)
	}
	return path, v
}

// A field run prepared from the options trains: the job normalises with the training data's mean and
// standard deviation (computed here in float64 on the host), records the configuration of the options
// (the UNet by default, frames from the data), trains to the steps asked, and the run opens and
// forecasts in the data's units (its ensemble mean within 3 standard deviations of the level 5).
func TestPrepareFieldsTrains(t *testing.T) {
	dir := t.TempDir()
	path, v := writeFields(t, dir, 12)
	var banner strings.Builder
	o := tinyOptions(dir, path)
	o.Stderr = &banner
	r, err := Prepare(o)
	if err != nil {
		t.Fatal(err)
	}
	mean, sq := 0.0, 0.0
	for _, x := range v {
		mean += float64(x) / float64(len(v))
	}
	for _, x := range v {
		sq += (float64(x) - mean) * (float64(x) - mean) / float64(len(v))
	}
	if n := r.Job.Norm; math.Abs(n.Mean[0]-mean) > 1e-4 || math.Abs(n.Std[0]-math.Sqrt(sq)) > 1e-3*math.Sqrt(sq) {
		t.Errorf("norm mean %v std %v: want %v, %v", n.Mean, n.Std, mean, math.Sqrt(sq))
	}
	rc := r.Job.Config.(dymodel.RecordedConfig)
	if rc.Net != "unet" || fmt.Sprint(rc.Frame) != "[1 8 8]" || rc.UNet.Channels != 8 || rc.Eta != 0.5 {
		t.Errorf("recorded config %+v: want the unet of width 8 on frames [1 8 8], η 0.5", rc.Config)
	}
	if !strings.Contains(banner.String(), "train dydiff: η 0.5 (dependent noise)") {
		t.Errorf("summary line %q", banner.String())
	}
	res, err := train.Run(context.Background(), r.Job)
	r.Close()
	if err != nil || res.Step != 2 {
		t.Fatalf("trained to step %d (%v): want 2", res.Step, err)
	}
	tm, err := dymodel.Open(o.Run)
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	fc, err := tm.Forecast(context.Background(), data.FromFloat32(v, 12, 1, 8, 8), dymodel.ForecastOptions{Cases: 1, Members: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := 0.0
	for _, x := range fc.Ensemble.Float32() {
		m += float64(x) / float64(len(fc.Ensemble.Float32()))
	}
	if math.Abs(m-5) > 3*2 {
		t.Errorf("forecast mean %v: want the data's units, near 5", m)
	}
}

// Bad options are refused before anything is written, each error naming its flag or file; a network
// that cannot be built is a NetworkError, which the command maps onto the flag behind it.
func TestPrepareRefuses(t *testing.T) {
	dir := t.TempDir()
	path, _ := writeFields(t, dir, 12)
	given := func(names ...string) func(string) bool {
		return func(n string) bool {
			for _, g := range names {
				if g == n {
					return true
				}
			}
			return false
		}
	}
	for _, c := range []struct {
		name, want string
		edit       func(*Options)
	}{
		{"no run", "--run is required", func(o *Options) { o.Run = "" }},
		{"eta", "--eta 1: expected 0 ≤ η < 1", func(o *Options) { o.Eta = 1 }},
		{"checkpoint", "--checkpoint-every 3: expected a multiple of --log-every 2", func(o *Options) { o.LogEvery, o.CheckpointEvery = 2, 3 }},
		{"preview without val", "--preview-every 5 needs --val", func(o *Options) { o.PreviewEvery, o.Given = 5, given("preview-every") }},
		{"dit with unet flags", "--channels sizes the UNet", func(o *Options) { o.Net, o.Given = "dit", given("channels") }},
		{"patch", "--patch 16 is larger than the 8×8 frames", func(o *Options) { o.Net, o.DiT.Patch = "dit", 16 }},
		{"walk on fields", "--anchor walk is for time series", func(o *Options) { o.Anchor = dymodel.AnchorWalk }},
		{"too short", "fewer than --context 2 + --predict 20", func(o *Options) { o.Predict = 20 }},
		{"missing data", "fields.npy.missing", func(o *Options) { o.Data += ".missing" }},
		{"actions on fields", "--actions none: for video data", func(o *Options) { o.Actions = "none" }},
		{"latent series net", "--net series needs a time series", func(o *Options) { o.Net = "series" }},
	} {
		o := tinyOptions(dir, path)
		c.edit(&o)
		r, err := Prepare(o)
		if err == nil {
			r.Close()
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v: want it to say %q", c.name, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "run")); !os.IsNotExist(err) {
		t.Errorf("a refused run left its directory: %v", err)
	}
	o := tinyOptions(dir, path)
	o.Heads = 3 // 3 heads do not divide the attention's 16 channels
	r, err := Prepare(o)
	if err == nil {
		r.Close()
	}
	if ne := AsNetworkError(err); ne == nil || !strings.Contains(ne.What, "fields.npy") {
		t.Errorf("heads 3: %v: want a NetworkError for --data fields.npy", err)
	}
}

// A run directory's recorded settings are the defaults of a resumed run: the EDM σ_data and output it
// records win over the defaults, unless the flag is given; series default to the walk anchor and the
// series' σ_data; the series network is the default for a series.
func TestResolveFromRecordedRun(t *testing.T) {
	run := runWithOptions(t, `{"options":{},"config":{"method":"dydiff","net":"unet","param":"edm","edm":{"sigma_data":0.25,"output":"dynamics"}}}`)
	dir := t.TempDir()
	path, _ := writeFields(t, dir, 12)
	o := tinyOptions(dir, path)
	o.Run = run
	if _, err := resolveTrainFlags(&o); err != nil || o.SigmaData != 0.25 || o.EDMOutput != "dynamics" || o.Net != "unet" {
		t.Errorf("resumed: σ_data %v, output %q, net %q (%v): want 0.25, dynamics, unet", o.SigmaData, o.EDMOutput, o.Net, err)
	}
	o = tinyOptions(dir, path)
	o.Run, o.SigmaData, o.Given = run, 0.7, func(n string) bool { return n == "sigma-data" }
	if _, err := resolveTrainFlags(&o); err != nil || o.SigmaData != 0.7 || o.EDMOutput != "dynamics" {
		t.Errorf("--sigma-data given: σ_data %v, output %q (%v): want 0.7, dynamics", o.SigmaData, o.EDMOutput, err)
	}
	series := filepath.Join(dir, "walks.txt")
	if err := os.WriteFile(series, []byte(strings.Repeat("1,2\n", 30)), 0o644); err != nil {
		t.Fatal(err)
	}
	o = tinyOptions(dir, series)
	isSeries, err := resolveTrainFlags(&o)
	if def := dymodel.DefaultSeriesEDM(); err != nil || !isSeries || o.Net != "series" || o.Anchor != dymodel.AnchorWalk || o.SigmaData != def.SigmaData {
		t.Errorf("series: %v, net %q, anchor %q, σ_data %v (%v): want a series, series, walk, %v", isSeries, o.Net, o.Anchor, o.SigmaData, err, def.SigmaData)
	}
}

// A new field run takes the stability defaults (gradient clipping, context noise); a recorded run
// resumes with what it records (a run recorded before them: neither), unless the flag is given; a
// series takes neither, and refuses --context-noise.
func TestFieldGuardsDefaults(t *testing.T) {
	dir := t.TempDir()
	path, _ := writeFields(t, dir, 12)
	o := tinyOptions(dir, path)
	o.Run = filepath.Join(dir, "new")
	if _, err := resolveTrainFlags(&o); err != nil || o.ClipGradNorm != dymodel.DefaultClipGradNorm || o.CtxNoise != dymodel.DefaultContextNoise {
		t.Errorf("new run: clip %v, context noise %v (%v): want %v, %v", o.ClipGradNorm, o.CtxNoise, err, dymodel.DefaultClipGradNorm, dymodel.DefaultContextNoise)
	}
	old := runWithOptions(t, `{"options":{"clip_grad_norm":0},"config":{"method":"dydiff","net":"unet","param":"edm","edm":{"sigma_data":0.5}}}`)
	o = tinyOptions(dir, path)
	o.Run = old
	if _, err := resolveTrainFlags(&o); err != nil || o.ClipGradNorm != 0 || o.CtxNoise != 0 {
		t.Errorf("run recorded before the defaults: clip %v, context noise %v (%v): want 0, 0", o.ClipGradNorm, o.CtxNoise, err)
	}
	rec := runWithOptions(t, `{"options":{"clip_grad_norm":0.5},"config":{"method":"dydiff","net":"unet","context_noise":0.2}}`)
	o = tinyOptions(dir, path)
	o.Run, o.CtxNoise, o.Given = rec, 0.1, func(n string) bool { return n == "context-noise" }
	if _, err := resolveTrainFlags(&o); err != nil || o.ClipGradNorm != 0.5 || o.CtxNoise != 0.1 {
		t.Errorf("recorded 0.5 and 0.2, --context-noise 0.1 given: clip %v, context noise %v (%v): want 0.5, 0.1", o.ClipGradNorm, o.CtxNoise, err)
	}
	series := filepath.Join(dir, "walks.txt")
	if err := os.WriteFile(series, []byte(strings.Repeat("1,2\n", 30)), 0o644); err != nil {
		t.Fatal(err)
	}
	o = tinyOptions(dir, series)
	o.ClipGradNorm = 0
	if _, err := resolveTrainFlags(&o); err != nil || o.ClipGradNorm != 0 || o.CtxNoise != 0 {
		t.Errorf("series: clip %v, context noise %v (%v): want the flags' 0, 0", o.ClipGradNorm, o.CtxNoise, err)
	}
	o.CtxNoise, o.Given = 0.1, func(n string) bool { return n == "context-noise" }
	if _, err := resolveTrainFlags(&o); err == nil || !strings.Contains(err.Error(), "--context-noise") {
		t.Errorf("series with --context-noise: %v, want an error naming the flag", err)
	}
}
