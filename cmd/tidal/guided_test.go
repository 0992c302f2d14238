package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guided"
)

// smoothSeries is T frames of c channels on an n×n grid, a travelling sine, [T, c, n, n].
func smoothSeries(T, c, n int) *data.Array {
	v := make([]float32, 0, T*c*n*n)
	for t := range T {
		for ch := range c {
			for y := range n {
				for x := range n {
					v = append(v, float32(math.Sin(2*math.Pi*float64(x+y+ch)/float64(n)-0.7*float64(t))))
				}
			}
		}
	}
	return data.FromFloat32(v, T, c, n, n)
}

// tinyTrain are the flags of a two-step training run of a tiny network.
const tinyTrain = "--steps 2 --batch 2 --channels 4 --mults 1,2 --blocks 1 --groups 2 --log-every 1 --checkpoint-every 2 --val-fraction 0.4"

// guidedRuns holds tiny trained runs shared by the hostile cases (outside every case's folder).
var guidedRuns struct {
	once  sync.Once
	dir   string
	paths map[string]string
	err   error
}

// guidedFixture trains, once per test binary, an IDM, a VDM and discriminators at 8² (one channel), 16²
// and with two channels, as child processes, and returns their run directories by name.
func guidedFixture(t *testing.T) map[string]string {
	t.Helper()
	guidedRuns.once.Do(func() {
		dir, err := os.MkdirTemp("", "tidal-guided-fixture-")
		if err != nil {
			guidedRuns.err = err
			return
		}
		guidedRuns.dir = dir
		p := func(n string) string { return filepath.Join(dir, n) }
		for name, a := range map[string]*data.Array{"s8.npy": smoothSeries(12, 1, 8), "s16.npy": smoothSeries(12, 1, 16), "s8c2.npy": smoothSeries(12, 2, 8)} {
			if err := data.WriteNPY(p(name), a); err != nil {
				guidedRuns.err = err
				return
			}
		}
		runs := []struct{ name, args string }{
			{"idm8", "train idm --data s8.npy --run idm8"},
			{"vdm8", "train vdm --data s8.npy --run vdm8"},
			{"disc8", "train discriminator --data s8.npy --run disc8 --head-width 4"},
			{"disc16", "train discriminator --data s16.npy --run disc16 --head-width 4"},
			{"disc8c2", "train discriminator --data s8c2.npy --run disc8c2 --head-width 4"},
		}
		guidedRuns.paths = map[string]string{}
		for _, r := range runs {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			out, err := tidalChild(ctx, dir, strings.Fields(r.args+" "+tinyTrain)...).CombinedOutput()
			cancel()
			if err != nil {
				guidedRuns.err = err
				guidedRuns.err = &fixtureError{r.args, string(out)}
				return
			}
			guidedRuns.paths[r.name] = p(r.name)
		}
	})
	if guidedRuns.err != nil {
		t.Fatal(guidedRuns.err)
	}
	return guidedRuns.paths
}

type fixtureError struct{ args, out string }

func (e *fixtureError) Error() string { return "guided fixture: tidal " + e.args + ": " + e.out }

// guidedFixtureFiles writes the frames the guided cases read into a case's folder.
func guidedFixtureFiles(t *testing.T, dir string) {
	t.Helper()
	nan := smoothSeries(12, 1, 8)
	nan.F32[3*64+5] = float32(math.NaN())
	for name, a := range map[string]*data.Array{"g8.npy": smoothSeries(12, 1, 8), "g16.npy": smoothSeries(12, 1, 16),
		"g1.npy": smoothSeries(1, 1, 8), "gnan.npy": nan} {
		if err := data.WriteNPY(filepath.Join(dir, name), a); err != nil {
			t.Fatal(err)
		}
	}
}

func removeGuidedFixture() {
	if guidedRuns.dir != "" {
		os.RemoveAll(guidedRuns.dir)
	}
}

