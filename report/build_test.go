package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/guard"
)

// TestBuildWritesTheReportOfItsInputs builds a report from every kind of input, with a label and a
// meta entry, and checks the page names them; bad settings are refused by their flag.
func TestBuildWritesTheReportOfItsInputs(t *testing.T) {
	dir := t.TempDir()
	fixture(t, dir)
	o := BuildOptions{Out: filepath.Join(dir, "report"), Truth: filepath.Join(dir, "truth.npy"), Title: "a build test",
		Labels: []string{filepath.Join(dir, "dydiff.json") + "=mine"}, Meta: []string{"seed=12345"}, Version: "v-test", Backend: "go",
		Members: 2, Delay: 50, CI: 0.9, CIBlock: 1, Seed: 1, Budget: guard.Budget{Memory: 1 << 30, Disk: 1 << 40}}
	for _, p := range []string{"run", "dydiff.json", "persistence.json", "rollout.json", "model.npy"} {
		o.Paths = append(o.Paths, filepath.Join(dir, p))
	}
	page, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(page)
	if err != nil || page != filepath.Join(o.Out, HTMLFile) {
		t.Fatalf("page %s: %v", page, err)
	}
	for _, want := range []string{"a build test", "mine", "persistence", "12345", "v-test"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, c := range []struct {
		change func(*BuildOptions)
		want   string
	}{
		{func(o *BuildOptions) { o.CI = 1 }, "--ci 1: expected a level in (0, 1)"},
		{func(o *BuildOptions) { o.Members = 0 }, "--members"},
		{func(o *BuildOptions) { o.Delay = 1 << 16 }, "--delay"},
		{func(o *BuildOptions) { o.Case = -1 }, "--case"},
		{func(o *BuildOptions) { o.Labels = []string{"nolabel"} }, `--label "nolabel": expected KEY=VALUE`},
		{func(o *BuildOptions) { o.Meta = []string{"=x"} }, `--meta "=x": expected KEY=VALUE`},
		{func(o *BuildOptions) { o.Labels = []string{"elsewhere.json=x"} }, "elsewhere.json"},
		{func(o *BuildOptions) { o.DataSidecar = filepath.Join(dir, "absent.json") }, "--data-sidecar: "},
	} {
		bad := o
		bad.Out = filepath.Join(dir, "bad")
		c.change(&bad)
		if _, err := Build(bad); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Build: %v, want an error with %q", err, c.want)
		}
		if _, err := os.Stat(bad.Out); err == nil {
			t.Errorf("a refused build (%s) wrote %s", c.want, bad.Out)
		}
	}
}
