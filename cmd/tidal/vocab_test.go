package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
)

// tinyWaves writes 40 frames of 16² travelling waves to dir/w.npy and returns the path.
func tinyWaves(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "w.npy")
	if out, err := runTidal(t, "data", "waves", "--out", p, "--frames", "40", "--size", "16"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return p
}

// tinyRun trains a small DyDiff run of `steps` steps on waves into run, in a child process (a fresh
// process, as a user runs it: flags at their defaults, not reset by a test).
func tinyRun(t *testing.T, waves, run string, steps string) {
	t.Helper()
	args := []string{"train", "dydiff", "--data", waves, "--run", run, "--context", "2", "--predict", "2",
		"--channels", "8", "--groups", "4", "--mults", "1", "--blocks", "1", "--steps", steps, "--batch", "2"}
	if out, err := tidalChild(context.Background(), filepath.Dir(run), args...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}

// A run's own config.yaml, fed back with --config, is the same run (its empty lists, e.g.
// attn-levels: [], match the options recorded without them), and with a larger --steps it extends the
// finished run from where it stopped; a smaller --steps than trained is refused, naming the steps.
func TestConfigRoundTripAndExtendRun(t *testing.T) {
	dir := t.TempDir()
	w := tinyWaves(t, dir)
	run := filepath.Join(dir, "run")
	tinyRun(t, w, run, "2")
	cfg := filepath.Join(run, "config.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil || !strings.Contains(string(b), "attn-levels: []") {
		t.Fatalf("config.yaml: %v\n%s", err, b)
	}
	if out, err := runTidal(t, "train", "dydiff", "--config", cfg); err != nil || !strings.Contains(out, "nothing to do") {
		t.Fatalf("rerun from config.yaml: %v\n%s", err, out)
	}
	if out, err := runTidal(t, "train", "dydiff", "--config", cfg, "--steps", "4"); err != nil || !strings.Contains(out, "trained to step 4 (resumed from 2)") {
		t.Fatalf("extend to --steps 4: %v\n%s", err, out)
	}
	_, err = runTidal(t, "train", "dydiff", "--config", cfg, "--steps", "3")
	if err == nil || !strings.Contains(err.Error(), "steps = 3") || !strings.Contains(err.Error(), "trained 4 steps") {
		t.Fatalf("--steps 3 below the 4 trained: %v", err)
	}
}

// `data navier-stokes --size 16` on the default --kf 6 names the allowed range, the largest whole
// forcing wavenumber for the size and the size the asked one needs.
func TestDataNavierStokesKfErrorSuggests(t *testing.T) {
	_, err := runTidal(t, "data", "navier-stokes", "--size", "16", "--frames", "2", "--out", filepath.Join(t.TempDir(), "n.npy"))
	for _, want := range []string{"--kf 6", "(0, 5)", "largest whole one is --kf 4", "--size ≥ 22"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("--size 16 with the default --kf 6: %v, want an error mentioning %q", err, want)
		}
	}
}

