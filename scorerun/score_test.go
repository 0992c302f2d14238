package scorerun

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/metrics"
)

// Two cases, two members, two leads of a field [1, 2, 2]: small enough to score by hand.
const (
	nCases, nMembers, nLeads, nPoints = 2, 2, 2, 4
)

// ensemble writes a forecast [cases, members, lead, 1, 2, 2] and its truth [cases, lead, 1, 2, 2] to
// dir; it returns their paths and values.
func ensemble(t *testing.T, dir string) (fPath, oPath string, f, o []float32) {
	t.Helper()
	f = make([]float32, nCases*nMembers*nLeads*nPoints)
	for i := range f {
		f[i] = float32(math.Sin(0.7*float64(i)) * 2)
	}
	o = make([]float32, nCases*nLeads*nPoints)
	for i := range o {
		o[i] = float32(math.Cos(0.3*float64(i)) - 0.5)
	}
	fPath, oPath = filepath.Join(dir, "fc.npy"), filepath.Join(dir, "truth.npy")
	if err := data.WriteNPY(fPath, data.FromFloat32(f, nCases, nMembers, nLeads, 1, 2, 2)); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPY(oPath, data.FromFloat32(o, nCases, nLeads, 1, 2, 2)); err != nil {
		t.Fatal(err)
	}
	return fPath, oPath, f, o
}

// scoreOptions are `tidal score`'s defaults with crps and bias.
func scoreOptions(fPath, oPath string) ScoreOptions {
	return ScoreOptions{Forecast: fPath, Obs: oPath, JSON: true, MetricsGiven: true, ScoreSettings: forecast.ScoreSettings{
		Metrics: []string{"crps", "bias"}, MemberAxis: 1, LeadAxis: 2, CSIWindows: []int{1}, FSSWindows: []int{5}, Seed: 1, CIResamples: 2000, CIBlock: 1}}
}

// Score's CRPS per lead is the closed form of a two-member ensemble, mean over cases and points of
// (|a − y| + |b − y|)/2 − |a − b|/4 (computed here in float64), the bias map is eq. 18's mean over the
// cases of truth − ensemble mean, --out holds the JSON Score returns, and a --report folder is written.
func TestScoreMatchesClosedForms(t *testing.T) {
	dir := t.TempDir()
	fPath, oPath, f, o := ensemble(t, dir)
	opt := scoreOptions(fPath, oPath)
	opt.Out, opt.BiasMap, opt.ReportDir = filepath.Join(dir, "scores.json"), filepath.Join(dir, "bias.npy"), filepath.Join(dir, "report")
	out, err := Score(opt)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(opt.Out)
	if err != nil || string(saved) != out {
		t.Fatalf("--out holds %d bytes (%v), not the %d printed", len(saved), err, len(out))
	}
	var rep metrics.Report
	if err := json.Unmarshal(saved, &rep); err != nil {
		t.Fatal(err)
	}
	at := func(c, m, l, p int) float64 { return float64(f[((c*nMembers+m)*nLeads+l)*nPoints+p]) }
	y := func(c, l, p int) float64 { return float64(o[(c*nLeads+l)*nPoints+p]) }
	bias, err := data.ReadNPY(opt.BiasMap)
	if err != nil {
		t.Fatal(err)
	}
	for l := range nLeads {
		var crps float64
		for c := range nCases {
			for p := range nPoints {
				a, b, yy := at(c, 0, l, p), at(c, 1, l, p), y(c, l, p)
				crps += (math.Abs(a-yy)+math.Abs(b-yy))/2 - math.Abs(a-b)/4
			}
		}
		crps /= nCases * nPoints
		if got := float64(rep.Metrics[0].PerLead[l]); rep.Metrics[0].Name != "crps" || math.Abs(got-crps) > 1e-6 {
			t.Errorf("%s lead %d: %v, want %v", rep.Metrics[0].Name, l, got, crps)
		}
		for p := range nPoints {
			var want float64
			for c := range nCases {
				want += (y(c, l, p) - (at(c, 0, l, p)+at(c, 1, l, p))/2) / nCases
			}
			if got := bias.Float64()[l*nPoints+p]; math.Abs(got-want) > 1e-6 {
				t.Errorf("bias map lead %d point %d: %v, want %v", l, p, got, want)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(opt.ReportDir, "report.html")); err != nil {
		t.Error(err)
	}
}

// Bad options and inputs are refused naming their flag or file, and nothing is written.
func TestScoreRefuses(t *testing.T) {
	dir := t.TempDir()
	fPath, oPath, _, _ := ensemble(t, dir)
	for _, c := range []struct {
		name, want string
		edit       func(*ScoreOptions)
	}{
		{"no obs", "--obs: " + filepath.Join(dir, "none.npy"), func(o *ScoreOptions) { o.Obs = filepath.Join(dir, "none.npy") }},
		{"out over the forecast", "refusing to overwrite an input", func(o *ScoreOptions) { o.Out = fPath }},
		{"bias map without bias", "--bias-map needs the bias or abs-bias metric", func(o *ScoreOptions) {
			o.Metrics, o.BiasMap = []string{"crps"}, filepath.Join(dir, "bias.npy")
		}},
		{"lead axis", "--lead-axis", func(o *ScoreOptions) { o.LeadAxis = 9 }},
		{"metric", "crps-foo", func(o *ScoreOptions) { o.Metrics = []string{"crps-foo"} }},
		{"memory", "scoring forecast", func(o *ScoreOptions) { o.Budget.Memory = 100 }},
	} {
		opt := scoreOptions(fPath, oPath)
		c.edit(&opt)
		if _, err := Score(opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v: want an error saying %q", c.name, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bias.npy")); err == nil {
		t.Error("a refused score wrote --bias-map")
	}
}
