package scorerun

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/report"
)

// A report of a score JSON is written to --out with the score's CRPS in the page; an --out over an
// input and bad options are refused naming their flag.
func TestReport(t *testing.T) {
	dir := t.TempDir()
	fPath, oPath, _, _ := ensemble(t, dir)
	opt := scoreOptions(fPath, oPath)
	opt.Out = filepath.Join(dir, "dydiff.json")
	if _, err := Score(opt); err != nil {
		t.Fatal(err)
	}
	o := report.BuildOptions{Out: filepath.Join(dir, "report"), Paths: []string{opt.Out}, Title: "t", Members: 3, Delay: 50, CI: 0.9, CIBlock: 1, Seed: 1}
	page, err := Report(o)
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(page)
	if err != nil || !strings.Contains(string(html), "dydiff") || !strings.Contains(string(html), "crps") {
		t.Errorf("%s (%v) does not show the score dydiff's crps", page, err)
	}
	for _, c := range []struct {
		name, want string
		edit       func(*report.BuildOptions)
	}{
		{"out is an input", "contains the input", func(o *report.BuildOptions) { o.Out = dir }},
		{"ci", "--ci 1: expected a level in (0, 1)", func(o *report.BuildOptions) { o.CI = 1 }},
		{"members", "--members", func(o *report.BuildOptions) { o.Members = 0 }},
	} {
		bad := o
		bad.Out = filepath.Join(dir, "bad")
		c.edit(&bad)
		if _, err := Report(bad); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v: want an error saying %q", c.name, err, c.want)
		}
	}
}
