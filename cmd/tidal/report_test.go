package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// reportInputs writes a forecast [2, 3, 4, 1, 8, 8] of a moving wave, its truth, a rollout and a run folder.
func reportInputs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	wave := func(s, i int) float64 {
		return math.Sin(2*math.Pi*float64(i%8-s)/8) * math.Cos(2*math.Pi*float64(i/8)/8)
	}
	var f, y, roll []float32
	for c := range 2 {
		for m := range 3 {
			for l := range 4 {
				for i := range 64 {
					f = append(f, float32(wave(c+l, i)+0.1*float64(m-1)*float64(l+1)))
				}
			}
		}
		for l := range 4 {
			for i := range 64 {
				y = append(y, float32(wave(c+l+1, i)))
			}
		}
	}
	for s := range 40 {
		for i := range 64 {
			roll = append(roll, float32(wave(s, i)+0.5*math.Cos(2*math.Pi*float64(i/8-s)/8)+0.01*float64(s)))
		}
	}
	for name, a := range map[string]*data.Array{
		"f.npy": data.FromFloat32(f, 2, 3, 4, 1, 8, 8), "y.npy": data.FromFloat32(y, 2, 4, 1, 8, 8),
		"roll.npy": data.FromFloat32(roll, 40, 8, 8),
	} {
		if err := data.WriteNPY(filepath.Join(dir, name), a); err != nil {
			t.Fatal(err)
		}
	}
	run := filepath.Join(dir, "dydiff-run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	stats := "{\"step\":10,\"loss\":0.9,\"lr\":0.001,\"grad_norm\":1,\"steps_per_s\":2,\"elapsed_s\":5}\n" +
		"{\"step\":20,\"loss\":0.5,\"lr\":0.001,\"grad_norm\":1,\"steps_per_s\":2,\"elapsed_s\":10,\"val_loss\":0.6,\"extra\":[1]}\n"
	if err := os.WriteFile(filepath.Join(run, "stats.jsonl"), []byte(stats), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "options.json"), []byte(`{"options":{"seed":9}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReportCommandBuildsFromEveryInputKind(t *testing.T) {
	dir := reportInputs(t)
	p := func(n string) string { return filepath.Join(dir, n) }
	if _, err := runTidal(t, "score", "--forecast", p("f.npy"), "--obs", p("y.npy"), "--metrics", "crps,ssr,rmse,csi",
		"--thresholds", "0.5", "--out", p("score.json"), "--report", p("score-report")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "score-report", "report.html")); err != nil {
		t.Fatalf("tidal score --report: %v", err)
	}
	if _, err := runTidal(t, "score", "rollout", "--forecast", p("roll.npy"), "--obs", p("roll.npy"), "--out", p("roll.json")); err != nil {
		t.Fatal(err)
	}
	out, err := runTidal(t, "report", "--out", p("rep"), "--truth", p("y.npy"), "--label", dir+"/./score.json=dydiff",
		"--meta", "seed=5", p("dydiff-run"), p("score.json"), p("roll.json"), p("f.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, filepath.Join(p("rep"), "report.html")) {
		t.Errorf("the command does not say where the report is: %q", out)
	}
	page, err := os.ReadFile(filepath.Join(dir, "rep", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, want := range []string{"training of dydiff-run", "crps per lead", "csi@0.5 per lead", "autocorrelation",
		"drift of the spatial mean", "forecast of f", "score dydiff", "seed</td><td>5", "options.seed</td><td>9", "backend</td><td>go"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "rep", "*.gif"))
	if len(files) != 1 {
		t.Errorf("%d animations", len(files))
	}
}

func TestReportCommandRefusesBadInputs(t *testing.T) {
	dir := reportInputs(t)
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", dir, p("dydiff-run")}, "contains the input"},
		{[]string{"--out", p("dydiff-run"), p("dydiff-run")}, "contains the input"},
		{[]string{"--out", p("r"), p("missing.json")}, "missing.json"},
		{[]string{"--out", p("r"), p("f.npy")}, "--truth"},
		{[]string{"--out", p("r"), "--truth", p("f.npy"), p("y.npy")}, "y.npy"},
		{[]string{"--out", p("r"), "--label", "x.json=a", p("dydiff-run")}, "x.json"},
		{[]string{"--out", p("r"), "--label", "novalue", p("dydiff-run")}, "KEY=VALUE"},
		{[]string{"--out", p("r"), p("roll.npy")}, "--truth"},
		{[]string{"--out", p("r"), "--truth", p("y.npy"), p("roll.npy")}, "rank 6"},
		{[]string{"--out", p("r"), "--members", "0", p("dydiff-run")}, "--members"},
	} {
		_, err := runTidal(t, append([]string{"report"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one naming %q", c.args, err, c.want)
		}
	}
	if _, err := os.Stat(p("r")); !os.IsNotExist(err) {
		t.Error("a failed report left its folder")
	}
}
