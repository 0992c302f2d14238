package dymodel_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// walks is a series [T, 2] of two random walks around very different levels (1000 and −5), with steps
// of 1 and 0.01: a forecast left in the scaled space, or scaled by the other series' spread, is off by
// orders of magnitude.
func walks(T int) *data.Array {
	v := make([]float32, T*2)
	x := [2]float64{1000, -5}
	step := [2]float64{1, 0.01}
	for t := range T {
		for n := range 2 {
			x[n] += step[n] * math.Sin(1.7*float64(t*(n+2))+0.5) // a deterministic, walk-like path
			v[t*2+n] = float32(x[n])
		}
	}
	return data.FromFloat32(v, T, 2)
}

// tinySeriesSpec is a small series run: windows 4 + 3 of 2 series, SeriesNet of width 8, one block.
func tinySeriesSpec(t *testing.T, a *data.Array, steps int) dymodel.SeriesTrainSpec {
	t.Helper()
	s := dymodel.SeriesTrainSpec{Data: a, Rows: 40, Dir: filepath.Join(t.TempDir(), "run"), Config: dymodel.DefaultSeriesConfig(),
		Options: dymodel.DefaultTrainOptions(), Backend: tensortest.Backend(t)}
	s.Config.Context, s.Config.Predict = 4, 3
	s.Config.Series.Channels, s.Config.Series.Blocks = 8, 1
	s.Options.Steps, s.Options.BatchSize, s.Options.LogEvery, s.Options.CheckpointEvery = 4, 4, 2, 2
	return s
}

// A series spec trains: options.json records the series model with the frame taken from the data
// and the identity normalisation (windows scaled inside the model), the training windows are those
// of the first Rows rows only, and the trained model's forecast is in the series' own units: each
// series' ensemble mean lies within a few of its own steps of the truth (the walk anchor departs from
// the last observation by about one step per row), though the two levels are 1000 and −5.
func TestSeriesTrainSpecTrainsAndForecastsInUnits(t *testing.T) {
	a := walks(60)
	spec := tinySeriesSpec(t, a, 4)
	tr, err := dymodel.NewSeriesTrainer(spec)
	if err != nil {
		t.Fatal(err)
	}
	if want := 40 - 7 + 1; tr.Windows != want {
		t.Errorf("%d training windows, want %d (the windows of 7 rows within the first 40)", tr.Windows, want)
	}
	tr.Close()
	tm, err := dymodel.TrainSeries(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	if tm.Step() != 4 || fmtInts(tm.Model.Config.Frame) != "[2]" || tm.Model.Config.Net != "series" {
		t.Fatalf("trained to step %d, frame %v, net %q: want 4, [2], series", tm.Step(), tm.Model.Config.Frame, tm.Model.Config.Net)
	}
	if n := tm.Norm(); n.Mean[0] != 0 || n.Std[1] != 1 {
		t.Errorf("norm %+v: want the identity (mean 0, std 1)", n)
	}
	b, err := os.ReadFile(filepath.Join(spec.Dir, "options.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Config map[string]any `json:"config"`
	}
	if err := json.Unmarshal(b, &rec); err != nil || rec.Config["net"] != "series" || rec.Config["anchor"] != dymodel.AnchorWalk {
		t.Fatalf("options.json config %v (%v): want the series model with the walk anchor", rec.Config, err)
	}
	cs, err := forecast.EvenCases(60, 4, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := tm.ForecastCases(context.Background(), a, cs, dymodel.ForecastOptions{Members: 8, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	checkSeriesUnits(t, fc, [2]float64{1, 0.01})
}

// checkSeriesUnits checks each series' ensemble mean [cases, members, lead, N] against the truth
// [cases, lead, N]: within 10 of the series' steps.
func checkSeriesUnits(t *testing.T, fc *dymodel.Forecast, step [2]float64) {
	t.Helper()
	e, tr := fc.Ensemble, fc.Truth.Float32()
	C, M, S, N := e.Shape[0], e.Shape[1], e.Shape[2], e.Shape[3]
	ev := e.Float32()
	for c := range C {
		for s := range S {
			for n := range N {
				mean := 0.0
				for m := range M {
					mean += float64(ev[((c*M+m)*S+s)*N+n]) / float64(M)
				}
				truth := float64(tr[(c*S+s)*N+n])
				if d := math.Abs(mean - truth); !(d < 10*step[n]) {
					t.Fatalf("case %d lead %d series %d: ensemble mean %g, truth %g: off by %g, more than 10 steps of %g", c, s, n, mean, truth, d, step[n])
				}
			}
		}
	}
}

// A bad series spec is refused with an error that says what was expected: fields, a non-series
// network, a frame of other series, η = 1, validation data of other series, no directory.
func TestSeriesTrainSpecRefuses(t *testing.T) {
	a := walks(60)
	for _, c := range []struct {
		name, want string
		edit       func(*dymodel.SeriesTrainSpec)
	}{
		{"fields", "expected a time series [T, N]", func(s *dymodel.SeriesTrainSpec) { s.Data = data.FromFloat32(make([]float32, 16), 1, 1, 4, 4) }},
		{"unet", `net "unet"`, func(s *dymodel.SeriesTrainSpec) { s.Config.Net = "unet" }},
		{"frame", "Config.Frame [3]", func(s *dymodel.SeriesTrainSpec) { s.Config.Frame = []int{3} }},
		{"eta", "expected 0 ≤ η < 1", func(s *dymodel.SeriesTrainSpec) { s.Config.Eta = 1 }},
		{"val", "expected [T, 2]", func(s *dymodel.SeriesTrainSpec) { s.Val = data.FromFloat32(make([]float32, 30), 10, 3) }},
		{"rows", "training rows", func(s *dymodel.SeriesTrainSpec) { s.Rows = 61 }},
		{"dir", "needs Dir", func(s *dymodel.SeriesTrainSpec) { s.Dir = "" }},
	} {
		s := tinySeriesSpec(t, a, 1)
		c.edit(&s)
		tr, err := dymodel.NewSeriesTrainer(s)
		if err == nil {
			tr.Close()
			t.Errorf("%s: accepted", c.name)
		} else if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v: want it to say %q", c.name, err, c.want)
		}
	}
}

// fmtInts is xs as fmt prints them.
func fmtInts(xs []int) string {
	b, _ := json.Marshal(xs)
	return strings.ReplaceAll(strings.ReplaceAll(string(b), ",", " "), "\"", "")
}
