package benchcli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchVideoTable runs `bench video` on tiny generated videos and checks the table: a row per
// predicted frame of the protocol (robonet: frames 3 to 12) and the means, for the models asked for and
// persistence, and the JSON of --out with the same rows.
func TestBenchVideoTable(t *testing.T) {
	js := filepath.Join(t.TempDir(), "video.json")
	out, err := runTidal(t, "bench", "video", "--quick", "--protocol", "robonet", "--size", "12", "--videos", "2", "--test-videos", "1",
		"--steps", "1", "--members", "1", "--sampler-steps", "1", "--channels", "4", "--batch", "2", "--dir", t.TempDir(),
		"--models", "dpm,dydiff-latent,dydiff", "--vae-steps", "2", "--vae-channels", "4", "--vae-latent-channels", "2", "--vae-batch", "4", "--out", js)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"protocol robonet (2 observed → 10 predicted)", "dydiff PSNR", "dpm SSIM", "dydiff-latent PSNR", "persistence PSNR",
		"\n3 ", "\n12 ", "\nmean ", "parameters: dydiff ", "latents [2 6 6]", "held-out reconstruction PSNR"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "\n13 ") || strings.Contains(out, "\n2 ") || strings.Contains(out, "dit") || strings.Contains(out, "dpm-latent") {
		t.Errorf("rows beyond the protocol's predicted frames or models not asked for:\n%s", out)
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Scores []struct {
			Method string    `json:"method"`
			PSNR   []float64 `json:"psnr"`
		} `json:"scores"`
		VAE *struct {
			LatentFrame []int `json:"latent_frame"`
		} `json:"vae"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range r.Scores {
		got = append(got, s.Method)
		if len(s.PSNR) != 10 {
			t.Errorf("%s: %d PSNR values in the JSON, want 10", s.Method, len(s.PSNR))
		}
	}
	if strings.Join(got, ",") != "dydiff,dpm,dydiff-latent,persistence" || r.VAE == nil || len(r.VAE.LatentFrame) != 3 {
		t.Errorf("JSON rows %v, VAE %+v", got, r.VAE)
	}
}

// TestBenchVideoRefusesBadFlags: every new flag's hostile values fail before anything trains, with an
// error naming the flag.
func TestBenchVideoRefusesBadFlags(t *testing.T) {
	dir, files := t.TempDir(), t.TempDir()
	videos := filepath.Join(files, "videos.npz")
	if err := os.WriteFile(videos, []byte("not read: --out is checked first"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"bench", "video", "--quick", "--size", "12", "--videos", "2", "--test-videos", "1", "--steps", "1", "--dir", dir}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--models", "dydiff,bogus"}, "--models"},
		{[]string{"--models", "dpm,dpm"}, "named twice"},
		{[]string{"--models", ""}, "--models"},
		{[]string{"--models", "dydiff,,dpm"}, "--models"},
		{[]string{"--vae-steps", "0"}, "--vae-steps"},
		{[]string{"--vae-steps", "-3"}, "--vae-steps"},
		{[]string{"--vae-channels", "1"}, "--vae-channels"},
		{[]string{"--vae-latent-channels", "0"}, "--vae-latent-channels"},
		{[]string{"--vae-batch", "0"}, "--vae-batch"},
		{[]string{"--vae-mults", "1,0"}, "--vae-mults"},
		{[]string{"--vae-mults", "1,2,2,2,2,2"}, "--vae-mults"},
		{[]string{"--vae-mults", "1,2,2,2"}, "--size 12 is not a multiple of 8"},
		{[]string{"--hidden", "30"}, "--hidden"},
		{[]string{"--hidden", "0"}, "--hidden"},
		{[]string{"--depth", "0"}, "--depth"},
		{[]string{"--patch", "-1"}, "--patch"},
		{[]string{"--protocol", "bogus"}, "--protocol"},
		{[]string{"--out", filepath.Join(dir, "missing", "v.json")}, "--out"},
		{[]string{"--data", videos, "--out", videos}, "refusing to overwrite an input"},
	} {
		out, err := runTidal(t, append(append([]string(nil), base...), tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %q\n%s", tc.args, err, tc.want, out)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused command left %d entries in --dir", len(entries))
	}
	if b, _ := os.ReadFile(videos); string(b) != "not read: --out is checked first" {
		t.Errorf("--out over --data changed the data file: %q", b)
	}
}
