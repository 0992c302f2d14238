package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
)

// videoTrainArgs trains a tiny action-conditioned model: windows 1 + 2 of 16×16 RGB, a two-level
// UNet of width 8, a few steps.
const videoTrainArgs = "--context 1 --predict 2 --channels 8 --groups 4 --mults 1,2 --blocks 1 --steps 4 --batch 2 --log-every 2 --checkpoint-every 4 --quiet"

// videoFixture writes a tiny pushing data set (push.npz: 4 videos of 6 frames of 16²) and trains a
// tiny model with its actions into run/, through the commands themselves.
func videoFixture(t *testing.T, dir string) {
	t.Helper()
	if out, err := runTidal(t, "data", "pushing", "--out", filepath.Join(dir, "push.npz"), "--videos", "4", "--frames", "6", "--size", "16", "--objects", "1"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	args := append([]string{"train", "dydiff", "--data", filepath.Join(dir, "push.npz"), "--run", filepath.Join(dir, "run")}, strings.Fields(videoTrainArgs)...)
	if out, err := runTidal(t, args...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// TestVideoCommands: `data pushing` writes frames and actions in the BAIR layout, `train dydiff`
// conditions the model on the actions (options.json records 2 components and their scale),
// training noise levels default to --p-mean 0.8 (videoPMean), `forecast` forecasts every video from its
// frame 1 with the file's actions, and with --actions of
// another sequence gives other frames (the actions reach the network), of the same shapes.
func TestVideoCommands(t *testing.T) {
	dir := t.TempDir()
	videoFixture(t, dir)
	fr, err := data.ReadNPZ(filepath.Join(dir, "push.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if s, a := fr["frames"].Shape, fr["actions"].Shape; len(s) != 5 || s[0] != 4 || s[1] != 6 || s[2] != 16 || s[4] != 3 || a[0] != 4 || a[1] != 5 || a[2] != 2 {
		t.Fatalf("frames %v, actions %v", s, a)
	}
	b, err := os.ReadFile(filepath.Join(dir, "run", "options.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Config struct {
			Actions int       `json:"actions"`
			Scale   []float64 `json:"action_scale"`
			EDM     struct {
				PMean float64 `json:"p_mean"`
			} `json:"edm"`
		} `json:"config"`
	}
	if err := json.Unmarshal(b, &rec); err != nil || rec.Config.Actions != 2 || len(rec.Config.Scale) != 2 || !(rec.Config.Scale[0] > 0) {
		t.Fatalf("options.json records actions %d with scale %v (%v)", rec.Config.Actions, rec.Config.Scale, err)
	}
	if rec.Config.EDM.PMean != videoPMean {
		t.Errorf("training on videos with actions recorded p-mean %v, want the video default %v", rec.Config.EDM.PMean, videoPMean)
	}
	// The run's config.yaml records the values the run used, so that training again from it resumes.
	if out, err := runTidal(t, "train", "dydiff", "--config", filepath.Join(dir, "run", "config.yaml")); err != nil {
		t.Fatalf("training again from the run's config.yaml: %v\n%s", err, out)
	}
	fc := func(name string, extra ...string) []float32 {
		args := append([]string{"forecast", "--run", filepath.Join(dir, "run"), "--data", filepath.Join(dir, "push.npz"), "--members", "2",
			"--sampler-steps", "2", "--quiet", "--out", filepath.Join(dir, name)}, extra...)
		if out, err := runTidal(t, args...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		a, err := data.ReadNPY(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if s := a.Shape; len(s) != 6 || s[0] != 4 || s[1] != 2 || s[2] != 2 || s[3] != 3 || s[4] != 16 {
			t.Fatalf("forecast of shape %v, want [4 2 2 3 16 16]", s)
		}
		return a.Float32()
	}
	own := fc("own.npy")
	rows := data.FromFloat32([]float32{0.3, -0.3, 0.3, -0.3, 0.3, -0.3}, 3, 2)
	if err := data.WriteNPY(filepath.Join(dir, "acts.npy"), rows); err != nil {
		t.Fatal(err)
	}
	other := fc("other.npy", "--actions", filepath.Join(dir, "acts.npy"))
	diff := 0.0
	for i := range own {
		diff = math.Max(diff, math.Abs(float64(own[i]-other[i])))
	}
	if diff == 0 {
		t.Error("forecasts with other actions are identical: the actions do not reach the network")
	}
	truth, err := data.ReadNPY(filepath.Join(dir, "own.truth.npy"))
	if err != nil || truth.Shape[0] != 4 || truth.Shape[1] != 2 {
		t.Fatalf("truth %v (%v)", truth, err)
	}
}

// videoHostileCases are bad flags and files of the video commands; want is what the error must name.
var videoHostileCases = []struct{ name, args, want string }{
	{"pushing --size 0", "data pushing --out $dir/p.npz --size 0", "--size 0"},
	{"pushing --frames 1", "data pushing --out $dir/p.npz --frames 1", "--frames 1"},
	{"pushing --objects 99", "data pushing --out $dir/p.npz --objects 99", "--objects 99"},
	{"pushing --max-step NaN", "data pushing --out $dir/p.npz --max-step NaN", "--max-step"},
	{"pushing --out not an NPZ", "data pushing --out $dir/p.npy", "--out"},
	{"pushing huge videos×frames×size² refused first", "data pushing --out $dir/p.npz --videos 1000000 --frames 1000 --size 1024", "--videos 1000000"},
	{"pushing beyond the memory", "data pushing --out $dir/p.npz --videos 2000 --frames 30 --size 256", "memory"},
	{"pushing beyond --max-disk", "data pushing --out $dir/p.npz --videos 1 --frames 2 --size 4 --max-disk 1", "--max-disk"},
	{"train --data with NaN actions", "train dydiff --data $nanact.npz --run $dir/r " + videoTrainArgs, "nanact.npz"},
	{"train --data with actions of a bad shape", "train dydiff --data $badact.npz --run $dir/r " + videoTrainArgs, "actions of shape"},
	{"train --actions bogus", "train dydiff --data $push.npz --run $dir/r --actions bogus " + videoTrainArgs, "--actions"},
	{"train --actions on fields", "train dydiff --data $field.npy --run $dir/r --actions none --context 1 --predict 2", "--actions"},
	{"train windows longer than the videos", "train dydiff --data $push.npz --run $dir/r --context 4 --predict 4", "fewer than"},
	{"train --static with videos", "train dydiff --data $push.npz --run $dir/r --static $field.npy " + videoTrainArgs, "--static"},
	{"forecast --actions with NaN", "forecast --run $run --data $push.npz --out $dir/f.npy --actions $nan.npy", "--actions"},
	{"forecast --actions of 3 components", "forecast --run $run --data $push.npz --out $dir/f.npy --actions $three.npy", "--actions"},
	{"forecast --actions too short", "forecast --run $run --data $push.npz --out $dir/f.npy --actions $short.npy --lead 2", "needs"},
	{"forecast --actions none on a model with actions", "forecast --run $run --data $push.npz --out $dir/f.npy --actions none", "--actions none"},
	{"forecast --lead past the videos", "forecast --run $run --data $push.npz --out $dir/f.npy --lead 9", "--lead 9"},
	{"forecast --starts on videos", "forecast --run $run --data $push.npz --out $dir/f.npy --starts 2", "--starts"},
	{"forecast --cases more than the videos", "forecast --run $run --data $push.npz --out $dir/f.npy --cases 9", "--cases 9"},
	{"forecast --out the data", "forecast --run $run --data $push.npz --out $push.npz", "--data"},
	{"forecast --out the actions", "forecast --run $run --data $push.npz --out $acts.npy --actions $acts.npy", "--actions"},
	{"bench video --protocol bogus", "bench video --quick --protocol bogus", "--protocol"},
	{"bench video --size 5", "bench video --quick --size 5", "--size 5"},
	{"bench video --steps 0", "bench video --quick --steps 0", "--steps 0"},
	{"bench video --p-mean NaN", "bench video --quick --p-mean NaN", "--p-mean"},
	{"bench video --data fields", "bench video --quick --data $field.npy", "--data"},
	{"bench video --data with --size", "bench video --quick --data $push.npz --size 16", "--size"},
	{"bench video huge --videos refused before allocating", "bench video --quick --videos 1000000 --size 256", "memory"},
	{"forecast fields without actions", "forecast --run $run --data $field.npy --out $dir/f.npy", "actions"},
}

// TestHostileVideo runs every case as a child process under the round-2 address-space limit: each must
// exit non-zero within 60 s, without a panic, with a one-line error naming want, and leave the folder
// exactly as it was.
func TestHostileVideo(t *testing.T) {
	dir := t.TempDir()
	videoFixture(t, dir)
	p := func(name string) string { return filepath.Join(dir, name) }
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	frames := make([]float32, 2*4*16*16*3)
	for i := range frames {
		frames[i] = 0.5
	}
	nan := float32(math.NaN())
	fa := data.FromFloat32(frames, 2, 4, 16, 16, 3)
	must(data.WriteNPZ(p("nanact.npz"), map[string]*data.Array{"frames": fa, "actions": data.FromFloat32([]float32{0, 0, nan, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 2, 3, 2)}, false))
	must(data.WriteNPZ(p("badact.npz"), map[string]*data.Array{"frames": fa, "actions": data.FromFloat32(make([]float32, 16), 2, 4, 2)}, false))
	must(data.WriteNPY(p("nan.npy"), data.FromFloat32([]float32{0, nan, 0, 0, 0, 0}, 3, 2)))
	must(data.WriteNPY(p("three.npy"), data.FromFloat32(make([]float32, 9), 3, 3)))
	must(data.WriteNPY(p("short.npy"), data.FromFloat32(make([]float32, 2), 1, 2)))
	must(data.WriteNPY(p("acts.npy"), data.FromFloat32(make([]float32, 10), 5, 2)))
	must(data.WriteNPY(p("field.npy"), data.FromFloat32(frames[:6*3*16*16], 6, 3, 16, 16)))
	paths := map[string]string{"dir": dir, "run": p("run")}
	for _, n := range []string{"push.npz", "nanact.npz", "badact.npz", "nan.npy", "three.npy", "short.npy", "acts.npy", "field.npy"} {
		paths[n] = p(n)
	}
	for _, c := range videoHostileCases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, dir)
			msg, code, d := runRound2(t, dir, "", expand(c.args, paths))
			if code == 0 {
				t.Errorf("exit status 0, expected a refusal:\n%s", msg)
			}
			if d > 60*time.Second {
				t.Errorf("took %v, expected under 60 s", d)
			}
			if strings.Contains(msg, "panic:") || strings.Contains(msg, "goroutine ") {
				t.Errorf("crashed:\n%s", msg)
			}
			if !strings.Contains(msg, c.want) {
				t.Errorf("the error does not name %q:\n%s", c.want, msg)
			}
			sameFolder(t, before, snapshot(t, dir))
		})
	}
}

// TestVideoValAndVideoNet: training on videos with --val previews the validation videos under their
// actions, and the video network (each frame's own action planes) trains and forecasts past its window,
// the later windows taking the later actions.
func TestVideoValAndVideoNet(t *testing.T) {
	dir := t.TempDir()
	videoFixture(t, dir)
	push := filepath.Join(dir, "push.npz")
	args := append([]string{"train", "dydiff", "--data", push, "--val", push, "--run", filepath.Join(dir, "runv"), "--val-every", "2", "--preview-every", "2",
		"--preview-members", "2", "--preview-steps", "2"}, strings.Fields(videoTrainArgs)...)
	if out, err := runTidal(t, args...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	stats, err := os.ReadFile(filepath.Join(dir, "runv", "stats.jsonl"))
	if err != nil || !strings.Contains(string(stats), `"crps"`) || !strings.Contains(string(stats), `"val_loss"`) {
		t.Fatalf("stats.jsonl without validation previews (%v):\n%s", err, stats)
	}
	args = append([]string{"train", "dydiff", "--data", push, "--run", filepath.Join(dir, "runvid"), "--net", "video"}, strings.Fields(videoTrainArgs)...)
	if out, err := runTidal(t, args...); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out := filepath.Join(dir, "fv.npy")
	if msg, err := runTidal(t, "forecast", "--run", filepath.Join(dir, "runvid"), "--data", push, "--out", out, "--members", "1", "--sampler-steps", "2", "--lead", "4", "--cases", "2", "--quiet"); err != nil {
		t.Fatalf("%v\n%s", err, msg)
	}
	a, err := data.ReadNPY(out)
	if err != nil || len(a.Shape) != 6 || a.Shape[0] != 2 || a.Shape[2] != 4 {
		t.Fatalf("forecast %v (%v), want [2 1 4 3 16 16]", a, err)
	}
}

// TestVideoDiTNet: `train dydiff --net dit` on a pushing file with actions conditions the transformer
// on them (options.json records net dit and 2 action components), and `forecast` runs past the window
// with the file's actions and with `--actions FILE`, whose other sequence gives other frames (the
// actions reach the DiT); actions of the wrong width are refused naming --actions.
func TestVideoDiTNet(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	push, run := p("push.npz"), p("rundit")
	if out, err := runTidal(t, "data", "pushing", "--out", push, "--videos", "4", "--frames", "6", "--size", "16", "--objects", "1"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := runTidal(t, "train", "dydiff", "--net", "dit", "--data", push, "--run", run, "--context", "1", "--predict", "2",
		"--steps", "4", "--batch", "2", "--log-every", "2", "--checkpoint-every", "4", "--quiet",
		"--patch", "4", "--hidden", "16", "--depth", "1", "--heads", "2"); err != nil {
		t.Fatalf("train --net dit on videos with actions: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(run, "options.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Config dymodel.Config `json:"config"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Config.Net != "dit" || rec.Config.Actions != 2 || len(rec.Config.ActionScale) != 2 {
		t.Fatalf("options.json records net %q with %d action components, scale %v (%v)", rec.Config.Net, rec.Config.Actions, rec.Config.ActionScale, err)
	}
	rows := data.FromFloat32([]float32{0.3, -0.3, 0.3, -0.3, 0.3, -0.3, 0.3, -0.3, 0.3, -0.3}, 5, 2)
	if err := data.WriteNPY(p("acts.npy"), rows); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPY(p("three.npy"), data.FromFloat32(make([]float32, 15), 5, 3)); err != nil {
		t.Fatal(err)
	}
	fc := func(name string, extra ...string) []float32 {
		args := append([]string{"forecast", "--run", run, "--data", push, "--out", p(name), "--members", "1", "--sampler-steps", "2",
			"--lead", "4", "--cases", "2", "--quiet"}, extra...)
		if out, err := runTidal(t, args...); err != nil {
			t.Fatalf("forecast %v: %v\n%s", extra, err, out)
		}
		a, err := data.ReadNPY(p(name))
		if err != nil {
			t.Fatal(err)
		}
		if s := a.Shape; len(s) != 6 || s[0] != 2 || s[1] != 1 || s[2] != 4 || s[3] != 3 || s[4] != 16 || s[5] != 16 {
			t.Fatalf("forecast of shape %v, want [2 1 4 3 16 16]", s)
		}
		return a.Float32()
	}
	own, other := fc("own.npy"), fc("other.npy", "--actions", p("acts.npy"))
	diff := 0.0
	for i := range own {
		diff = math.Max(diff, math.Abs(float64(own[i]-other[i])))
	}
	if diff == 0 {
		t.Error("DiT forecasts with other actions are identical: the actions do not reach the network")
	}
	_, err = runTidal(t, "forecast", "--run", run, "--data", push, "--out", p("bad.npy"), "--actions", p("three.npy"), "--quiet")
	if err == nil || !strings.Contains(err.Error(), "--actions") {
		t.Errorf("forecast --actions of 3 components on a DiT run: error %v, want one naming --actions", err)
	}
	if _, serr := os.Stat(p("bad.npy")); serr == nil {
		t.Error("the refused forecast left bad.npy behind")
	}
}
