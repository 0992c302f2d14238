package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
)

// runFresh runs a newly built command (newTrainDyDiffCmd(), newForecastCmd()) in-process with args:
// its flags start at their defaults. (runTidal's resetFlags cannot reset a slice flag: pflag's
// Replace leaves it marked as set, so the next --mults is appended to the previous value, and an
// empty default becomes [] instead of nil.)
func runFresh(c *cobra.Command, args ...string) (string, error) {
	var out bytes.Buffer
	c.SetOut(&out)
	c.SetErr(&out)
	c.SetArgs(args)
	c.SilenceUsage = true
	err := c.Execute()
	return out.String(), err
}

// The library API and the command line are one pipeline (issue 22): a run trained by dymodel.Train is
// the run `tidal train dydiff` makes with the same settings (the command resumes it as finished, and
// both forecast the same bytes from either run), and Trained.Forecast gives, bit for bit, the forecast
// and truth `tidal forecast` writes with the same members and seed and the default cases (both spread
// DefaultCases evenly; no cases flag is named, as their vocabulary is changing). The fields have two
// channels in different units.
func TestDyDiffAPIIsTheCLI(t *testing.T) {
	dir := t.TempDir()
	const T, C, H, W = 24, 2, 8, 8
	v := make([]float32, T*C*H*W)
	for i := range v {
		t, c, y, x := i/(C*H*W), i/(H*W)%C, i/W%H, i%W
		v[i] = float32(40*c) + float32(1+5*c)*float32(math.Sin(2*math.Pi*float64(x-t)/W+0.3*float64(y)))
	}
	in := filepath.Join(dir, "fields.npy")
	if err := data.WriteNPY(in, data.FromFloat32(v, T, C, H, W)); err != nil {
		t.Fatal(err)
	}
	spec := dymodel.TrainSpec{Path: in, Dir: filepath.Join(dir, "api"), Config: dymodel.DefaultConfig(), Options: dymodel.DefaultTrainOptions()}
	spec.Config.Context, spec.Config.Predict = 2, 3
	spec.Config.UNet.Channels, spec.Config.UNet.Mults, spec.Config.UNet.Blocks, spec.Config.UNet.Groups = 8, []int{1, 2}, 1, 4
	spec.Options.Steps, spec.Options.BatchSize, spec.Options.LR = 10, 4, 3e-3
	tm, err := dymodel.Train(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer tm.Close()
	cliRun := filepath.Join(dir, "cli")
	trainArgs := func(out string) []string {
		return []string{"--data", in, "--run", out, "--context", "2", "--predict", "3", "--channels", "8",
			"--mults", "1,2", "--blocks", "1", "--groups", "4", "--steps", "10", "--batch", "4", "--lr", "3e-3"}
	}
	if out, err := runFresh(newTrainDyDiffCmd(), trainArgs(cliRun)...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := runFresh(newTrainDyDiffCmd(), trainArgs(spec.Dir)...); err != nil || !strings.Contains(out, "nothing to do") {
		t.Errorf("train dydiff on the API's run with the same settings: %v, expected it finished (nothing to do)\n%s", err, out)
	}
	forecastCLI := func(run, name string) (*data.Array, *data.Array) {
		t.Helper()
		out := filepath.Join(dir, name)
		if o, err := runFresh(newForecastCmd(), "--run", run, "--data", in, "--out", out, "--members", "3", "--seed", "5", "--quiet"); err != nil {
			t.Fatalf("%v\n%s", err, o)
		}
		f, err := data.ReadNPY(out)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := data.ReadNPY(strings.TrimSuffix(out, ".npy") + ".truth.npy")
		if err != nil {
			t.Fatal(err)
		}
		return f, tr
	}
	fa, truth := forecastCLI(spec.Dir, "api.npy")
	fb, _ := forecastCLI(cliRun, "cli.npy")
	if !slices.Equal(fa.Float32(), fb.Float32()) {
		t.Error("`tidal forecast` of the API's run and of the command's run with the same settings differ")
	}
	observed, err := data.ReadNPY(in)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := tm.Forecast(context.Background(), observed, dymodel.ForecastOptions{Members: 3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fc.Ensemble.Shape, fa.Shape) || !slices.Equal(fc.Ensemble.Float32(), fa.Float32()) {
		t.Errorf("Trained.Forecast %v differs from `tidal forecast`'s %v", fc.Ensemble.Shape, fa.Shape)
	}
	if !slices.Equal(fc.Truth.Shape, truth.Shape) || !slices.Equal(fc.Truth.Float32(), truth.Float32()) {
		t.Errorf("Trained.Forecast's truth %v differs from `tidal forecast`'s %v", fc.Truth.Shape, truth.Shape)
	}
	if _, err := os.Stat(filepath.Join(spec.Dir, "norm.json")); err != nil {
		t.Errorf("the API's run directory: %v", err)
	}
}
