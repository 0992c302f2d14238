package forecastrun

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/sim/pushing"
)

// tinyRun trains a DyDiff run of seconds (a two-level UNet of width 8, windows 2 + 2, 4 steps) on
// travelling waves [12, 1, 8, 8] and returns the data's path, the data and the run.
func tinyRun(t *testing.T, dir string) (string, *data.Array, *dymodel.Trained) {
	t.Helper()
	const T, H, W = 12, 8, 8
	v := make([]float32, T*H*W)
	for i := range v {
		tt, y, x := i/(H*W), i/W%H, i%W
		v[i] = 3 + 2*float32(math.Sin(2*math.Pi*float64(x-tt)/W+0.3*float64(y)))
	}
	in := writeNPY(t, dir, "fields.npy", v, T, 1, H, W)
	spec := dymodel.TrainSpec{Path: in, Dir: filepath.Join(dir, "run"), Config: dymodel.DefaultConfig(), Options: dymodel.DefaultTrainOptions()}
	spec.Config.Context, spec.Config.Predict = 2, 2
	spec.Config.UNet.Channels, spec.Config.UNet.Mults, spec.Config.UNet.Blocks, spec.Config.UNet.Groups = 8, []int{1, 2}, 1, 4
	spec.Options.Steps, spec.Options.BatchSize = 4, 2
	tm, err := dymodel.Train(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tm.Close)
	return in, data.FromFloat32(v, T, 1, H, W), tm
}

// forecastOptions are `tidal forecast`'s defaults (the flags' own) for a run, data and out.
func forecastOptions(run, dataPath, out string) Options {
	return Options{Run: run, Data: dataPath, Out: out, Members: 8, Cases: 20, Lambda: 14}
}

// The forecast job on fields is Trained.Forecast with the same cases, members, sampler and seed, bit for
// bit; its truth is the data's frames from each start on, its sidecar names the cases and the model,
// the summary line says what it wrote, and the rollout's working files are gone.
func TestForecastFieldsIsTrainedForecast(t *testing.T) {
	dir := t.TempDir()
	in, observed, tm := tinyRun(t, dir)
	o := forecastOptions(tm.Dir, in, filepath.Join(dir, "fc.npy"))
	o.Starts, o.Members, o.Seed, o.Steps, o.Quiet = []int{3, 8}, 2, 5, 3, true
	o.Given = func(name string) bool { return name == "starts" }
	var line strings.Builder
	o.Stdout = &line
	if err := Forecast(o); err != nil {
		t.Fatal(err)
	}
	want, err := tm.Forecast(context.Background(), observed, dymodel.ForecastOptions{Starts: o.Starts, Members: 2, Seed: 5, Sampler: dymodel.SamplerOptions{Steps: 3}})
	if err != nil {
		t.Fatal(err)
	}
	f, truth := readArray(t, o.Out), readArray(t, forecast.TruthPath(o.Out))
	if fmt.Sprint(f.Shape) != "[2 2 2 1 8 8]" || !slices.Equal(f.Float32(), want.Ensemble.Float32()) {
		t.Errorf("forecast %v differs from Trained.Forecast's %v", f.Shape, want.Ensemble.Shape)
	}
	ov, tv := observed.Float32(), truth.Float32()
	for b, s := range o.Starts {
		if !slices.Equal(tv[b*2*64:(b+1)*2*64], ov[s*64:(s+2)*64]) {
			t.Errorf("truth of case %d: not the frames %d and %d of --data", b, s, s+1)
		}
	}
	sc, err := forecast.ReadSidecar(o.Out)
	if err != nil || sc == nil {
		t.Fatalf("sidecar: %v", err)
	}
	if sc.Kind != forecast.KindForecast || sc.Method != "dydiff" || fmt.Sprint(sc.Starts) != "[3 8]" || sc.Context != 2 || sc.Lead != 2 ||
		sc.Members != 2 || sc.Model != tm.Dir || sc.ModelStep != 4 || sc.Seed != 5 {
		t.Errorf("sidecar %+v: want the dydiff forecast of the cases [3 8] (context 2, lead 2, 2 members) by %s at step 4, seed 5", sc, tm.Dir)
	}
	if s := line.String(); !strings.HasPrefix(s, o.Out+": forecast [2 2 2 1 8 8] of "+tm.Dir+" step 4 (") || !strings.Contains(s, "3 steps") ||
		!strings.Contains(s, "cases starting at frames [3 8]") {
		t.Errorf("summary %q", s)
	}
	left, _ := filepath.Glob(dymodel.WorkPath(o.Out) + "*")
	if len(left) > 0 {
		t.Errorf("working files left: %v", left)
	}
	likeBaseline(t, o.Out, in, observed)
}

