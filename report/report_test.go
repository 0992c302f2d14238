package report

import (
	"encoding/xml"
	"errors"
	"image/gif"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pageImages parses report.html as strict XML (it is written well-formed) and returns every img src.
func pageImages(t *testing.T, page []byte) []string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(page)))
	d.Strict = true
	var srcs []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return srcs
		}
		if err != nil {
			t.Fatalf("report.html is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "img" {
			for _, a := range se.Attr {
				if a.Name.Local == "src" {
					srcs = append(srcs, a.Value)
				}
			}
		}
	}
}

func TestWriteReportHoldsEveryPartAndNumber(t *testing.T) {
	dir := t.TempDir()
	in := fixture(t, dir)
	out := filepath.Join(dir, "rep")
	if err := Write(out, in); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(out, HTMLFile))
	must(t, err)
	srcs := pageImages(t, page)
	// 1 training plot, crps, csi, ssr, rmse, 4 rollout plots, 1 animation and its last-lead heat maps.
	if len(srcs) != 11 {
		t.Errorf("%d images: %v", len(srcs), srcs)
	}
	files, _ := os.ReadDir(out)
	if len(files) != len(srcs)+1 {
		t.Errorf("%d files in the report folder for %d images", len(files), len(srcs))
	}
	for _, s := range srcs {
		b, err := os.ReadFile(filepath.Join(out, s))
		if err != nil {
			t.Errorf("image %s: %v", s, err)
			continue
		}
		switch filepath.Ext(s) {
		case ".png":
			if v := grayVariance(decodePNG(t, b)); v <= 0 {
				t.Errorf("%s is blank", s)
			}
		case ".gif":
			g, err := gif.DecodeAll(strings.NewReader(string(b)))
			if err != nil || len(g.Image) != fxLeads {
				t.Errorf("%s: %v, %d frames", s, err, len(g.Image))
			}
		}
	}
	html := string(page)
	// The numbers table holds the inputs' values, as the report formats them.
	for _, sc := range in.Scores {
		for _, m := range sc.Metrics {
			for _, v := range m.PerLead {
				if cell := "<td>" + FormatNumber(float64(v)) + "</td>"; !strings.Contains(html, cell) {
					t.Fatalf("%s %s: %s missing from the page", sc.Label, m.Name, cell)
				}
			}
		}
	}
	r := in.Rollouts[0]
	for _, want := range []string{FormatNumber(float64(r.W1PDFL1)), FormatNumber(float64(r.MeanBias)),
		"seed</td><td>42", "config.model</td><td>dydiff", "backend</td><td>go", "tidal report --out x",
		"<td>200</td>", // the run's last step
		"fixture &lt;report&gt;"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, "<report>") {
		t.Error("the title was not escaped")
	}
	// The model's noise grows faster with lead than persistence's error: the page says where it is worse.
	short := Shortfalls(in.Scores, []string{"persistence"})
	if len(short) == 0 {
		t.Fatal("the fixture's model is nowhere worse than persistence")
	}
	for _, s := range short {
		t.Log(s)
		if !strings.Contains(html, s.String()) {
			t.Errorf("page lacks the statement %q", s.String())
		}
	}
}

func TestWriteRefusesOutputOverInputsAndLeavesNothingOnFailure(t *testing.T) {
	dir := t.TempDir()
	in := fixture(t, dir)
	// The output folder equals or contains an input.
	for _, out := range []string{dir, in.Runs[0].Dir} {
		if err := Write(out, in); err == nil || !strings.Contains(err.Error(), "contains the input") {
			t.Errorf("out %s: %v", out, err)
		}
	}
	// A failure after some figures were drawn leaves neither the folder nor a temporary one.
	bad := in
	bad.Forecasts = []Forecast{{Label: "x", File: "x.npy", Panels: Panels{H: 2, W: 2}}}
	out := filepath.Join(dir, "rep")
	if err := Write(out, bad); err == nil {
		t.Fatal("an empty animation was accepted")
	}
	assertOnly(t, dir, "dydiff.json", "model.npy", "persistence.json", "rollout.json", "run", "truth.npy")
	// Repeated labels and unknown references are refused.
	dup := in
	dup.Scores = append([]Score{}, in.Scores...)
	dup.Scores[1].Label = dup.Scores[0].Label
	if err := Write(out, dup); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("repeated label: %v", err)
	}
	ref := in
	ref.References = []string{"climatology"}
	if err := Write(out, ref); err == nil || !strings.Contains(err.Error(), "climatology") {
		t.Errorf("unknown reference: %v", err)
	}
	if err := Write(out, Inputs{}); err == nil {
		t.Error("a report without input was written")
	}
	assertOnly(t, dir, "dydiff.json", "model.npy", "persistence.json", "rollout.json", "run", "truth.npy")
	// An earlier report is replaced; a folder holding anything else is not.
	must(t, Write(out, in))
	must(t, Write(out, in))
	must(t, os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644))
	if err := Write(out, in); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("a folder with notes.txt was replaced: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "notes.txt")); err != nil {
		t.Error("the user's file is gone")
	}
}

