package dymodel_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/train"
)

// fields is a series [T, 2, 8, 8] of waves drifting east whose channels have very different units:
// channel c is mean[c] + std[c]·sin(...), so a channel normalised or restored with the other's
// statistics is off by orders of magnitude.
func fields(T int, mean, std [2]float64) *data.Array {
	const C, H, W = 2, 8, 8
	v := make([]float32, T*C*H*W)
	for i := range v {
		t, c, y, x := i/(C*H*W), i/(H*W)%C, i/W%H, i%W
		v[i] = float32(mean[c] + std[c]*math.Sin(2*math.Pi*float64(x-t)/W+0.3*float64(y)))
	}
	return data.FromFloat32(v, T, C, H, W)
}

// tinySpec is a small two-channel run: windows 2 + 3 of [2, 8, 8], a two-level UNet of width 8.
func tinySpec(t *testing.T, a *data.Array, steps int) dymodel.TrainSpec {
	t.Helper()
	s := dymodel.TrainSpec{Data: a, Dir: filepath.Join(t.TempDir(), "run"), Config: dymodel.DefaultConfig(),
		Options: dymodel.DefaultTrainOptions(), Backend: tensortest.Backend(t)}
	s.Config.Context, s.Config.Predict = 2, 3
	s.Config.UNet.Channels, s.Config.UNet.Mults, s.Config.UNet.Blocks, s.Config.UNet.Groups = 8, []int{1, 2}, 1, 4
	s.Options.Steps, s.Options.BatchSize, s.Options.LR = steps, 4, 3e-3
	return s
}

