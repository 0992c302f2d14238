package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// The flag names of issue 25: --format npy|nc is the output format of forecast, rollout, baseline and
// data; a time series file's format is --input-format; --out-format stays as a hidden deprecated alias
// of --format, and a series format given to --format is refused pointing to --input-format. Commands
// that write no fields (train dydiff) keep --format as a hidden alias of --input-format, and the
// config.yaml a run records names --input-format only.
func TestFormatFlags(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	const T, H, W = 12, 4, 4
	v := make([]float32, T*H*W)
	for i := range v {
		v[i] = float32(i%13) * 0.1
	}
	if err := data.WriteNPY(p("x.npy"), data.FromFloat32(v, T, 1, H, W)); err != nil {
		t.Fatal(err)
	}
	baseline := func(out string, extra ...string) error {
		args := []string{"baseline", "--data", p("x.npy"), "--out", out, "--truth-out", p("truth_" + filepath.Base(out)), "--cases", "2", "--lead", "2", "--members", "2"}
		_, err := runTidal(t, append(args, extra...)...)
		return err
	}
	isNC := func(path string) bool {
		b, err := os.ReadFile(path)
		return err == nil && data.IsNetCDF(b[:min(len(b), 8)])
	}
	if err := baseline(p("a.nc"), "--format", "nc"); err != nil || !isNC(p("a.nc")) {
		t.Errorf("baseline --format nc: %v, NetCDF written: %v", err, isNC(p("a.nc")))
	}
	if err := baseline(p("b.nc"), "--out-format", "nc"); err != nil || !isNC(p("b.nc")) {
		t.Errorf("baseline --out-format nc (deprecated alias): %v, NetCDF written: %v", err, isNC(p("b.nc")))
	}
	for _, f := range []string{"csv", "gluonts", "lstnet", "auto"} {
		err := baseline(p("c.npy"), "--format", f)
		if err == nil || !strings.Contains(err.Error(), "--input-format "+f) {
			t.Errorf("baseline --format %s: %v, want an error pointing to --input-format", f, err)
		}
	}
	// A series: --input-format reads it, --format on train dydiff is the deprecated alias of it.
	var rows strings.Builder
	for i := range 40 {
		fmt.Fprintf(&rows, "%g,%g\n", 1+0.01*float64(i%7), 2-0.02*float64(i%5))
	}
	if err := os.WriteFile(p("s.dat"), []byte(rows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	train := func(run string, extra ...string) error {
		args := []string{"train", "dydiff", "--data", p("s.dat"), "--run", run, "--context", "4", "--predict", "2", "--steps", "1", "--batch", "2",
			"--log-every", "1", "--checkpoint-every", "1"}
		out, err := runTidal(t, append(args, extra...)...)
		if err != nil {
			return fmt.Errorf("%w\n%s", err, out)
		}
		return nil
	}
	if err := train(p("run1"), "--input-format", "csv"); err != nil {
		t.Fatalf("train dydiff --input-format csv: %v", err)
	}
	if err := train(p("run2"), "--format", "csv"); err != nil {
		t.Fatalf("train dydiff --format csv (deprecated alias of --input-format): %v", err)
	}
	cfg, err := os.ReadFile(filepath.Join(p("run1"), "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(cfg), "input-format: csv") || strings.Contains(string(cfg), "\nformat:") {
		t.Errorf("config.yaml should record input-format only:\n%s", cfg)
	}
}