// One vocabulary for cases: `forecast --cases N` makes N cases spread evenly (as `baseline --cases N`
// does), `--starts` gives their start frames, and a list given to --cases is refused with a pointer to
// --starts. Every forecast and baseline writes a sidecar with its cases.
func TestForecastCasesAndStarts(t *testing.T) {
	dir := t.TempDir()
	w := tinyWaves(t, dir)
	run := filepath.Join(dir, "run")
	tinyRun(t, w, run, "2")
	fc := func(name string, extra ...string) (*forecast.Sidecar, error) {
		out := filepath.Join(dir, name)
		args := append([]string{"forecast", "--run", run, "--data", w, "--members", "2", "--sampler-steps", "2", "--out", out, "--quiet"}, extra...)
		if msg, err := runTidal(t, args...); err != nil {
			return nil, fmt.Errorf("%w\n%s", err, msg)
		}
		a, err := data.ReadNPY(out)
		if err != nil {
			return nil, err
		}
		sc, err := forecast.ReadSidecar(out)
		if err != nil || sc == nil {
			return nil, fmt.Errorf("sidecar of %s: %v, %v", out, sc, err)
		}
		if len(sc.Starts) != a.Shape[0] || !slices.Equal(sc.Shape, a.Shape) {
			return nil, fmt.Errorf("sidecar %+v of a forecast of shape %v", sc, a.Shape)
		}
		return sc, nil
	}
	sc, err := fc("five.npy", "--cases", "5")
	if err != nil {
		t.Fatal(err)
	}
	even, _ := forecast.EvenCases(40, 2, 2, 5)
	if !slices.Equal(sc.Starts, even.Starts) || sc.Context != 2 || sc.Lead != 2 || sc.Members != 2 || sc.Kind != forecast.KindForecast {
		t.Errorf("--cases 5: sidecar %+v, want the 5 even cases %v of context 2, lead 2, 2 members", sc, even.Starts)
	}
	if sc, err = fc("starts.npy", "--starts", "5,20"); err != nil || !slices.Equal(sc.Starts, []int{5, 20}) {
		t.Errorf("--starts 5,20: %+v, %v", sc, err)
	}
	if _, err := fc("list.npy", "--cases", "5,20"); err == nil || !strings.Contains(err.Error(), "--starts 5,20") {
		t.Errorf("--cases 5,20: %v, want a pointer to --starts 5,20", err)
	}
	if _, err := fc("both.npy", "--cases", "2", "--starts", "5"); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("--cases with --starts: %v", err)
	}
}