// The API's run directory is the CLI's: Load reads it, options.json records the model's configuration
// (Frame taken from the data) and the loop's options, and Trained.Forecast gives, bit for bit, what
// the sequence `tidal forecast` runs gives (EvenCases or the start frames → forecast.Context →
// Model.Contexts → Forecaster.Ensemble → Norm.Denormalize), with the truth forecast.Truth gathers.
// A forecast through a named working file (resumable) is the same and removes the file. Running the
// same spec again resumes the finished run and trains nothing.
func TestTrainedForecastIsTheForecastersPath(t *testing.T) {
	a := fields(24, [2]float64{0, 50}, [2]float64{1, 10})
	spec := tinySpec(t, a, 10)
	tm, err := dymodel.Train(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	if tm.Step() != 10 || !slices.Equal(tm.Model.Config.Frame, []int{2, 8, 8}) {
		t.Fatalf("trained to step %d with frames %v, expected 10 and [2 8 8]", tm.Step(), tm.Model.Config.Frame)
	}
	b, err := os.ReadFile(filepath.Join(spec.Dir, "options.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Config  json.RawMessage `json:"config"`
		Options train.Options   `json:"options"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if c, err := dymodel.Parse(rec.Config); err != nil || !reflect.DeepEqual(c, tm.Model.Config) {
		t.Errorf("options.json records config %+v (%v), the model has %+v", c, err, tm.Model.Config)
	}
	m, snap, err := dymodel.Load(spec.Dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Store.Finalize()
	if !reflect.DeepEqual(m.Config, tm.Model.Config) || snap.Step != tm.Step() || !reflect.DeepEqual(snap.Norm, tm.Norm()) {
		t.Fatalf("Load gives %+v step %d norm %v; Open gave %+v step %d norm %v", m.Config, snap.Step, snap.Norm, tm.Model.Config, tm.Step(), tm.Norm())
	}
	tm.Backend = spec.Backend
	work := filepath.Join(t.TempDir(), "forecast.rollout.npy")
	for _, o := range []dymodel.ForecastOptions{{Cases: 3, Members: 3, Seed: 7}, {Starts: []int{2, 17}, Members: 2, Lead: 5, Seed: 3},
		{Cases: 2, Members: 2, Seed: 7, Work: work}} {
		got, err := tm.Forecast(context.Background(), a, o)
		if err != nil {
			t.Fatal(err)
		}
		cs := forecast.Cases{Context: 2, Lead: 5, Starts: o.Starts}
		if o.Starts == nil {
			if cs, err = forecast.EvenCases(24, 2, 3, o.Cases); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(got.Cases, cs) {
			t.Errorf("%+v: cases %+v, expected %+v", o, got.Cases, cs)
		}
		if o.Work == "" { // the cases chosen, ForecastCases is the rest of the path (series windows use it)
			direct, err := tm.ForecastCases(context.Background(), a, cs, o)
			if err != nil || !slices.Equal(direct.Ensemble.Float32(), got.Ensemble.Float32()) || !slices.Equal(direct.Truth.Float32(), got.Truth.Float32()) {
				t.Errorf("%+v: ForecastCases differs from Forecast (%v)", o, err)
			}
		}
		ctxs, _ := forecast.Context(a, cs)
		truth, _ := forecast.Truth(a, cs)
		f, err := m.NewForecaster(spec.Backend, snap.Store, dymodel.SamplerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ens, err := f.Ensemble(context.Background(), m.Contexts(ctxs, snap.Norm), dymodel.EnsembleOptions{Members: o.Members, Lead: cs.Lead, Seed: o.Seed})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		snap.Norm.Denormalize(ens.Float32(), 64)
		if !slices.Equal(got.Ensemble.Shape, []int{len(cs.Starts), o.Members, cs.Lead, 2, 8, 8}) || !slices.Equal(got.Ensemble.Float32(), ens.Float32()) {
			t.Errorf("%+v: Trained.Forecast %v differs from the forecaster's path %v", o, got.Ensemble.Shape, ens.Shape)
		}
		if !slices.Equal(got.Truth.Shape, truth.Shape) || !slices.Equal(got.Truth.Float32(), truth.Float32()) {
			t.Errorf("%+v: truth %v differs from forecast.Truth's %v", o, got.Truth.Shape, truth.Shape)
		}
		if _, err := os.Stat(work); !os.IsNotExist(err) {
			t.Errorf("%+v: the rollout's working file is left behind (%v)", o, err)
		}
		if got.Sampler.Kind != "heun" || got.Sampler.Steps != dymodel.DefaultHeunSteps || got.Step != 10 || got.Run != spec.Dir {
			t.Errorf("%+v: sampler %+v at step %d, expected the edm form's heun, %d steps, at step 10", o, got.Sampler, got.Step, dymodel.DefaultHeunSteps)
		}
	}
	again, err := dymodel.Train(context.Background(), spec)
	if err != nil {
		t.Fatalf("the same spec again: %v", err)
	}
	again.Close()
	if st, _ := train.ReadStats(spec.Dir); len(st) != 1 || st[0].Step != 10 {
		t.Errorf("the same spec again wrote stats %+v; expected the one line of step 10", st)
	}
}

// Every channel keeps its own units through the forecast: with a learning rate of 1e-30 the
// network's output layer stays at its initial zeros, so each member is the last observed frame plus a
// departure of about one training standard deviation of its own channel. Channels 0 and 1 have means
// 0 and 1000 and standard deviations 1 and 100: a context normalised with the wrong channel's
// statistics, or a forecast restored with them, lands hundreds of standard deviations away.
func TestForecastChannelsKeepTheirUnits(t *testing.T) {
	a := fields(20, [2]float64{0, 1000}, [2]float64{1, 100})
	spec := tinySpec(t, a, 1)
	spec.Options.LR = 1e-30
	tm, err := dymodel.Train(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	if n := tm.Norm(); math.Abs(n.Mean[1]-1000) > 1 || math.Abs(n.Std[1]/n.Std[0]-100) > 1 {
		t.Fatalf("normalisation %+v: expected means ≈ 0, 1000 and standard deviations in the ratio 100", n)
	}
	fc, err := tm.Forecast(context.Background(), a, dymodel.ForecastOptions{Starts: []int{5, 11}, Members: 8, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	v, obs := fc.Ensemble.Float32(), a.Float32()
	const F, P = 2 * 64, 64
	var mean, ms [2]float64
	n := 0.0
	for b, s := range fc.Cases.Starts {
		last := obs[(s-1)*F : s*F]
		for m := range 8 {
			for l := range 3 {
				w := v[((b*8+m)*3+l)*F:][:F]
				for i := range F {
					c := i / P
					z := float64(w[i]-last[i]) / tm.Norm().Std[c]
					mean[c] += z
					ms[c] += z * z
				}
				n += P
			}
		}
	}
	for c := range 2 {
		mean[c] /= n
		rms := math.Sqrt(ms[c] / n)
		t.Logf("channel %d: departures from the last frame %.3f ± %.3f standard deviations", c, mean[c], rms)
		if math.Abs(mean[c]) > 0.5 || rms < 0.1 || rms > 5 {
			t.Errorf("channel %d: departures from the last observed frame %.3g ± %.3g of the channel's standard deviations; expected about 0 ± 1", c, mean[c], rms)
		}
	}
}

// The API names what is wrong with its inputs: the data's rank, shape, values and length, the model
// against the data, the training options, the observed series, the cases and the sampler.
func TestAPIRefusesBadInputs(t *testing.T) {
	a := fields(12, [2]float64{0, 5}, [2]float64{1, 2})
	nan := fields(12, [2]float64{0, 5}, [2]float64{1, 2})
	nan.F32[3*128+70] = float32(math.NaN())
	for _, tc := range []struct {
		name string
		edit func(*dymodel.TrainSpec)
		want string
	}{
		{"no data", func(s *dymodel.TrainSpec) { s.Data = nil }, "expected Data"},
		{"missing file", func(s *dymodel.TrainSpec) { s.Data, s.Path = nil, filepath.Join(t.TempDir(), "none.npy") }, "none.npy"},
		{"rank 3", func(s *dymodel.TrainSpec) { s.Data = data.FromFloat32(a.F32, 24, 8, 8) }, "expected fields [frames, channels, height, width] (rank 4)"},
		{"NaN", func(s *dymodel.TrainSpec) { s.Data = nan }, "at frame 3"},
		{"short", func(s *dymodel.TrainSpec) { s.Config.Predict = 20 }, "fewer than the 2 + 20 = 22 of one window"},
		{"frame", func(s *dymodel.TrainSpec) { s.Config.Frame = []int{1, 8, 8} }, "Config.Frame [1 8 8]"},
		{"eta", func(s *dymodel.TrainSpec) { s.Config.Eta = 1 }, "expected 0 ≤ η < 1"},
		{"series net", func(s *dymodel.TrainSpec) { s.Config.Net = "series" }, "trains on fields"},
		{"options", func(s *dymodel.TrainSpec) { s.Options = train.Options{Steps: 5} }, "batch_size = 0"},
		{"val frames", func(s *dymodel.TrainSpec) { s.Val = data.FromFloat32(make([]float32, 12*64), 12, 1, 8, 8) }, "expected frames [2 8 8]"},
		{"no dir", func(s *dymodel.TrainSpec) { s.Dir = "" }, "needs Dir"},
	} {
		s := tinySpec(t, a, 1)
		tc.edit(&s)
		if _, err := dymodel.NewTrainer(s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, expected an error containing %q", tc.name, err, tc.want)
		}
	}
	tm, err := dymodel.Train(context.Background(), tinySpec(t, a, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	for _, tc := range []struct {
		name string
		obs  *data.Array
		o    dymodel.ForecastOptions
		want string
	}{
		{"nil", nil, dymodel.ForecastOptions{}, "no observed series"},
		{"rank", data.FromFloat32(a.F32, 12, 2, 64), dymodel.ForecastOptions{}, "expected [frames, 2, 8, 8] (rank 4)"},
		{"frame", data.FromFloat32(a.F32, 12, 2, 4, 16), dymodel.ForecastOptions{}, "the model was trained on frames [2 8 8]"},
		{"NaN", nan, dymodel.ForecastOptions{}, "at frame 3"},
		{"start", a, dymodel.ForecastOptions{Starts: []int{1}}, "start 1: a case needs the model's 2 context frames"},
		{"late start", a, dymodel.ForecastOptions{Starts: []int{10}}, "within the 12 frames"},
		{"both", a, dymodel.ForecastOptions{Cases: 2, Starts: []int{4}}, "not both"},
		{"members", a, dymodel.ForecastOptions{Members: -1}, "members -1"},
		{"sampler", a, dymodel.ForecastOptions{Sampler: dymodel.SamplerOptions{Kind: "euler"}}, `sampler "euler"`},
		{"clip", a, dymodel.ForecastOptions{Sampler: dymodel.SamplerOptions{ClipX0: 3}}, "clip x̂₀"},
		{"short", data.FromFloat32(a.F32[:4*128], 4, 2, 8, 8), dymodel.ForecastOptions{}, "too short"},
		{"lead", a, dymodel.ForecastOptions{Lead: -2}, "lead -2"},
		{"many cases", a, dymodel.ForecastOptions{Cases: 1 << 30}, "cases: expected at most"},
	} {
		if _, err := tm.Forecast(context.Background(), tc.obs, tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, expected an error containing %q", tc.name, err, tc.want)
		}
	}
}

// A spec with the zero Config and Options trains what `tidal train dydiff` trains by default (its
// flags' defaults: DefaultConfig with the data's frame, DefaultTrainOptions without validation).
func TestTrainSpecZeroValuesAreTheCommandsDefaults(t *testing.T) {
	a := fields(20, [2]float64{0, 5}, [2]float64{1, 2})
	tr, err := dymodel.NewTrainer(dymodel.TrainSpec{Data: a, Dir: filepath.Join(t.TempDir(), "run"), Backend: tensortest.Backend(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	want := dymodel.DefaultConfig()
	want.Frame = []int{2, 8, 8}
	if !reflect.DeepEqual(tr.Model.Config, want) {
		t.Errorf("config %+v, expected %+v", tr.Model.Config, want)
	}
	o := dymodel.DefaultTrainOptions()
	o.ValEvery, o.PreviewEvery = 0, 0
	if !reflect.DeepEqual(tr.Job.Options, o) || o.LR != 1e-3 || o.Steps != 1000 || o.BatchSize != 16 {
		t.Errorf("options %+v, expected %+v", tr.Job.Options, o)
	}
	if rc, ok := tr.Job.Config.(dymodel.RecordedConfig); !ok || rc.Preview != nil {
		t.Errorf("job config %+v: expected a RecordedConfig without a preview", tr.Job.Config)
	}
	m := tr.Model
	if got, fc := m.ForecastBytes(20, 3, 8, 11), int64(3*8*11*128*4); got < 3*fc+m.SampleBytes(8) || got > 3*fc+m.SampleBytes(8)+int64(20*128*8+3*11*128*4) {
		t.Errorf("ForecastBytes(20 frames, 3 cases, 8 members, lead 11) = %d: expected three forecasts of %d bytes, the sampler's %d, the series and the truth", got, fc, m.SampleBytes(8))
	}
	if tr.Windows != 20-15+1 {
		t.Errorf("%d training windows of 15 frames in 20, expected 6", tr.Windows)
	}
}

// With validation data the run scores the EMA weights on it and previews forecasts of it (in the
// training data's units, dymodel.Renormalized), and records the preview's settings as the command does.
func TestTrainSpecWithValidation(t *testing.T) {
	a := fields(24, [2]float64{0, 50}, [2]float64{1, 10})
	spec := tinySpec(t, a, 10)
	spec.Val = fields(12, [2]float64{1, 52}, [2]float64{1, 9})
	spec.Options.ValEvery, spec.Options.PreviewEvery = 10, 10
	spec.Preview = &dymodel.PreviewOptions{Cases: 2, Members: 2, Steps: 3}
	tm, err := dymodel.Train(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	tm.Close()
	st, err := train.ReadStats(spec.Dir)
	if err != nil || len(st) != 1 {
		t.Fatalf("stats %+v (%v): expected one line", st, err)
	}
	if st[0].ValLoss == nil || st[0].Preview["crps"] <= 0 {
		t.Errorf("stats %+v: expected a validation loss and a preview CRPS", st[0])
	}
	b, _ := os.ReadFile(filepath.Join(spec.Dir, "options.json"))
	if !strings.Contains(string(b), `"preview": {`) || !strings.Contains(string(b), `"members": 2`) {
		t.Errorf("options.json does not record the preview's settings:\n%s", b)
	}
}

// A spec with static fields keeps them in the run: Open gives the model the same fields (in physical
// units), the recorded configuration describes them, the forecast runs with them, and a spec that
// changes the fields of a finished run is refused unless it starts over.
func TestTrainSpecStaticFields(t *testing.T) {
	a := fields(16, [2]float64{0, 5}, [2]float64{1, 2})
	orog := make([]float32, 8*8)
	for i := range orog {
		orog[i] = float32(100 * math.Cos(float64(i%8)))
	}
	st, err := dataset.NewStatic("orography", data.FromFloat32(orog, 1, 8, 8))
	if err != nil {
		t.Fatal(err)
	}
	spec := tinySpec(t, a, 4)
	spec.Static = st
	tm, err := dymodel.Train(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	if got := tm.Model.Static(); got == nil || !got.Equal(st) {
		t.Fatalf("the opened run's static fields %v, want the spec's %v", got, st.Shape())
	}
	if c := tm.Model.Config.Static; c == nil || c.Channels != 1 || math.Abs(c.Std[0]-st.Norm().Std[0]) > 1e-9 {
		t.Errorf("recorded static configuration %+v, want 1 channel with the fields' statistics %+v", c, st.Norm())
	}
	fc, err := tm.Forecast(context.Background(), a, dymodel.ForecastOptions{Cases: 2, Members: 2, Lead: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range fc.Ensemble.Float32() {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("forecast with static fields holds %v", v)
		}
	}
	other, _ := dataset.NewStatic("other", data.FromFloat32(make([]float32, 64), 1, 8, 8))
	spec.Static = other
	spec.Options.Steps = 6
	if _, err := dymodel.Train(context.Background(), spec); err == nil || !strings.Contains(err.Error(), "other static fields") {
		t.Errorf("resuming with other static fields: %v, want a refusal naming them", err)
	}
}

// ResolveSampler names the option it refuses (a *SamplerError the command line maps to its flags) and
// fills in the model's defaults: heun with its steps for the edm form.
func TestResolveSamplerNamesTheOption(t *testing.T) {
	m, err := dymodel.New(func() dymodel.Config {
		c := dymodel.DefaultConfig()
		c.Frame = []int{1, 8, 8}
		return c
	}())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		o      dymodel.SamplerOptions
		option string
	}{
		{dymodel.SamplerOptions{Kind: "euler"}, "Kind"},
		{dymodel.SamplerOptions{Steps: 1001}, "Steps"},
		{dymodel.SamplerOptions{Kind: "ddim", ClipX0: 3}, "ClipX0"},
		{dymodel.SamplerOptions{SigmaMax: 0.001}, "SigmaMax"},
		{dymodel.SamplerOptions{Kind: "heun", EtaDDIM: 0.5}, "EtaDDIM"},
	} {
		_, err := m.ResolveSampler(tc.o)
		var se *dymodel.SamplerError
		if !errors.As(err, &se) || se.Option != tc.option {
			t.Errorf("%+v: %v, want a *SamplerError on %s", tc.o, err, tc.option)
		}
	}
	so, err := m.ResolveSampler(dymodel.SamplerOptions{})
	if err != nil || so.Kind != "heun" || so.Steps != m.DefaultSteps("heun") {
		t.Errorf("defaults: %+v, %v; want heun with %d steps", so, err, m.DefaultSteps("heun"))
	}
}
