package cli_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/forecast"
)

// TestForecastSidecars: the forecast's sidecar records its cases, maker (the model as an absolute path)
// and the source's hash; the truth's shares the cases and source; no truth path, no truth sidecar.
func TestForecastSidecars(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "data.npy")
	if err := os.WriteFile(src, []byte("frames"), 0o644); err != nil {
		t.Fatal(err)
	}
	cs := forecast.Cases{Context: 2, Lead: 3, Starts: []int{4, 9}}
	mk := cli.Maker{Kind: forecast.KindForecast, Method: "dydiff", Model: "runs/m", Members: 5, Step: 70, Seed: 3}
	out, truth := filepath.Join(dir, "fc.npy"), filepath.Join(dir, "fc.truth.npy")
	outs, err := cli.ForecastSidecars(src, cs, mk, out, truth, []int{2, 5, 3, 1}, []int{2, 3, 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.WriteNPYs([]*cli.Input{{Flag: "data", Path: src}}, outs); err != nil {
		t.Fatal(err)
	}
	fc, err := forecast.ReadSidecar(out)
	if err != nil || fc == nil {
		t.Fatalf("forecast sidecar: %v, %v", fc, err)
	}
	abs, _ := filepath.Abs("runs/m")
	sum, _ := forecast.FileSHA256(src)
	if fc.Kind != forecast.KindForecast || fc.Method != "dydiff" || fc.Model != abs || fc.ModelStep != 70 || fc.Members != 5 || fc.Seed != 3 ||
		!slices.Equal(fc.Starts, cs.Starts) || fc.Lead != 3 || fc.SourceSHA256 != sum || !slices.Equal(fc.Shape, []int{2, 5, 3, 1}) {
		t.Errorf("forecast sidecar %+v", fc)
	}
	tr, err := forecast.ReadSidecar(truth)
	if err != nil || tr == nil || tr.Kind != forecast.KindTruth || !slices.Equal(tr.Starts, cs.Starts) || tr.Source != fc.Source || !slices.Equal(tr.Shape, []int{2, 3, 1}) {
		t.Errorf("truth sidecar %+v, %v", tr, err)
	}
	outs, err = cli.ForecastSidecars(src, cs, cli.Maker{Kind: forecast.KindBaseline, Method: "persistence"}, out, "", []int{2}, cli.ShapeOf(nil))
	if err != nil || len(outs) != 1 {
		t.Errorf("without a truth: %d outputs, %v", len(outs), err)
	}
}
