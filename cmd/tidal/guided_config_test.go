package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `tidal train idm` on a lat-lon grid without --periodic-h records periodic-h: false in config.yaml,
// the padding the run used, and the recorded config runs the same (finished) run again.
func TestGuidedConfigRecordsLatLonPadding(t *testing.T) {
	dir := t.TempDir()
	in, run := filepath.Join(dir, "g.nc"), filepath.Join(dir, "idm")
	latLonField(t, in, 0.2, 0.7)
	if out, err := runTidal(t, "train", "idm", "--data", in, "--run", run, "--steps", "1", "--batch", "2", "--log-every", "1",
		"--checkpoint-every", "1", "--blocks", "1", "--channels", "4", "--groups", "2", "--mults", "1,2", "--quiet"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(run, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "periodic-h: false") || !strings.Contains(string(b), "periodic-w: true") {
		t.Errorf("config.yaml does not record the lat-lon padding:\n%s", b)
	}
	if out, err := runTidal(t, "train", "idm", "--config", filepath.Join(run, "config.yaml")); err != nil || !strings.Contains(out, "at step 1") {
		t.Errorf("--config with the run's config.yaml: %v\n%s", err, out)
	}
}
