package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guided"
)

// ditTrainArgs are a few steps of `train dydiff --net dit` on series with a tiny transformer.
func ditTrainArgs(series, run string, extra ...string) []string {
	return append([]string{"train", "dydiff", "--net", "dit", "--data", series, "--run", run, "--context", "2", "--predict", "2",
		"--steps", "4", "--batch", "2", "--log-every", "2", "--checkpoint-every", "4", "--quiet",
		"--patch", "4", "--hidden", "16", "--depth", "1", "--heads", "2"}, extra...)
}

// TestDiTTrainForecastScore trains DyDiff with the DiT for a few steps on a tiny series of 12 frames
// of 2×12×8 (a grid the patch 4 divides) and of 1×10×6 (one it does not: padded to 12×8 and
// cropped), records its settings in options.json, forecasts from the run with no DiT flag (the
// forecast keeps the grid) and scores the forecast against its truth.
func TestDiTTrainForecastScore(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	for _, g := range []struct {
		name    string
		C, H, W int
	}{{"even", 2, 12, 8}, {"padded", 1, 10, 6}} {
		series := p(g.name + ".npy")
		if err := data.WriteNPY(series, smoothField(12, g.C, g.H, g.W)); err != nil {
			t.Fatal(err)
		}
		run := p(g.name + "_run")
		if out, err := runTidal(t, ditTrainArgs(series, run)...); err != nil {
			t.Fatalf("%s: train: %v\n%s", g.name, err, out)
		}
		raw, err := os.ReadFile(filepath.Join(run, "options.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Config dymodel.Config `json:"config"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			t.Fatal(err)
		}
		if d := rec.Config.DiT; rec.Config.Net != "dit" || d == nil || d.Patch != 4 || d.Hidden != 16 || d.Depth != 1 || d.Heads != 2 {
			t.Fatalf("%s: options.json records net %q, dit %+v", g.name, rec.Config.Net, rec.Config.DiT)
		}
		fc := p(g.name + "_fc.npy")
		if out, err := runTidal(t, "forecast", "--run", run, "--data", series, "--out", fc, "--members", "2", "--sampler-steps", "2",
			"--cases", "2", "--quiet"); err != nil {
			t.Fatalf("%s: forecast: %v\n%s", g.name, err, out)
		}
		f, err := data.ReadNPY(fc)
		if err != nil {
			t.Fatal(err)
		}
		if s := f.Shape; len(s) != 6 || s[0] != 2 || s[1] != 2 || s[2] != 2 || s[3] != g.C || s[4] != g.H || s[5] != g.W {
			t.Errorf("%s: forecast shape %v, want [2 cases, 2 members, 2 lead, %d, %d, %d]", g.name, s, g.C, g.H, g.W)
		}
		out, err := runTidal(t, "score", "--forecast", fc, "--obs", strings.TrimSuffix(fc, ".npy")+".truth.npy", "--metrics", "crps,rmse")
		if err != nil || !strings.Contains(out, "crps") {
			t.Fatalf("%s: score: %v\n%s", g.name, err, out)
		}
	}
}

// smoothField is T frames of C channels of H×W: travelling sine waves.
func smoothField(T, C, H, W int) *data.Array {
	v := make([]float32, 0, T*C*H*W)
	for t := range T {
		for c := range C {
			for y := range H {
				for x := range W {
					v = append(v, float32(math.Sin(0.5*float64(x)+0.3*float64(y)+float64(c)-0.6*float64(t))))
				}
			}
		}
	}
	return data.FromFloat32(v, T, C, H, W)
}

// TestDiTHostileFlags checks that bad DiT flags are refused before anything is written, each with an
// error naming the flag: sizes out of range, a width the heads do not divide, a patch larger than the
// frames, DiT flags without --net dit and the UNet's sizes with it.
func TestDiTHostileFlags(t *testing.T) {
	dir := t.TempDir()
	series := filepath.Join(dir, "s.npy")
	if err := data.WriteNPY(series, smoothField(12, 1, 8, 8)); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--patch", "0"}, "--patch"},
		{[]string{"--patch", "-4"}, "--patch"},
		{[]string{"--patch", "16"}, "--patch 16 is larger than the 8×8 frames"},
		{[]string{"--depth", "0"}, "--depth"},
		{[]string{"--hidden", "0"}, "--hidden"},
		{[]string{"--hidden", "18"}, "--hidden 18"},
		{[]string{"--hidden", "20", "--heads", "3"}, "--heads 3 does not divide --hidden 20"},
		{[]string{"--heads", "0"}, "--heads"},
		{[]string{"--channels", "8"}, "--channels sizes the UNet"},
		{[]string{"--mults", "1,2"}, "--mults sizes the UNet"},
		{[]string{"--temporal-attn", "1"}, "--temporal-attn"},
	} {
		out, err := runTidal(t, ditTrainArgs(series, run, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %q\n%s", tc.args, err, tc.want, out)
		}
		if _, serr := os.Stat(run); serr == nil {
			t.Fatalf("%v: the refused run left %s behind", tc.args, run)
		}
	}
	for _, net := range []string{"unet", "video"} {
		_, err := runTidal(t, "train", "dydiff", "--net", net, "--data", series, "--run", run, "--depth", "2")
		if err == nil || !strings.Contains(err.Error(), "--depth sizes the transformer of --net dit") {
			t.Errorf("--net %s --depth 2: error %v, want one naming --depth", net, err)
		}
	}
}

// tinyGuidedDiT are the flags of a two-step `train idm|vdm --net dit` run of a tiny transformer.
const tinyGuidedDiT = "--net dit --patch 4 --hidden 16 --depth 1 --heads 2 --steps 2 --batch 2 --log-every 1 --checkpoint-every 2 --val-fraction 0.4 --quiet"

// TestDiTGuidedTrainRollout trains the image and the video model with the DiT for two steps on a tiny
// series, checks that each run records its DiT and no UNet, and rolls the video model out with no DiT
// flag: frames of the series' shape.
func TestDiTGuidedTrainRollout(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	if err := data.WriteNPY(p("s.npy"), smoothField(12, 1, 8, 8)); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"idm", "vdm"} {
		args := append([]string{"train", kind, "--data", p("s.npy"), "--run", p(kind)}, strings.Fields(tinyGuidedDiT)...)
		if out, err := runTidal(t, args...); err != nil {
			t.Fatalf("train %s: %v\n%s", kind, err, out)
		}
		raw, err := os.ReadFile(p(kind + "/options.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Config guided.ModelConfig `json:"config"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			t.Fatal(err)
		}
		if d := rec.Config.DiT; d == nil || rec.Config.UNet != nil || d.Hidden != 16 || d.Patch != 4 || d.Depth != 1 || d.Heads != 2 {
			t.Errorf("%s: options.json records unet %v, dit %+v; want the DiT alone", kind, rec.Config.UNet, d)
		}
	}
	if out, err := runTidal(t, "rollout", "--vdm", p("vdm"), "--init", p("s.npy"), "--cases", "1", "--lead", "2", "--members", "2",
		"--sampler-steps", "2", "--out", p("r.npy"), "--quiet"); err != nil {
		t.Fatalf("rollout: %v\n%s", err, out)
	}
	r, err := data.ReadNPY(p("r.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Shape); n < 3 || r.Shape[n-1] != 8 || r.Shape[n-2] != 8 {
		t.Errorf("rollout shape %v, want frames of 8×8", r.Shape)
	}
}

// TestDiTGuidedHostileFlags: bad --net and DiT flags of `train idm|vdm` are refused, each naming its
// flag, and nothing is left behind.
func TestDiTGuidedHostileFlags(t *testing.T) {
	dir := t.TempDir()
	series := filepath.Join(dir, "s.npy")
	if err := data.WriteNPY(series, smoothField(12, 1, 8, 8)); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	for _, tc := range []struct {
		args, want string
	}{
		{"--net transformer", `--net "transformer"`},
		{"--patch 2", "--patch sizes the transformer of --net dit"},
		{"--heads 2", "--heads sizes the transformer of --net dit"},
		{"--net dit --channels 8", "--channels sizes the UNet"},
		{"--net dit --hidden 18", "--hidden 18"},
		{"--net dit --hidden 20 --heads 3", "--heads 3 does not divide --hidden 20"},
		{"--net dit --depth 0", "--depth"},
		{"--net dit --patch 0", "--patch"},
		{"--net dit --patch 16", "--patch 16 is larger than the 8×8 frames"},
		{"--net dit --patch 8 --crop 4,4", "--patch 8 is larger than the 4×4 frames"},
	} {
		for _, kind := range []string{"idm", "vdm"} {
			args := append([]string{"train", kind, "--data", series, "--run", run, "--steps", "1"}, strings.Fields(tc.args)...)
			_, err := runTidal(t, args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("train %s %s: error %v, want one containing %q", kind, tc.args, err, tc.want)
			}
			if _, serr := os.Stat(run); serr == nil {
				t.Fatalf("train %s %s: the refused run left %s behind", kind, tc.args, run)
			}
		}
	}
}

// TestDiTHostileChild runs refused DiT flags as a user does, in a child process: each exits non-zero
// without a crash, with one error line naming the flag, and leaves the folder exactly as it was.
func TestDiTHostileChild(t *testing.T) {
	dir := t.TempDir()
	series := filepath.Join(dir, "s.npy")
	if err := data.WriteNPY(series, smoothField(12, 1, 8, 8)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ args, want string }{
		{"train dydiff --net dit --hidden 20 --heads 3", "--heads 3 does not divide --hidden 20"},
		{"train dydiff --net dit --depth 0", "--depth"},
		{"train dydiff --net dit --patch 9 --context 2 --predict 2", "--patch 9 is larger than the 8×8 frames"},
		{"train vdm --net dit --patch -1", "--patch"},
		{"train idm --depth 3", "--depth sizes the transformer of --net dit"},
	} {
		before := snapshot(t, dir)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		args := append(strings.Fields(tc.args), "--data", series, "--run", filepath.Join(dir, "run"))
		out, err := tidalChild(ctx, dir, args...).CombinedOutput()
		cancel()
		msg := string(out)
		if err == nil {
			t.Errorf("%s: exit status 0, expected a refusal:\n%s", tc.args, msg)
		}
		if strings.Contains(msg, "panic:") || strings.Contains(msg, "goroutine ") {
			t.Errorf("%s: crashed:\n%s", tc.args, msg)
		}
		lines := strings.Split(strings.TrimSpace(msg), "\n")
		if last := lines[len(lines)-1]; !strings.HasPrefix(last, "tidal: ") || !strings.Contains(last, tc.want) || strings.Count(msg, "tidal: ") != 1 {
			t.Errorf("%s: expected one error line naming %q:\n%s", tc.args, tc.want, msg)
		}
		sameFolder(t, before, snapshot(t, dir))
	}
}

// TestGuidedDiTActivations: the memory estimate of `train idm|vdm` follows the DiT's size with --net
// dit (linear in the batch, the depth and the width, over the patch's points) and is the UNet's
// otherwise; a transformer too large for the machine is refused before training.
func TestGuidedDiTActivations(t *testing.T) {
	d := guidedDiTFlags{net: "dit", patch: 4, hidden: 64, depth: 4, heads: 1}
	if got, want := d.activations(16, 999), int64(16*4*64*28*4*3/16); got != want {
		t.Errorf("activations %d, want %d", got, want)
	}
	if got := (guidedDiTFlags{net: "unet"}).activations(16, 999); got != 999 {
		t.Errorf("--net unet: activations %d, want the UNet's 999", got)
	}
	dir := t.TempDir()
	series := filepath.Join(dir, "s.npy")
	if err := data.WriteNPY(series, smoothField(12, 1, 8, 8)); err != nil {
		t.Fatal(err)
	}
	_, err := runTidal(t, "train", "idm", "--data", series, "--run", filepath.Join(dir, "run"), "--net", "dit",
		"--hidden", "8192", "--depth", "1024", "--batch", "65536", "--patch", "1", "--max-memory", "1GiB")
	if err == nil || !strings.Contains(err.Error(), "memory") {
		t.Errorf("a huge DiT under --max-memory 1GiB: error %v, want one about memory", err)
	}
}
