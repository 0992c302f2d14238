package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
)

const exchangeRate = "../../datasets/exchange_rate.txt.gz"

// The series acceptance path on the shipped exchange-rate file: `tidal train dydiff` (a few steps, on
// the first 6071 rows only) → `tidal forecast` (the 5 standard windows, [5, members, 30, 8], truth
// [5, 30, 8] equal to rows 6071…6220 of the file) → `tidal baseline --method random-walk` and
// `seasonal-naive` in the same layout → `tidal score --metrics crps-sum,crps-sum-ql` on all of them.
// The same seed gives the same bytes, another seed differs.
func TestSeriesTrainForecastScore(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	out, err := runTidal(t, "train", "dydiff", "--data", exchangeRate, "--context", "30", "--predict", "30", "--eta", "0.5",
		"--steps", "4", "--batch", "2", "--channels", "8", "--blocks", "1", "--log-every", "2", "--checkpoint-every", "4", "--run", run)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "from the first 6071 of 7588 rows") {
		t.Errorf("training did not use exchange rate's 6071 training rows:\n%s", out)
	}
	raw, err := os.ReadFile(filepath.Join(run, "options.json"))
	var opts struct {
		Config struct {
			Net    string `json:"net"`
			Frame  []int  `json:"frame"`
			Param  string `json:"param"`
			Anchor string `json:"anchor"`
		} `json:"config"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &opts)
	}
	if err != nil || opts.Config.Net != "series" || !slices.Equal(opts.Config.Frame, []int{8}) {
		t.Errorf("options.json does not record the series network of 8 series (%v): %+v", err, opts.Config)
	}
	if opts.Config.Param != "edm" || opts.Config.Anchor != "walk" {
		t.Errorf("a series run defaults to the edm form with the walk anchor, options.json records %+v", opts.Config)
	}
	s, err := data.ReadSeries(exchangeRate, data.SeriesOptions{})
	if err != nil {
		t.Fatal(err)
	}
	forecastArgs := func(path, seed string) []string {
		return []string{"forecast", "--run", run, "--data", exchangeRate, "--members", "3", "--sampler-steps", "4",
			"--seed", seed, "--quiet", "--out", path}
	}
	fc := filepath.Join(dir, "fc.npy")
	for _, c := range []struct{ path, seed string }{{fc, "1"}, {filepath.Join(dir, "same.npy"), "1"}, {filepath.Join(dir, "other.npy"), "2"}} {
		if out, err := runTidal(t, forecastArgs(c.path, c.seed)...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	// Beside the NPY: the quantile CSV (a header and one row per window, series and lead) and the
	// JSON lines (one per window and series); with --start and --freq, time stamps: exchange rate's
	// GluonTS start 1990-01-01 (a Monday) plus 6071 business days is 2013-04-09 (pandas: date_range('1990-01-01',
	// periods=6072, freq='B')[-1]).
	for _, c := range []struct {
		name  string
		lines int
	}{{"fc.quantiles.csv", 1 + 5*8*30}, {"fc.samples.jsonl", 5 * 8}} {
		b, err := os.ReadFile(filepath.Join(dir, c.name))
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "\n"); n != c.lines {
			t.Errorf("%s has %d lines, want %d", c.name, n, c.lines)
		}
	}
	dated := filepath.Join(dir, "dated.npy")
	if out, err := runTidal(t, append(forecastArgs(dated, "1"), "--start", "1990-01-01", "--freq", "B")...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "dated.quantiles.csv")); err != nil || !strings.Contains(string(b), "\n0,0,6071,2013-04-09 00:00:00,") {
		t.Errorf("dated quantiles (%v): %.200s", err, b)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "dated.samples.jsonl")); err != nil || !strings.Contains(string(b), `"start":"2013-04-09 00:00:00","freq":"B"`) {
		t.Errorf("dated samples (%v): %.200s", err, b)
	}
	for _, bad := range [][]string{{"--freq", "1M"}, {"--start", "1990-01-01"}, {"--start", "01/01/1990", "--freq", "B"}, {"--quantiles-out", exchangeRate}} {
		flag := strings.TrimPrefix(bad[0], "--")
		if bad[0] == "--start" && len(bad) == 2 {
			flag = "freq"
		}
		out, err := runTidal(t, append(forecastArgs(filepath.Join(dir, "bad.npy"), "1"), bad...)...)
		if err == nil || !strings.Contains(out+err.Error(), "--"+flag) {
			t.Errorf("%v: error %v, output %q does not name %s", bad, err, out, flag)
		}
		if _, err := os.Stat(filepath.Join(dir, "bad.npy")); err == nil {
			t.Errorf("%v: bad.npy written", bad)
		}
	}
	f, err := data.ReadNPY(fc)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{5, 3, 30, 8}; !slices.Equal(f.Shape, want) {
		t.Fatalf("forecast shape %v, want %v", f.Shape, want)
	}
	truth, err := data.ReadNPY(filepath.Join(dir, "fc.truth.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{5, 30, 8}; !slices.Equal(truth.Shape, want) {
		t.Fatalf("truth shape %v, want %v", truth.Shape, want)
	}
	tv := truth.Float32()
	for i, v := range tv {
		w, h, n := i/240, i/8%30, i%8
		if want := float32(s.At(6071+30*w+h, n)); v != want {
			t.Fatalf("truth[%d, %d, %d] = %v, want row %d of the file: %v", w, h, n, v, 6071+30*w+h, want)
		}
	}
	for _, v := range f.Float32() {
		if !(v > -1e3 && v < 1e3) {
			t.Fatalf("forecast value %v is not finite and of the series' size", v)
		}
	}
	same, _ := os.ReadFile(filepath.Join(dir, "same.npy"))
	first, _ := os.ReadFile(fc)
	other, _ := os.ReadFile(filepath.Join(dir, "other.npy"))
	if !bytes.Equal(first, same) || bytes.Equal(first, other) {
		t.Errorf("same seed equal: %v (want true); other seed equal: %v (want false)", bytes.Equal(first, same), bytes.Equal(first, other))
	}
	for _, m := range []string{"random-walk", "seasonal-naive"} {
		p := filepath.Join(dir, m+".npy")
		if out, err := runTidal(t, "baseline", "--method", m, "--data", exchangeRate, "--members", "3", "--out", p); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		b, err := data.ReadNPY(p)
		if err != nil || !slices.Equal(b.Shape, f.Shape) {
			t.Fatalf("baseline %s: %v, shape %v, want %v", m, err, b.Shape, f.Shape)
		}
		if out, err := runTidal(t, "score", "--forecast", p, "--obs", filepath.Join(dir, "fc.truth.npy"), "--metrics", "crps-sum,crps-sum-ql"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	if out, err := runTidal(t, "score", "--forecast", fc, "--obs", filepath.Join(dir, "fc.truth.npy"), "--metrics", "crps-sum,crps-sum-ql"); err != nil || !strings.Contains(out, "crps-sum-ql") {
		t.Fatalf("%v\n%s", err, out)
	} // Without --metrics a series forecast gets the series scores: CRPS-sum, wQL, energy and variogram.
	out, err = runTidal(t, "score", "--forecast", fc, "--obs", filepath.Join(dir, "fc.truth.npy"))
	for _, m := range metrics.SeriesMetrics {
		if err != nil || !strings.Contains(out, m) {
			t.Errorf("score without --metrics lacks %s (%v):\n%s", m, err, out)
		}
	}
}

// TestSeriesGluonTSSplit runs the protocol of GluonTS's multivariate datasets (docs/SERIES.md) on a
// small synthetic pair: train on train.json (5 series of 40 steps, the first 3 kept by --max-series; the
// test file as --val, its losses and a scored preview in stats.jsonl), then
// forecast test.json, which lists every series once per rolling window, each copy 4 steps longer. Read
// with --ragged longest it is the whole series; its 2 windows are its last 8 rows, and the truth is those
// rows of the first 3 series. Without --ragged the unequal copies are refused, naming the line.
func TestSeriesGluonTSSplit(t *testing.T) {
	dir := t.TempDir()
	const n, trainLen, predict, windows = 5, 40, 4, 2
	value := func(i, t int) float64 { return float64(i) + 0.5*float64(t%7) + 0.01*float64(t) }
	line := func(i, length int) string {
		var b strings.Builder
		fmt.Fprintf(&b, `{"start": "2020-01-01 00:00:00", "target": [`)
		for t := range length {
			if t > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%g", value(i, t))
		}
		b.WriteString("]}\n")
		return b.String()
	}
	var train, test strings.Builder
	for i := range n {
		train.WriteString(line(i, trainLen))
	}
	for w := 1; w <= windows; w++ {
		for i := range n {
			test.WriteString(line(i, trainLen+w*predict))
		}
	}
	trainPath, testPath := filepath.Join(dir, "train.json"), filepath.Join(dir, "test.json")
	if err := os.WriteFile(trainPath, []byte(train.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(testPath, []byte(test.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	// The test file as validation data too: its windows' loss and a scored preview in stats.jsonl.
	if out, err := runTidal(t, "train", "dydiff", "--data", trainPath, "--max-series", "3", "--context", "8", "--predict", "4",
		"--steps", "2", "--batch", "2", "--channels", "8", "--blocks", "1", "--log-every", "1", "--checkpoint-every", "2", "--run", run,
		"--val", testPath, "--ragged", "longest", "--val-every", "2", "--preview-every", "2", "--preview-cases", "2",
		"--preview-members", "2", "--preview-steps", "2"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	stats, err := os.ReadFile(filepath.Join(run, "stats.jsonl"))
	if err != nil || !strings.Contains(string(stats), `"val_loss"`) || !strings.Contains(string(stats), `"crps"`) {
		t.Errorf("stats.jsonl without a validation loss and a scored preview (%v):\n%s", err, stats)
	}
	fc := filepath.Join(dir, "fc.npy")
	args := []string{"forecast", "--run", run, "--data", testPath, "--max-series", "3", "--windows", "2", "--members", "2",
		"--sampler-steps", "2", "--quiet", "--out", fc}
	if out, err := runTidal(t, args...); err == nil || !strings.Contains(err.Error(), "line 6 has 48 values") {
		t.Errorf("unequal GluonTS copies without --ragged: %v\n%s", err, out)
	}
	if out, err := runTidal(t, append(args, "--ragged", "longest")...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	f, err := data.ReadNPY(fc)
	if err != nil || !slices.Equal(f.Shape, []int{windows, 2, predict, 3}) {
		t.Fatalf("forecast: %v, shape %v, want [2 2 4 3]", err, f.Shape)
	}
	truth, err := data.ReadNPY(filepath.Join(dir, "fc.truth.npy"))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range truth.Float32() {
		w, h, i := k/(predict*3), k/3%predict, k%3
		if want := float32(value(i, trainLen+w*predict+h)); v != want {
			t.Fatalf("truth[%d, %d, %d] = %v, want %v", w, h, i, v, want)
		}
	}
	if out, err := runTidal(t, append(args[:len(args):len(args)], "--ragged", "longest", "--max-series", "6")...); err == nil || !strings.Contains(err.Error(), "--max-series 6") {
		t.Errorf("--max-series beyond the file's 5 series: %v\n%s", err, out)
	}
}
