package main

import (
	"encoding/json"
	"fmt"
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

// `tidal score` and `tidal report` number the leads alike, from 1: the table's rows, the JSON's
// lead_numbers and intervals, and the report's columns and headline name the same leads.
func TestScoreAndReportAgreeOnLeadNumbers(t *testing.T) {
	dir := reportInputs(t)
	p := func(n string) string { return filepath.Join(dir, n) }
	table, err := runScoreCmd(t, "--forecast", p("f.npy"), "--obs", p("y.npy"), "--metrics", "crps,ssr", "--ci", "0.9", "--out", p("model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tableLeads []string
	rows := false
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && f[0] == "lead":
			rows = true
		case len(f) > 0 && f[0] == "mean":
			rows = false
		case rows && len(f) > 0:
			tableLeads = append(tableLeads, f[0])
		}
	}
	if strings.Join(tableLeads, ",") != "1,2,3,4" {
		t.Errorf("table rows name leads %v, want 1..4:\n%s", tableLeads, table)
	}
	if !strings.Contains(table, "lead 1 [") || strings.Contains(table, "lead 0") {
		t.Errorf("table intervals do not count leads from 1:\n%s", table)
	}
	b, err := os.ReadFile(p("model.json"))
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		Leads       int   `json:"leads"`
		LeadNumbers []int `json:"lead_numbers"`
		Metrics     []struct {
			Name    string            `json:"name"`
			PerCase [][]float64       `json:"per_case"`
			CI      []json.RawMessage `json:"ci_per_lead"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(b, &js); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(js.LeadNumbers) != "[1 2 3 4]" || js.Metrics[0].Name != "crps" || len(js.Metrics[0].CI) != 4 || len(js.Metrics[0].PerCase) != 2 {
		t.Errorf("JSON lead numbers %v, crps intervals %d, per-case rows %d", js.LeadNumbers, len(js.Metrics[0].CI), len(js.Metrics[0].PerCase))
	}
	// A persistence-like reference: the same file labelled persistence, so the report has a headline.
	if _, err := runTidal(t, "report", "--out", p("rep"), "--label", p("ref.json")+"=persistence", p("model.json"), p("ref.json")); err == nil {
		t.Fatal("a missing input accepted")
	}
	raw, _ := os.ReadFile(p("model.json"))
	if err := os.WriteFile(p("ref.json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runTidal(t, "report", "--out", p("rep"), "--label", p("ref.json")+"=persistence", p("model.json"), p("ref.json")); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(p("rep/report.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for l := 1; l <= 4; l++ {
		if !strings.Contains(html, fmt.Sprintf("<th>lead %d</th>", l)) {
			t.Errorf("the report has no column lead %d", l)
		}
	}
	if strings.Contains(html, "<th>lead 0</th>") || !strings.Contains(html, ") at lead 1") || !strings.Contains(html, ") at lead 4") {
		t.Error("the report's headline or columns do not count leads 1..4")
	}
}
