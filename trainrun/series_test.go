package trainrun

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/dymodel"
)

// writeSeriesFile writes a series [T, 2] in LSTNet's text format (comma-separated rows).
func writeSeriesFile(t *testing.T, dir string, T int) string {
	t.Helper()
	var b strings.Builder
	for i := range T {
		fmt.Fprintf(&b, "%g,%g\n", 100+float64(i%7), -3+0.01*float64(i%5))
	}
	path := filepath.Join(dir, "walks.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A series run prepared from the options is SeriesNet DyDiff through dymodel.SeriesTrainSpec: the
// identity normalisation, the series' defaults where no flag is given (16 × 2, learning rate 1e-3,
// the walk anchor) and the legacy learning rate 1e-4 for a run recorded before series took --param;
// the UNet's flags are refused by name.
func TestPrepareSeries(t *testing.T) {
	dir := t.TempDir()
	path := writeSeriesFile(t, dir, 40)
	var log strings.Builder
	o := tinyOptions(dir, path)
	o.LR, o.Log = 0.5, &log // not given: the series' default replaces it
	r, err := Prepare(o)
	if err != nil {
		t.Fatal(err)
	}
	rc := r.Job.Config.(dymodel.RecordedConfig)
	if n := r.Job.Norm; n.Mean[0] != 0 || n.Std[1] != 1 || rc.Net != "series" || rc.Series.Channels != dymodel.SeriesDefaultChannels ||
		rc.Anchor != dymodel.AnchorWalk || r.Job.Options.LR != dymodel.SeriesDefaultLR {
		t.Errorf("norm %+v, config %+v, lr %v: want the identity, SeriesNet 16 × 2 with the walk anchor, lr 1e-3", n, rc.Config, r.Job.Options.LR)
	}
	r.Close()
	if !strings.Contains(log.String(), "windows 2+2 rows of 2 series, 37 training windows from the first 40 of 40 rows") {
		t.Errorf("summary line %q", log.String())
	}
	o = tinyOptions(dir, path)
	o.Param, o.Anchor, o.Given = "", "", func(n string) bool { return n == "param" || n == "anchor" }
	if r, err = Prepare(o); err != nil {
		t.Fatal(err)
	}
	if lr := r.Job.Options.LR; lr != dymodel.SeriesLegacyLR {
		t.Errorf("a series run in the ddpm form of before --param: lr %v, want %v", lr, dymodel.SeriesLegacyLR)
	}
	r.Close()
	o = tinyOptions(dir, path)
	o.Given = func(n string) bool { return n == "mults" }
	if _, err := Prepare(o); err == nil || !strings.Contains(err.Error(), "--mults sizes the UNet") {
		t.Errorf("--mults on a series: %v", err)
	}
}
