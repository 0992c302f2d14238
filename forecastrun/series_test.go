package forecastrun

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/train"
	"github.com/tidal-forecast/tidal/trainrun"
)

// tinySeriesRun trains a SeriesNet DyDiff run of seconds (windows 2 + 2, 2 steps) on a series [40, 2]
// in LSTNet's text format and returns the file's path, the series and the run's directory.
func tinySeriesRun(t *testing.T, dir string) (string, *data.Array, string) {
	t.Helper()
	const T = 40
	v := make([]float64, 0, 2*T)
	var b strings.Builder
	for i := range T {
		x, y := 100+float64(i%7), -3+0.01*float64(i%5)
		v = append(v, x, y)
		fmt.Fprintf(&b, "%g,%g\n", x, y)
	}
	path := filepath.Join(dir, "walks.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	r, err := trainrun.Prepare(trainrun.Options{Data: path, Run: run, Noising: "dependent", Param: dymodel.ParamEDM, Anchor: dymodel.AnchorLast,
		EDMOutput: dymodel.DefaultEDM().Output, SigmaData: dymodel.DefaultEDM().SigmaData, PMean: dymodel.DefaultEDM().PMean,
		PStd: dymodel.DefaultEDM().PStd, Eta: 0.5, Context: 2, Predict: 2, Stride: 1, Channels: 8, Blocks: 1, Heads: 1, Groups: 4,
		Mults: []int{1, 2}, Head: dymodel.DefaultHead, Series: cli.SeriesFlags{Missing: "error", Ragged: "error"}, Steps: 2, Batch: 2,
		LogEvery: 1, CheckpointEvery: 1, KeepCheckpoints: 3, ValEvery: 100, ValBatches: 4, PreviewEvery: 100, PreviewCases: 4,
		PreviewMembers: 4, PreviewSteps: 10, Schedule: "constant", LR: 1e-3, WeightDecay: 0.01, EMAHalfLife: 500000, EMARampUp: 0.05, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = train.Run(context.Background(), r.Job)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	return path, data.FromFloat64(v, T, 2), run
}

// The forecast job on a time series is Trained.ForecastCases of the same windows, bit for bit; its
// truth is the series' rows from each start on, and beside it the quantiles (a header and one line per
// window, series and lead) and the sample paths (one JSON line per window and series) are written.
func TestForecastSeriesIsForecastCases(t *testing.T) {
	dir := t.TempDir()
	in, series, run := tinySeriesRun(t, dir)
	o := forecastOptions(run, in, filepath.Join(dir, "fc.npy"))
	o.Starts, o.Members, o.Seed, o.Steps, o.Quiet = []int{20, 30}, 2, 3, 2, true
	o.Series = cli.SeriesFlags{Missing: "error", Ragged: "error"}
	o.Given = func(name string) bool { return name == "starts" }
	if err := Forecast(o); err != nil {
		t.Fatal(err)
	}
	m, snap, err := dymodel.Load(run, nil) // dymodel.Open is for fields
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Store.Finalize()
	tm := &dymodel.Trained{Dir: run, Model: m, Snapshot: snap}
	want, err := tm.ForecastCases(context.Background(), series, forecast.Cases{Starts: o.Starts, Context: 2, Lead: 2},
		dymodel.ForecastOptions{Members: 2, Seed: 3, Sampler: dymodel.SamplerOptions{Steps: 2}})
	if err != nil {
		t.Fatal(err)
	}
	f, truth := readArray(t, o.Out), readArray(t, forecast.TruthPath(o.Out))
	if fmt.Sprint(f.Shape) != "[2 2 2 2]" || !slices.Equal(f.Float64(), want.Ensemble.Float64()) {
		t.Errorf("forecast %v %v differs from Trained.ForecastCases's %v", f.Shape, f.Float64(), want.Ensemble.Float64())
	}
	sv := series.Float64()
	for b, s := range o.Starts {
		for i, x := range truth.Float64()[b*4 : b*4+4] {
			if float32(x) != float32(sv[s*2+i]) {
				t.Errorf("truth of window %d, value %d: %v, want row %d's %v", b, i, x, s+i/2, sv[s*2+i])
			}
		}
	}
	if n := lines(t, strings.TrimSuffix(o.Out, ".npy")+".quantiles.csv"); n != 1+2*2*2 {
		t.Errorf("quantiles: %d lines, want a header and 2 windows × 2 series × 2 leads", n)
	}
	if n := lines(t, strings.TrimSuffix(o.Out, ".npy")+".samples.jsonl"); n != 2*2 {
		t.Errorf("samples: %d lines, want 2 windows × 2 series", n)
	}
	o.Out, o.Given = filepath.Join(dir, "x.npy"), func(name string) bool { return name == "cases" }
	if err := Forecast(o); err == nil || !strings.Contains(err.Error(), "--cases is for fields") {
		t.Errorf("--cases on a series: %v", err)
	}
}

// lines counts the lines of the file at path.
func lines(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for s := bufio.NewScanner(f); s.Scan(); {
		n++
	}
	return n
}
