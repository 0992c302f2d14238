package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// TestLatentHostile gives the latent commands inputs they must refuse (in the manner of
// hostile2_test.go, in process): each must fail with an error naming want and leave every file and
// folder of the fixture as it was.
func TestLatentHostile(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	latentFields(t, p("train.npy"), 24, 2, 50, 0)
	latentFields(t, p("one.npy"), 24, 1, 50, 0)
	// A grid of 10×10, which the ×4 of three levels does not divide, and a file with a NaN.
	odd := make([]float32, 12*2*10*10)
	for i := range odd {
		odd[i] = float32(i % 7)
	}
	if err := data.WriteNPY(p("odd.npy"), data.FromFloat32(odd, 12, 2, 10, 10)); err != nil {
		t.Fatal(err)
	}
	nan := latentFields(t, p("nan.npy"), 24, 2, 50, 0)
	nan.F32[5*128+17] = float32(math.NaN())
	if err := data.WriteNPY(p("nan.npy"), nan); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p("ts.txt"), []byte(strings.Repeat("1.0,2.0,3.0\n", 40)), 0o644); err != nil {
		t.Fatal(err)
	}
	mustTidal(t, append([]string{"train", "vae", "--data", p("train.npy"), "--run", p("vae"), "--steps", "2"}, vaeArgs...)...)
	mustTidal(t, append([]string{"train", "vae", "--data", p("train.npy"), "--run", p("vae2"), "--steps", "2", "--seed", "2"}, vaeArgs...)...)
	mustTidal(t, append([]string{"train", "vae", "--data", p("one.npy"), "--run", p("vae1ch"), "--steps", "2"}, vaeArgs...)...)
	mustTidal(t, append([]string{"train", "dydiff", "--data", p("train.npy"), "--run", p("pixel"), "--steps", "2"}, latentDyDiffArgs...)...)
	mustTidal(t, append([]string{"train", "dydiff", "--data", p("train.npy"), "--latent", p("vae"), "--run", p("lat"), "--steps", "2"}, latentDyDiffArgs...)...)
	// Videos: a pushing file of 16² frames, a VAE of its frames and a latent run on it with its
	// actions, the same videos with a NaN action, and actions files with a NaN.
	mustTidal(t, "data", "pushing", "--out", p("push.npz"), "--videos", "3", "--frames", "6", "--size", "16", "--objects", "1")
	push, err := data.ReadNPZ(p("push.npz"))
	if err != nil {
		t.Fatal(err)
	}
	push["actions"].F32[3] = float32(math.NaN())
	if err := data.WriteNPZ(p("nanact.npz"), push, false); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPY(p("nanact.npy"), push["actions"]); err != nil {
		t.Fatal(err)
	}
	mustTidal(t, append([]string{"train", "vae", "--data", p("push.npz"), "--run", p("vaevid"), "--steps", "2"}, vaeArgs...)...)
	mustTidal(t, append([]string{"train", "dydiff", "--data", p("push.npz"), "--latent", p("vaevid"), "--run", p("latvid"), "--steps", "2"}, latentDyDiffArgs...)...)
	if err := os.MkdirAll(p("unmeasured"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(p("unmeasured"), os.DirFS(p("vae"))); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(p("unmeasured"), "vae.json")); err != nil {
		t.Fatal(err)
	}
	dyd := append([]string{"train", "dydiff", "--data", p("train.npy"), "--steps", "2"}, latentDyDiffArgs...)
	fc := []string{"forecast", "--data", p("train.npy"), "--cases", "1", "--members", "2", "--sampler-steps", "1", "--out", p("fc.npy"), "--quiet"}
	dydv := append([]string{"train", "dydiff", "--data", p("push.npz"), "--steps", "2"}, latentDyDiffArgs...)
	fcv := []string{"forecast", "--data", p("push.npz"), "--members", "2", "--sampler-steps", "1", "--out", p("fc.npy"), "--quiet"}
	with := func(base []string, more ...string) []string { return append(append([]string(nil), base...), more...) }
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"--latent a DyDiff run", with(dyd, "--latent", p("pixel"), "--run", p("new")), "is not a VAE run"},
		{"--latent a missing folder", with(dyd, "--latent", p("nothing"), "--run", p("new")), "--latent"},
		{"--latent a file", with(dyd, "--latent", p("train.npy"), "--run", p("new")), "--latent"},
		{"--latent a VAE without its measurement", with(dyd, "--latent", p("unmeasured"), "--run", p("new")), "vae.json"},
		{"--latent a VAE of other channels", with(dyd, "--latent", p("vae1ch"), "--run", p("new")), "trained on frames [1 8 8]"},
		{"--latent into a pixel run", with(dyd, "--latent", p("vae"), "--run", p("pixel")), "trained on the fields themselves"},
		{"--latent another VAE than the run's", with(dyd, "--latent", p("vae2"), "--run", p("lat")), "works in the latent space of"},
		{"--run inside --latent", with(dyd, "--latent", p("vae"), "--run", filepath.Join(p("vae"), "dy")), "separate folders"},
		{"--latent with NaN data", append([]string{"train", "dydiff", "--data", p("nan.npy"), "--latent", p("vae"), "--run", p("new"), "--steps", "2"}, latentDyDiffArgs...), "nan.npy"},
		{"--latent with a time series", with(dyd[:2], "--data", p("ts.txt"), "--latent", p("vae"), "--run", p("new")), "is a time series"},
		{"forecast --latent on a pixel run", with(fc, "--run", p("pixel"), "--latent", p("vae")), "trained on the fields themselves"},
		{"forecast --latent another VAE", with(fc, "--run", p("lat"), "--latent", p("vae2")), "works in the latent space of"},
		{"forecast a latent run on other channels", with(fc[:1], "--run", p("lat"), "--data", p("one.npy"), "--out", p("fc.npy")), "trained on frames [2 8 8]"},
		{"forecast --latent on a time series", with(fc[:1], "--run", p("lat"), "--latent", p("vae"), "--data", p("ts.txt"), "--out", p("fc.npy")), "is a time series"},
		{"--latent with --actions on fields", with(dyd, "--latent", p("vae"), "--run", p("new"), "--actions", "none"), "--actions none: for video data"},
		{"forecast a latent run of fields with --actions", with(fc, "--run", p("lat"), "--actions", p("train.npy")), "holds fields for the latent run"},
		{"--latent a VAE of other frames on videos", with(dydv, "--latent", p("vae"), "--run", p("new")), "--data " + p("push.npz") + " has frames [3 16 16] [channels, H, W], but the VAE --latent " + p("vae") + " was trained on frames [2 8 8]"},
		{"--latent on videos with a NaN action", append([]string{"train", "dydiff", "--data", p("nanact.npz"), "--latent", p("vaevid"), "--run", p("new"), "--steps", "2"}, latentDyDiffArgs...), "nanact.npz: actions: value NaN"},
		{"--latent on videos --actions FILE", with(dydv, "--latent", p("vaevid"), "--run", p("new"), "--actions", p("nanact.npy")), "expected none"},
		{"--latent on videos with --static", with(dydv, "--latent", p("vaevid"), "--run", p("new"), "--static", p("train.npy")), "--static"},
		{"--latent of videos into a latent run of fields", with(dydv, "--latent", p("vaevid"), "--run", p("lat")), "works in the latent space of"},
		{"forecast a latent video run with NaN --actions", with(fcv, "--run", p("latvid"), "--actions", p("nanact.npy")), "--actions " + p("nanact.npy")},
		{"forecast a latent video run --format nc", with(fcv, "--run", p("latvid"), "--format", "nc"), "--format nc"},
		{"forecast a latent video run --actions none", with(fcv, "--run", p("latvid"), "--actions", "none"), "--actions none"},
		{"forecast a latent video run on fields", with(fc, "--run", p("latvid")), "trained on frames [3 16 16]"},
		{"forecast a latent video run --cases beyond the videos", with(fcv[:len(fcv)-1], "--run", p("latvid"), "--cases", "4"), "--cases 4"},
		{"forecast a latent video run --out inside the VAE run", with(fcv[:3], "--run", p("latvid"), "--out", filepath.Join(p("vaevid"), "f.npy")), "--latent"},
		{"forecast a latent run with --disc", with(fc, "--run", p("lat"), "--disc", p("pixel")), "--disc"},
		{"forecast --out inside the VAE run", with(fc[:len(fc)-3], "--run", p("lat"), "--out", filepath.Join(p("vae"), "f.npy")), "--latent"},
		{"train vae on a grid ×4 does not divide", []string{"train", "vae", "--data", p("odd.npy"), "--run", p("new"), "--mults", "1,2,4"}, "must divide"},
		{"train vae on NaN data", append([]string{"train", "vae", "--data", p("nan.npy"), "--run", p("new"), "--steps", "2"}, vaeArgs...), "nan.npy"},
		{"train vae --recon l3", []string{"train", "vae", "--data", p("train.npy"), "--run", p("new"), "--recon", "l3"}, "--recon"},
		{"train vae --encode mode", []string{"train", "vae", "--data", p("train.npy"), "--run", p("new"), "--encode", "mode"}, "--encode"},
		{"train vae --held-out all frames", []string{"train", "vae", "--data", p("train.npy"), "--run", p("new"), "--held-out", "24"}, "--held-out"},
		{"train vae --kl-weight NaN", []string{"train", "vae", "--data", p("train.npy"), "--run", p("new"), "--kl-weight", "NaN"}, "--kl-weight"},
		{"train vae into a DyDiff run", append([]string{"train", "vae", "--data", p("train.npy"), "--run", p("pixel"), "--steps", "2"}, vaeArgs...), `method "dydiff"`},
		{"train vae on videos with a NaN action", append([]string{"train", "vae", "--data", p("nanact.npz"), "--run", p("new"), "--steps", "2"}, vaeArgs...), "nanact.npz: actions: value NaN"},
		{"train vae on videos ×32 does not divide", []string{"train", "vae", "--data", p("push.npz"), "--run", p("new"), "--steps", "2", "--mults", "1,2,2,2,2,2"}, "must divide"},
		{"train vae on series", []string{"train", "vae", "--data", p("ts.txt"), "--run", p("new")}, "--data"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, dir)
			out, err := runTidal(t, c.args...)
			if err == nil {
				t.Fatalf("tidal %s succeeded:\n%s", strings.Join(c.args, " "), out)
			}
			t.Log(err)
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not name %q", err, c.want)
			}
			sameFolder(t, before, snapshot(t, dir))
		})
	}
}