// likeBaseline checks that the persistence baseline --like the forecast fc of the data in forecasts
// its cases (start frames, context, lead) with each case's last observed frame, and that --starts
// beside --like is refused.
func likeBaseline(t *testing.T, fc, in string, observed *data.Array) {
	t.Helper()
	dir := filepath.Dir(fc)
	o := baselineOptions(in, filepath.Join(dir, "p.npy"))
	o.Like, o.Members = fc, 1
	if err := Baseline(o); err != nil {
		t.Fatal(err)
	}
	sc, err := forecast.ReadSidecar(o.Out)
	if err != nil || sc == nil || fmt.Sprint(sc.Starts) != "[3 8]" || sc.Context != 2 || sc.Lead != 2 {
		t.Fatalf("the baseline --like the forecast: sidecar %+v (%v), want the cases [3 8], context 2, lead 2", sc, err)
	}
	f, ov := readArray(t, o.Out).Float32(), observed.Float32()
	for b, s := range sc.Starts {
		for h := range 2 {
			if !slices.Equal(f[(b*2+h)*64:(b*2+h+1)*64], ov[(s-1)*64:s*64]) {
				t.Errorf("baseline case %d lead %d: not frame %d", b, h, s-1)
			}
		}
	}
	o.Out, o.Given = filepath.Join(dir, "q.npy"), func(name string) bool { return name == "starts" }
	if err := Baseline(o); err == nil || !strings.Contains(err.Error(), "--starts and --like "+fc) {
		t.Errorf("--starts with --like: %v", err)
	}
}

// Bad options are refused naming their flags, before anything is written.
func TestForecastRefusals(t *testing.T) {
	dir := t.TempDir()
	in, _, tm := tinyRun(t, dir)
	out := filepath.Join(dir, "o.npy")
	videos := filepath.Join(dir, "videos.npz")
	if _, err := pushing.WriteFile(pushing.Options{Videos: 2, Frames: 4, Size: 8, Objects: 1, Seed: 1}, videos); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(o *Options)
		want string
	}{
		{"no out", func(o *Options) { o.Out = "" }, "--out is required"},
		{"no run", func(o *Options) { o.Run = "" }, "--run is required"},
		{"members", func(o *Options) { o.Members = 0 }, "--members"},
		{"lambda without disc", func(o *Options) { o.Given = func(n string) bool { return n == "lambda" } }, "--lambda 14: the strength of the guidance by --disc"},
		{"sampler", func(o *Options) { o.Sampler = "euler" }, `--sampler "euler"`},
		{"clip-x0 of heun", func(o *Options) { o.Sampler, o.ClipX0 = "heun", 1 }, "--clip-x0 1: a DDIM option"},
		{"series flag", func(o *Options) { o.Given = func(n string) bool { return n == "windows" } }, "--windows is for time series"},
		{"overwrite", func(o *Options) { o.Out = in }, "--out"},
		{"starts", func(o *Options) { o.Starts = []int{1} }, "--starts"},
		{"missing run", func(o *Options) { o.Run = filepath.Join(dir, "nothing") }, "--run"},
		{"latent of a fields run", func(o *Options) { o.Latent = dir }, "--latent " + dir + ": --run " + tm.Dir + " was trained on the fields themselves"},
		{"starts of videos", func(o *Options) { o.Data, o.Starts = videos, []int{1} }, "--starts [1]: each video is forecast from its frame --context on"},
		{"videos to NetCDF", func(o *Options) { o.Data, o.Format = videos, "nc" }, "--format nc: forecasts of videos are written as NPY"},
		{"actions of a model without", func(o *Options) { o.Actions = in }, "--actions " + in + ": --run " + tm.Dir + " was trained without actions"},
	} {
		o := forecastOptions(tm.Dir, in, out)
		o.Steps, o.Members, o.Cases = 2, 1, 1
		c.edit(&o)
		err := Forecast(o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused forecast wrote %s", out)
	}
}