// assertOnly fails unless dir holds exactly names.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	must(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

func TestReadRunToleratesTornLineAndExtraFields(t *testing.T) {
	dir := t.TempDir()
	writeRun(t, dir)
	r, err := ReadRun(dir, "r")
	must(t, err)
	if len(r.Stats) != 20 || r.Stats[19].Step != 200 || r.Stats[4].ValLoss == nil || r.Stats[3].ValLoss != nil {
		t.Fatalf("read %d stats: %+v", len(r.Stats), r.Stats[len(r.Stats)-1])
	}
	if r.Options["options.seed"] != "42" || r.Options["config.channels"] != "[32, 64]" {
		t.Errorf("options %v", r.Options)
	}
	// A bad line that is not the last is an error naming the line.
	must(t, os.WriteFile(filepath.Join(dir, "stats.jsonl"), []byte("{\"step\":1,\"loss\":1}\nnot json\n{\"step\":2,\"loss\":1}\n"), 0o644))
	if _, err := ReadRun(dir, "r"); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad line: %v", err)
	}
	if _, err := ReadRun(t.TempDir(), "r"); err == nil || !strings.Contains(err.Error(), "stats.jsonl") {
		t.Errorf("missing stats.jsonl: %v", err)
	}
}

func TestKindAndReadersRefuseWrongFiles(t *testing.T) {
	dir := t.TempDir()
	in := fixture(t, dir)
	if k, err := Kind(in.Scores[0].File); k != "score" || err != nil {
		t.Errorf("score file: %q %v", k, err)
	}
	if k, err := Kind(in.Rollouts[0].File); k != "rollout" || err != nil {
		t.Errorf("rollout file: %q %v", k, err)
	}
	other := filepath.Join(dir, "other.json")
	must(t, os.WriteFile(other, []byte(`{"step": 3}`), 0o644))
	if _, err := Kind(other); err == nil || !strings.Contains(err.Error(), other) {
		t.Errorf("other JSON: %v", err)
	}
	if _, err := ReadRollout(in.Scores[0].File, "x"); err == nil {
		t.Error("a score file was read as a rollout")
	}
	must(t, os.WriteFile(other, []byte(`{"leads": 3, "metrics": [{"name": "crps", "per_lead": [1, 2]}]}`), 0o644))
	if _, err := ReadScore(other, "x"); err == nil || !strings.Contains(err.Error(), "crps") {
		t.Errorf("short per-lead list: %v", err)
	}
	// Undefined values come back as NaN, not 0.
	must(t, os.WriteFile(other, []byte(`{"leads": 2, "metrics": [{"name": "ssr", "per_lead": [null, 2], "mean": null}]}`), 0o644))
	s, err := ReadScore(other, "x")
	must(t, err)
	if v := float64(s.Metrics[0].PerLead[0]); v == v {
		t.Errorf("null read as %g", v)
	}
}

func TestReadSidecarFlattensMetadataAndSkipsReports(t *testing.T) {
	dir := t.TempDir()
	npy := filepath.Join(dir, "f.npy")
	if m, err := ReadSidecar(npy); m != nil || err != nil {
		t.Errorf("no sidecar: %v %v", m, err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "f.json"), []byte(`{"generator":"tidal forecast","params":{"seed":3},"time":[0,1,2,3,4,5,6,7,8,9,10,11,12,13]}`), 0o644))
	m, err := ReadSidecar(npy)
	must(t, err)
	if m["params.seed"] != "3" || m["generator"] != "tidal forecast" || m["time"] != "[14 values: 0, 1, …, 13]" {
		t.Errorf("sidecar %v", m)
	}
	must(t, os.WriteFile(filepath.Join(dir, "f.json"), []byte(`{"leads":1,"metrics":[]}`), 0o644))
	if m, err := ReadSidecar(npy); m != nil || err != nil {
		t.Errorf("a score report was read as a sidecar: %v %v", m, err)
	}
}