// Baselines take their cases from the model: by default the context of a default model (4 frames);
// --run RUN the run's context and predicted frames, so that --cases N gives the forecast's cases;
// --like FORECAST the forecast's sidecar. `tidal score` scores arrays whose sidecars agree and refuses
// those that describe other cases, naming the field and both values.
func TestBaselineCasesFollowTheModel(t *testing.T) {
	dir := t.TempDir()
	w := tinyWaves(t, dir)
	run := filepath.Join(dir, "run")
	tinyRun(t, w, run, "2") // context 2, predict 2
	p := func(name string) string { return filepath.Join(dir, name) }
	must := func(args ...string) {
		t.Helper()
		if out, err := runTidal(t, args...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	starts := func(path string) []int {
		t.Helper()
		sc, err := forecast.ReadSidecar(path)
		if err != nil || sc == nil {
			t.Fatalf("sidecar of %s: %v, %v", path, sc, err)
		}
		return sc.Starts
	}
	must("forecast", "--run", run, "--data", w, "--members", "2", "--sampler-steps", "2", "--cases", "4", "--out", p("fc.npy"), "--quiet")
	must("baseline", "--data", w, "--out", p("default.npy"), "--cases", "4", "--lead", "2")
	if want, _ := forecast.EvenCases(40, 4, 2, 4); !slices.Equal(starts(p("default.npy")), want.Starts) {
		t.Errorf("baseline's default cases start at %v, want a 4-frame context's %v", starts(p("default.npy")), want.Starts)
	}
	must("baseline", "--run", run, "--data", w, "--out", p("run.npy"), "--truth-out", p("run.truth.npy"), "--cases", "4")
	must("baseline", "--like", p("fc.npy"), "--data", w, "--out", p("like.npy"), "--method", "climatology", "--pool", w)
	for _, f := range []string{"run.npy", "run.truth.npy", "like.npy"} {
		if got, want := starts(p(f)), starts(p("fc.npy")); !slices.Equal(got, want) {
			t.Errorf("%s: cases start at %v, the forecast's at %v", f, got, want)
		}
	}
	for _, fc := range []string{"fc.npy", "run.npy", "like.npy"} {
		if out, err := runTidal(t, "score", "--forecast", p(fc), "--obs", p("fc.truth.npy"), "--metrics", "crps"); err != nil {
			t.Errorf("score %s against the forecast's truth: %v\n%s", fc, err, out)
		}
	}
	must("baseline", "--data", w, "--out", p("other.npy"), "--truth-out", p("other.truth.npy"), "--cases", "4", "--lead", "2", "--context", "3")
	_, err := runTidal(t, "score", "--forecast", p("fc.npy"), "--obs", p("other.truth.npy"), "--metrics", "crps")
	if err == nil || !strings.Contains(err.Error(), "starts") || !strings.Contains(err.Error(), fmt.Sprint(starts(p("fc.npy")))) ||
		!strings.Contains(err.Error(), fmt.Sprint(starts(p("other.npy")))) {
		t.Errorf("scoring other cases: %v, want a refusal naming starts and both values", err)
	}
	if _, err := runTidal(t, "baseline", "--like", p("fc.npy"), "--data", w, "--out", p("x.npy"), "--context", "3"); err == nil || !strings.Contains(err.Error(), "--context") {
		t.Errorf("--like with --context: %v", err)
	}
	if _, err := runTidal(t, "baseline", "--like", p("fc.npy"), "--data", p("fc.truth.npy"), "--out", p("x.npy")); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("--like on other data: %v", err)
	}
}

// `score rollout` reads what `tidal rollout` writes, [T, members, C, H, W]: --member K scores member
// K exactly as the member alone [T, C, H, W] scores, and without --member every member is scored.
func TestScoreRolloutTakesMembers(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	const T, M, C, H, W = 24, 2, 2, 8, 8
	F := C * H * W
	roll := make([]float32, T*M*F)
	for i := range roll {
		t, m, k := i/(M*F), i/F%M, i%F
		roll[i] = float32(math.Sin(0.3*float64(t)*(1+float64(m)) + 0.1*float64(k*k%17)))
	}
	member := make([]float32, 0, T*F)
	for t := range T {
		member = append(member, roll[(t*M+1)*F:(t*M+2)*F]...)
	}
	truth := make([]float32, T*F)
	for i := range truth {
		truth[i] = float32(math.Cos(0.25*float64(i/F) + 0.2*float64(i%F%13)))
	}
	for name, a := range map[string]*data.Array{"roll.npy": data.FromFloat32(roll, T, M, C, H, W),
		"member1.npy": data.FromFloat32(member, T, C, H, W), "truth.npy": data.FromFloat32(truth, T, C, H, W)} {
		if err := data.WriteNPY(p(name), a); err != nil {
			t.Fatal(err)
		}
	}
	got, err := runTidal(t, "score", "rollout", "--forecast", p("roll.npy"), "--obs", p("truth.npy"), "--member", "1", "--json", "--max-lag", "3")
	if err != nil {
		t.Fatalf("%v\n%s", err, got)
	}
	want, err := runTidal(t, "score", "rollout", "--forecast", p("member1.npy"), "--obs", p("truth.npy"), "--json", "--max-lag", "3")
	if err != nil {
		t.Fatalf("%v\n%s", err, want)
	}
	if got != want {
		t.Errorf("--member 1 of the rollout:\n%s\nmember 1 alone:\n%s", got, want)
	}
	all, err := runTidal(t, "score", "rollout", "--forecast", p("roll.npy"), "--obs", p("truth.npy"), "--max-lag", "3")
	if err != nil || !strings.Contains(all, "member 0:") || !strings.Contains(all, "member 1:") {
		t.Errorf("every member: %v\n%s", err, all)
	}
	if _, err := runTidal(t, "score", "rollout", "--forecast", p("roll.npy"), "--obs", p("truth.npy"), "--member", "2"); err == nil || !strings.Contains(err.Error(), "--member 2") {
		t.Errorf("--member 2 of 2 members: %v", err)
	}
}

// A sidecar never replaces an input: a baseline of the GluonTS series s.json written to s.npy (whose
// sidecar would be s.json) is refused before any work, naming the sidecar, and s.json is unchanged.
func TestSidecarNeverReplacesAnInput(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 2 {
		b.WriteString(`{"start": "2020-01-01 00:00:00", "target": [`)
		for k := range 30 {
			if k > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%d", i+k%5)
		}
		b.WriteString("]}\n")
	}
	in := filepath.Join(dir, "s.json")
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := runTidal(t, "baseline", "--data", in, "--out", filepath.Join(dir, "s.npy"), "--lead", "2")
	if err == nil || !strings.Contains(err.Error(), "sidecar") || !strings.Contains(err.Error(), "s.json") {
		t.Errorf("a sidecar over the input: %v", err)
	}
	if got, _ := os.ReadFile(in); string(got) != b.String() {
		t.Error("the input s.json changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "s.npy")); err == nil {
		t.Error("s.npy was written")
	}
}