// TestGuidedCommandsEndToEnd runs the three training commands and `tidal rollout` (guided, unguided,
// VDM, forecasts scored by `tidal score`) on freshly generated turbulence.
func TestGuidedCommandsEndToEnd(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	child := func(args string) (string, error) { // a fresh process per command, as a user runs them
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := tidalChild(ctx, dir, strings.Fields(args)...).CombinedOutput()
		return string(out), err
	}
	run := func(args string) string {
		t.Helper()
		out, err := child(args)
		if err != nil {
			t.Fatalf("tidal %s: %v\n%s", args, err, out)
		}
		return out
	}
	run("data navier-stokes --quiet --size 16 --kf 3 --frames 40 --spinup 200 --out " + p("ns.npy"))
	tiny := "--steps 4 --batch 4 --channels 8 --mults 1,2 --blocks 1 --groups 4 --log-every 2 --checkpoint-every 2 --data " + p("ns.npy")
	run("train idm " + tiny + " --run " + p("idm"))
	if out := run("train idm " + tiny + " --run " + p("idm")); !strings.Contains(out, "at step 4") {
		t.Errorf("re-running a finished run: %s", out)
	}
	if out := run("train idm --config " + p("idm/config.yaml")); !strings.Contains(out, "at step 4") { // the written config reproduces the run
		t.Errorf("--config with the run's config.yaml: %s", out)
	}
	run("train vdm " + tiny + " --run " + p("vdm"))
	out := run("train discriminator " + tiny + " --crop 8,8 --head-width 8 --val-fraction 0.3 --run " + p("disc"))
	if !strings.Contains(out, "held-out accuracy") {
		t.Errorf("no held-out accuracy reported: %s", out)
	}
	for _, f := range []string{"idm/config.yaml", "idm/summary.json", "disc/summary.json", "vdm/norm.json"} {
		if _, err := os.Stat(p(f)); err != nil {
			t.Error(err)
		}
	}
	if b, _ := os.ReadFile(p("disc/summary.json")); !strings.Contains(string(b), "accuracy_by_noise") {
		t.Errorf("disc summary without the accuracy per noise level:\n%s", b)
	}
	sampler := " --steps 3 --init " + p("ns.npy")
	run("rollout --idm " + p("idm") + " --disc " + p("disc") + " --lambda 14 --frames 3 --members 2 --out " + p("guided.npy") + sampler)
	run("rollout --idm " + p("idm") + " --frames 3 --members 2 --out " + p("plain.npy") + sampler)
	run("rollout --vdm " + p("vdm") + " --frames 3 --members 2 --out " + p("vdm.npy") + sampler)
	for _, f := range []string{"guided.npy", "plain.npy", "vdm.npy"} {
		a, err := data.ReadNPY(p(f))
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Shape; len(got) != 5 || got[0] != 3 || got[1] != 2 || got[2] != 1 || got[3] != 16 {
			t.Errorf("%s: shape %v, want [3 2 1 16 16]", f, got)
		}
		for _, v := range a.Float32() {
			if math.IsNaN(float64(v)) {
				t.Fatalf("%s holds NaN", f)
			}
		}
	}
	// Guided VDM (the paper's open question 2) and guided frames of two channels (its question 3): the
	// same wrapper, the same seed as the unguided run, so the guide alone makes the difference.
	run("rollout --vdm " + p("vdm") + " --disc " + p("disc") + " --lambda 14 --frames 3 --members 2 --out " + p("gvdm.npy") + sampler)
	if err := data.WriteNPY(p("c2.npy"), smoothSeries(40, 2, 16)); err != nil {
		t.Fatal(err)
	}
	tiny2 := strings.Replace(tiny, p("ns.npy"), p("c2.npy"), 1)
	run("train idm " + tiny2 + " --run " + p("idm2"))
	run("train discriminator " + tiny2 + " --crop 8,8 --head-width 8 --val-fraction 0.3 --run " + p("disc2"))
	sampler2 := " --steps 3 --init " + p("c2.npy")
	run("rollout --idm " + p("idm2") + " --disc " + p("disc2") + " --lambda 14 --frames 3 --members 2 --out " + p("g2.npy") + sampler2)
	run("rollout --idm " + p("idm2") + " --frames 3 --members 2 --out " + p("u2.npy") + sampler2)
	for _, c := range []struct {
		guided, plain string
		shape         []int
	}{{"gvdm.npy", "vdm.npy", []int{3, 2, 1, 16, 16}}, {"g2.npy", "u2.npy", []int{3, 2, 2, 16, 16}}} {
		g, err := data.ReadNPY(p(c.guided))
		if err != nil {
			t.Fatal(err)
		}
		u, err := data.ReadNPY(p(c.plain))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(g.Shape, c.shape) || !slices.Equal(u.Shape, c.shape) {
			t.Errorf("%s %v and %s %v, want %v", c.guided, g.Shape, c.plain, u.Shape, c.shape)
		}
		if _, ok := finite(g.Float32()); !ok {
			t.Errorf("%s holds a NaN or an infinity", c.guided)
		}
		if slices.Equal(g.Float32(), u.Float32()) {
			t.Errorf("%s equals the unguided %s: the guide did nothing", c.guided, c.plain)
		}
	}
	if _, err := child("rollout --idm " + p("idm") + " --frames 3 --members 2 --out " + p("plain.npy") + sampler); err == nil {
		t.Error("a finished rollout was overwritten")
	}
	run("rollout --idm " + p("idm") + " --disc " + p("disc") + " --cases 2 --lead 3 --members 3 --out " + p("fc.npy") + " --truth-out " + p("truth.npy") + sampler)
	if sh, _, err := data.StatNPY(p("fc.npy")); err != nil || len(sh) != 6 || sh[0] != 2 || sh[1] != 3 || sh[2] != 3 {
		t.Errorf("forecast shape %v (%v), want [2 3 3 1 16 16]", sh, err)
	}
	if out := run("score --forecast " + p("fc.npy") + " --obs " + p("truth.npy")); !strings.Contains(out, "ssr") {
		t.Errorf("score output:\n%s", out)
	}
	// Guided DyDiff: the same discriminator guiding a DyDiff model's forecasts, scored like the others.
	run("train dydiff " + tiny + " --context 2 --predict 2 --run " + p("dy"))
	dyfc := "forecast --run " + p("dy") + " --data " + p("ns.npy") + " --cases 2 --members 2 --lead 3 --sampler-steps 4 --quiet --out "
	run(dyfc + p("dyg.npy") + " --disc " + p("disc") + " --lambda 14")
	run(dyfc + p("dyu.npy"))
	g, err := data.ReadNPY(p("dyg.npy"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := data.ReadNPY(p("dyu.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Shape, []int{2, 2, 3, 1, 16, 16}) || slices.Equal(g.Float32(), u.Float32()) {
		t.Errorf("guided DyDiff forecast %v equal to the unguided one: %v", g.Shape, slices.Equal(g.Float32(), u.Float32()))
	}
	if out := run("score --forecast " + p("dyg.npy") + " --obs " + p("dyg.truth.npy")); !strings.Contains(out, "ssr") {
		t.Errorf("score output:\n%s", out)
	}
}

// finite reports whether every value is a number, and else the first that is not.
func finite(v []float32) (int, bool) {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return i, false
		}
	}
	return 0, true
}

// TestDiscriminatorDefaultsAreTheMeasuredBest holds the guide's defaults at what docs/RESULTS.md measured
// best on turbulence (training noise N(0, 1.5²), negatives l ≥ 2), while the image model keeps EDM's
// N(−1.2, 1.2²): the values the flags hold after parsing no arguments, not only their help text.
func TestDiscriminatorDefaultsAreTheMeasuredBest(t *testing.T) {
	want := map[string]map[string]string{
		"discriminator": {"p-mean": "0", "p-std": "1.5", "future-only": "true"},
		"idm":           {"p-mean": "-1.2", "p-std": "1.2"},
	}
	for cmdName, flags := range want {
		var cmd *cobra.Command
		if cmdName == "discriminator" {
			cmd = newTrainDiscCmd()
		} else {
			cmd = newTrainImageCmd(guided.KindIDM)
		}
		if err := cmd.ParseFlags(nil); err != nil {
			t.Fatal(err)
		}
		for name, v := range flags {
			f := cmd.Flags().Lookup(name)
			if got := f.Value.String(); got != v || f.DefValue != v {
				t.Errorf("train %s --%s: value %s, shown default %s; want %s", cmdName, name, got, f.DefValue, v)
			}
		}
	}
}
