package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
)

// Sizes of the fixture: a travelling vortex-street-like wave on a 16×16 grid.
const fxCases, fxMembers, fxLeads, fxH, fxW, fxFrames = 2, 4, 6, 16, 16, 60

// fxWave is the truth at time t: a signed field moving one cell per frame.
func fxWave(t, i, j int) float64 {
	x := 2 * math.Pi * float64(j-t) / fxW
	y := 2 * math.Pi * float64(i) / fxH
	return math.Sin(x) * math.Cos(y)
}

// fixture writes real tidal outputs into dir: a training run, score JSONs of a model and of persistence
// (scored by metrics.Score), a rollout JSON (metrics.ScoreRollout) and a forecast with its truth.
func fixture(t *testing.T, dir string) Inputs {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	truth := make([]float64, 0, fxCases*fxLeads*fxH*fxW)
	model := make([]float64, 0, fxCases*fxMembers*fxLeads*fxH*fxW)
	pers := make([]float64, 0, 2*fxCases*fxLeads*fxH*fxW) // two identical members: persistence
	for c := range fxCases {
		for l := range fxLeads {
			for i := range fxH * fxW {
				truth = append(truth, fxWave(c*7+l+1, i/fxW, i%fxW))
			}
		}
		for range 2 {
			for range fxLeads {
				for i := range fxH * fxW {
					pers = append(pers, fxWave(c*7, i/fxW, i%fxW))
				}
			}
		}
		for range fxMembers {
			for l := range fxLeads {
				for i := range fxH * fxW {
					model = append(model, fxWave(c*7+l+1, i/fxW, i%fxW)+0.3*float64(l+1)*rng.NormFloat64())
				}
			}
		}
	}
	tp, fp := filepath.Join(dir, "truth.npy"), filepath.Join(dir, "model.npy")
	must(t, data.WriteNPY(tp, data.FromFloat64(truth, fxCases, fxLeads, 1, fxH, fxW)))
	must(t, data.WriteNPY(fp, data.FromFloat64(model, fxCases, fxMembers, fxLeads, 1, fxH, fxW)))
	in := Inputs{Title: "fixture <report>", Meta: map[string]string{"command": "tidal report --out x", "backend": "go", "seed": "42"}}
	for _, s := range []struct {
		label string
		vals  []float64
		m     int
	}{{"dydiff", model, fxMembers}, {"persistence", pers, 2}} {
		p := filepath.Join(dir, s.label+".json")
		writeScore(t, p, s.vals, s.m, truth)
		sc, err := ReadScore(p, s.label)
		must(t, err)
		in.Scores = append(in.Scores, sc)
	}
	roll := filepath.Join(dir, "rollout.json")
	writeRollout(t, roll, rng)
	r, err := ReadRollout(roll, "dydiff")
	must(t, err)
	in.Rollouts = append(in.Rollouts, r)
	run := filepath.Join(dir, "run")
	writeRun(t, run)
	rr, err := ReadRun(run, "dydiff")
	must(t, err)
	in.Runs = append(in.Runs, rr)
	fc, err := ReadForecast("dydiff", fp, tp, ForecastOptions{})
	must(t, err)
	in.Forecasts = append(in.Forecasts, fc)
	return in
}

func writeScore(t *testing.T, path string, f []float64, m int, truth []float64) {
	t.Helper()
	lay := metrics.Layout{MemberAxis: 1, LeadAxis: 2}
	fe, err := metrics.NewEnsemble(f, []int{fxCases, m, fxLeads, 1, fxH, fxW}, lay)
	must(t, err)
	ob, err := metrics.NewTruth(truth, []int{fxCases, fxLeads, 1, fxH, fxW}, lay)
	must(t, err)
	rep, err := metrics.Score(fe, ob, metrics.ScoreOptions{Metrics: []string{"crps", "ssr", "spread", "rmse", "csi"}, Thresholds: []float64{0.5}})
	must(t, err)
	rep.Settings["seed"] = "7"
	js, err := rep.JSON()
	must(t, err)
	must(t, os.WriteFile(path, js, 0o644))
}

func writeRollout(t *testing.T, path string, rng *rand.Rand) {
	t.Helper()
	var f, o []float64
	for s := range fxFrames {
		for i := range fxH * fxW {
			o = append(o, fxWave(s, i/fxW, i%fxW)+0.1*rng.NormFloat64())
			f = append(f, 0.9*fxWave(s, i/fxW, i%fxW)+0.004*float64(s)+0.1*rng.NormFloat64())
		}
	}
	rep, err := metrics.ScoreRollout(f, []int{fxFrames, fxH, fxW}, o, []int{fxFrames, fxH, fxW}, metrics.RolloutOptions{MaxLag: 8, Bins: 20})
	must(t, err)
	js, err := rep.JSON()
	must(t, err)
	must(t, os.WriteFile(path, js, 0o644))
}

// writeRun writes a run directory as the training loop does, with a field the reader does not know.
func writeRun(t *testing.T, dir string) {
	t.Helper()
	must(t, os.MkdirAll(dir, 0o755))
	var b strings.Builder
	for s := 10; s <= 200; s += 10 {
		fmt.Fprintf(&b, `{"step":%d,"samples":%d,"loss":%g,"lr":0.001,"grad_norm":%g,"steps_per_s":3.5,"elapsed_s":%g,"preview":{"crps":0.1}`,
			s, 8*s, 1/math.Sqrt(float64(s)), 2/math.Sqrt(float64(s)), float64(s)/3.5)
		if s%50 == 0 {
			fmt.Fprintf(&b, `,"val_loss":%g`, 1.2/math.Sqrt(float64(s)))
		}
		b.WriteString("}\n")
	}
	b.WriteString(`{"step":210,"lo`) // torn last line
	must(t, os.WriteFile(filepath.Join(dir, "stats.jsonl"), []byte(b.String()), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "options.json"), []byte(`{"options":{"steps":200,"lr":0.001,"seed":42},"config":{"model":"dydiff","channels":[32,64]}}`), 0o644))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
