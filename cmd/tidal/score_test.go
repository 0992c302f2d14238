package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
	"github.com/tidal-forecast/tidal/metrics"
)

// runScoreCmd runs a fresh `tidal score` with args and returns its standard output.
func runScoreCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newScoreCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// numpyFiles has NumPy write a forecast in tidal's layout [cases, members, lead, channels, H, W] (float32),
// the same forecast with members last and lead first (float64), the truth, and broken variants.
func numpyFiles(t *testing.T) string {
	py := pyref.ForTest(t, "numpy")
	dir := t.TempDir()
	script := `
import numpy as np, sys, os
d = sys.argv[1]
r = np.random.default_rng(7)
mu = r.standard_normal((3, 1, 4, 2, 12, 12))
f = (mu + r.standard_normal((3, 5, 4, 2, 12, 12))).astype(np.float32)
y = mu[:, 0] + r.standard_normal((3, 4, 2, 12, 12))
np.save(os.path.join(d, "f.npy"), f)
np.save(os.path.join(d, "f_moved.npy"), np.ascontiguousarray(np.transpose(f.astype(np.float64), (2, 0, 3, 4, 5, 1))))
np.save(os.path.join(d, "y.npy"), y)
np.save(os.path.join(d, "y_moved.npy"), np.ascontiguousarray(np.transpose(y, (1, 0, 2, 3, 4))))
bad = y.copy(); bad[2, 1, 0, 5, 6] = np.nan
np.save(os.path.join(d, "y_nan.npy"), bad)
np.save(os.path.join(d, "y_short.npy"), y[:, :3])
np.save(os.path.join(d, "f_empty.npy"), f[:, :0])
np.save(os.path.join(d, "lat.npy"), np.cos(np.deg2rad(np.linspace(-55, 55, 12))))
np.save(os.path.join(d, "w_bad.npy"), np.ones(5))
`
	if _, err := pyref.Run(py, script, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestScoreCommandMatchesLibrary runs tidal score on NumPy-written files and checks the JSON it prints
// holds exactly the library's numbers, for tidal's layout and for a moved layout (lead first, members
// last, float64) of the same forecast.
func TestScoreCommandMatchesLibrary(t *testing.T) {
	dir := numpyFiles(t)
	p := func(n string) string { return filepath.Join(dir, n) }
	metricList := "crps,crps-fair,crps-pwm,spread,skill,ssr,rmse,bias,abs-bias,crps-sum,crps-sum-ql,csi,fss,ssim,psnr"
	common := []string{"--metrics", metricList, "--thresholds", "0.5", "--csi-windows", "1,3", "--lat-weights", p("lat.npy"), "--data-range", "6", "--json"}
	out1, err := runScoreCmd(t, append([]string{"--forecast", p("f.npy"), "--obs", p("y.npy"), "--out", p("report.json")}, common...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out1)
	}
	out2, err := runScoreCmd(t, append([]string{"--forecast", p("f_moved.npy"), "--obs", p("y_moved.npy"), "--lead-axis", "0", "--member-axis", "5"}, common...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out2)
	}
	saved, err := os.ReadFile(p("report.json"))
	if err != nil || strings.TrimSpace(string(saved)) != strings.TrimSpace(out1) {
		t.Fatalf("--out file differs from the printed JSON (%v)", err)
	}

	fa, _ := data.ReadNPY(p("f.npy"))
	oa, _ := data.ReadNPY(p("y.npy"))
	wa, _ := data.ReadNPY(p("lat.npy"))
	f, _ := metrics.NewEnsemble(fa.F32, fa.Shape, metrics.DefaultLayout)
	o, _ := metrics.NewTruth(oa.F64, oa.Shape, metrics.DefaultLayout)
	w, _ := metrics.PointWeights(f.Field, wa.F64, wa.Shape)
	rep, err := metrics.Score(f, o, metrics.ScoreOptions{Metrics: strings.Split(metricList, ","), Weights: w,
		Thresholds: []float64{0.5}, CSIWindows: []int{1, 3}, DataRange: 6, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	rep.Settings["forecast_file"] = p("f.npy")
	rep.Settings["truth_file"] = p("y.npy")
	rep.Settings["axes"] = "forecast members 1, lead 2 (cases: first other axis)"
	rep.Settings["weights"] = p("lat.npy") + ", normalised to mean 1"
	want, _ := rep.JSON()
	if strings.TrimSpace(out1) != strings.TrimSpace(string(want)) {
		t.Fatalf("tidal score printed\n%s\nthe library gives\n%s", out1, want)
	}
	// The moved layout reads the same values, in another order: same numbers up to summation order.
	var r1, r2 metrics.Report
	if err := json.Unmarshal([]byte(out1), &r1); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out2), &r2); err != nil {
		t.Fatal(err)
	}
	// The moved file's case axis is the cases, its field [channels, H, W]: the same scoring problem.
	for i, m := range r1.Metrics {
		for l, v := range m.PerLead {
			if d := float64(v - r2.Metrics[i].PerLead[l]); d > 1e-9 || d < -1e-9 {
				t.Errorf("%s lead %d: %v in tidal's layout, %v in the moved layout", m.Name, l, v, r2.Metrics[i].PerLead[l])
			}
		}
	}
}

// TestScoreCommandRefusesBadInput checks the errors: each names the file and the problem, the command
// fails, and no report file is left behind.
func TestScoreCommandRefusesBadInput(t *testing.T) {
	dir := numpyFiles(t)
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--forecast", p("f.npy"), "--obs", p("y_nan.npy")}, []string{"y_nan.npy", "NaN", "index [2 1 0 5 6]"}},
		{[]string{"--forecast", p("f.npy"), "--obs", p("y_short.npy")}, []string{"f.npy", "y_short.npy", "4 leads", "3 leads"}},
		{[]string{"--forecast", p("f_empty.npy"), "--obs", p("y.npy")}, []string{"f_empty.npy", "0 elements on axis 1"}},
		{[]string{"--forecast", p("missing.npy"), "--obs", p("y.npy")}, []string{"missing.npy"}},
		{[]string{"--forecast", p("f.npy"), "--obs", p("y.npy"), "--metrics", "crps,csi"}, []string{"csi", "threshold"}},
		{[]string{"--forecast", p("f.npy"), "--obs", p("y.npy"), "--lat-weights", p("w_bad.npy")}, []string{"--lat-weights", "do not fit", "[12]"}},
		{[]string{"--forecast", p("f.npy"), "--obs", p("y.npy"), "--crps-pool", "mean3"}, []string{"--crps-pool", "avg<k>"}},
	} {
		report := p("report_bad.json")
		_, err := runScoreCmd(t, append(c.args, "--out", report)...)
		if err == nil {
			t.Errorf("%v: no error", c.args)
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%v: error %q lacks %q", c.args, err, s)
			}
		}
		if _, statErr := os.Stat(report); statErr == nil {
			t.Errorf("%v: report written despite the error", c.args)
		}
	}
}

// TestScoreRolloutCommand runs tidal score rollout on a small rollout against itself: the ACF error is 0
// at every lag and the JSON report parses.
func TestScoreRolloutCommand(t *testing.T) {
	dir := t.TempDir()
	const nt, h, w = 40, 12, 12
	v := make([]float32, nt*h*w)
	for i := range v {
		n, p := i/(h*w), i%(h*w)
		v[i] = float32(p%7) + float32(n%5) + 0.1*float32((p*n)%11)
	}
	path := filepath.Join(dir, "r.npy")
	if err := data.WriteNPY(path, data.FromFloat32(v, nt, h, w)); err != nil {
		t.Fatal(err)
	}
	out, err := runTidal(t, "score", "rollout", "--forecast", path, "--obs", path, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep metrics.RolloutReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Frames != [2]int{nt, nt} || len(rep.ACFError) != 10 {
		t.Fatalf("report %+v", rep)
	}
	for j, e := range rep.ACFError {
		if e != 0 {
			t.Errorf("lag %d: ACF error %v for identical rollouts", j, e)
		}
	}
}
