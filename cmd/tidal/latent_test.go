package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/latent"
)

// latentFields writes a tiny field series [T, C, 8, 8] to path: smooth travelling waves around offset
// (physical units far from 0, so that values left in latent or normalised units would show).
func latentFields(t *testing.T, path string, T, C int, offset float64, phase float64) *data.Array {
	t.Helper()
	const H, W = 8, 8
	v := make([]float32, T*C*H*W)
	for f := range T {
		for c := range C {
			for i := range H {
				for j := range W {
					ph := 0.6*float64(f) + 1.1*float64(c) + phase
					x := math.Sin(2*math.Pi*float64(j)/W+ph) + 0.5*math.Cos(2*math.Pi*float64(i)/H-0.4*ph)
					v[((f*C+c)*H+i)*W+j] = float32(offset + 3*x)
				}
			}
		}
	}
	a := data.FromFloat32(v, T, C, H, W)
	if err := data.WriteNPY(path, a); err != nil {
		t.Fatal(err)
	}
	return a
}

// vaeArgs are the flags of a tiny `tidal train vae` run.
var vaeArgs = []string{"--channels", "8", "--groups", "4", "--mults", "1,2", "--blocks", "1", "--latent-channels", "2", "--batch", "8", "--lr", "3e-3", "--quiet", "--periodic"}

// latentDyDiffArgs are the flags of a tiny `tidal train dydiff` run (with or without --latent).
var latentDyDiffArgs = []string{"--context", "2", "--predict", "3", "--channels", "8", "--groups", "4", "--mults", "1,2", "--blocks", "1", "--batch", "4", "--log-every", "1", "--checkpoint-every", "2", "--quiet"}

func mustTidal(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runTidal(t, args...)
	if err != nil {
		t.Fatalf("tidal %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func modTime(t *testing.T, path string) time.Time {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.ModTime()
}

// TestLatentDyDiffEndToEnd trains a VAE, then DyDiff in its latent space, resumes it (the cached
// encoding is read, not made again), changes the data (encoded again), and forecasts: the forecast is in
// physical units with the data's frame shape, and its truth is the data's own frames.
func TestLatentDyDiffEndToEnd(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	latentFields(t, p("train.npy"), 30, 2, 50, 0)
	test := latentFields(t, p("test.npy"), 16, 2, 50, 0.3)
	out := mustTidal(t, append([]string{"train", "vae", "--data", p("train.npy"), "--run", p("vae"), "--steps", "60"}, vaeArgs...)...)
	if !strings.Contains(out, "held-out reconstruction PSNR") || !strings.Contains(out, "latent scale") {
		t.Errorf("train vae does not print the PSNR and the scale:\n%s", out)
	}
	v, err := latent.Open(p("vae"))
	if err != nil {
		t.Fatal(err)
	}
	rec := v.Record
	v.Close()
	if rec.HeldOut != 3 || !(rec.PSNR > rec.MeanPSNR) {
		t.Errorf("vae.json: %+v; expected 3 held-out frames reconstructed better than by the channel means", rec)
	}

	train := func(steps string) string {
		return mustTidal(t, append([]string{"train", "dydiff", "--data", p("train.npy"), "--latent", p("vae"), "--run", p("dy"), "--steps", steps}, latentDyDiffArgs...)...)
	}
	if out := train("2"); !strings.Contains(out, "encoded 30 frames") {
		t.Errorf("first latent run: no encoding reported:\n%s", out)
	}
	cache := filepath.Join(p("dy"), latent.CacheFile)
	m0 := modTime(t, cache)
	z, err := data.ReadNPY(cache)
	if err != nil {
		t.Fatal(err)
	}
	if got := z.Shape; len(got) != 4 || got[0] != 30 || got[1] != 2 || got[2] != 4 || got[3] != 4 {
		t.Errorf("cached encoding of shape %v, want [30 2 4 4]", got)
	}
	time.Sleep(20 * time.Millisecond)
	if out := train("4"); !strings.Contains(out, "cached encoding of 30 frames") || !modTime(t, cache).Equal(m0) {
		t.Errorf("resuming: the cache was not reused (rewritten: %v):\n%s", !modTime(t, cache).Equal(m0), out)
	}
	// The data change: encoded again.
	latentFields(t, p("train.npy"), 30, 2, 50, 0.01)
	if out := mustTidal(t, append([]string{"train", "dydiff", "--data", p("train.npy"), "--latent", p("vae"), "--run", p("dy"), "--steps", "4", "--start-over"}, latentDyDiffArgs...)...); !strings.Contains(out, "encoded 30 frames") {
		t.Errorf("after the data changed: not encoded again:\n%s", out)
	}

	// A run killed while it encoded its data (its link and a partial cache, no options.json) starts again.
	if err := os.MkdirAll(p("killed"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(p("dy"), latent.LinkFile))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{latent.LinkFile: b, "." + latent.CacheFile + ".tidal-tmp-1": []byte("partial")} {
		if err := os.WriteFile(filepath.Join(p("killed"), name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out := mustTidal(t, append([]string{"train", "dydiff", "--data", p("train.npy"), "--latent", p("vae"), "--run", p("killed"), "--steps", "2"}, latentDyDiffArgs...)...); !strings.Contains(out, "encoded 30 frames") {
		t.Errorf("restarting a run killed while encoding:\n%s", out)
	}

	mustTidal(t, "forecast", "--run", p("dy"), "--data", p("test.npy"), "--cases", "2", "--members", "2", "--sampler-steps", "2", "--out", p("fc.npy"), "--quiet")
	fc, err := data.ReadNPY(p("fc.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fc.Shape, []int{2, 2, 3, 2, 8, 8}; !equalIntSlices(got, want) {
		t.Fatalf("forecast of shape %v, want %v [cases, members, lead, channels, H, W]", got, want)
	}
	var s float64
	for _, x := range fc.Float32() {
		if math.IsNaN(float64(x)) {
			t.Fatal("NaN in the forecast")
		}
		s += float64(x)
	}
	if mean := s / float64(fc.Len()); math.Abs(mean-50) > 3 {
		t.Errorf("forecast mean %v: not in the data's physical units (mean 50, amplitude 3)", mean)
	}
	truth, err := data.ReadNPY(p("fc.truth.npy"))
	if err != nil {
		t.Fatal(err)
	}
	// Case 0 starts at frame 2 (context 2): its truth is frames 2, 3, 4 of the test data.
	F := 2 * 8 * 8
	for i, x := range truth.Float32()[:3*F] {
		if x != test.F32[2*F+i] {
			t.Fatalf("truth value %d is %v, the data's frame holds %v", i, x, test.F32[2*F+i])
		}
	}
	// The forecast is scored as fields.
	if out := mustTidal(t, "score", "--forecast", p("fc.npy"), "--obs", p("fc.truth.npy")); !strings.Contains(out, "crps") {
		t.Errorf("score of the latent forecast:\n%s", out)
	}
}

func equalIntSlices(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
