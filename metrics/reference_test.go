package metrics

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/testref/numpyref"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

type refValue struct {
	PerLead   []float64   `json:"per_lead"`
	Pooled    *float64    `json:"pooled"`
	Histogram [][]float64 `json:"histogram"`
}

// TestScoreMatchesNumPyReference scores one random forecast with every metric of Score and compares each
// per-lead (and pooled) value with internal/testref/numpyref's metrics_score.py, an independent
// NumPy/SciPy/scikit-image implementation (pairwise CRPS by broadcasting, pooling by explicit windows, FSS with SciPy's uniform
// filter, quantiles with np.quantile, SSIM and PSNR from scikit-image). The forecast is float32 as tidal
// writes it; the truth float64. Agreement is required to 1e-9 relative.
func TestScoreMatchesNumPyReference(t *testing.T) {
	py := pyref.ForTest(t, "numpy", "scipy", "skimage")
	const c, m, l, ch, h, w = 3, 6, 2, 2, 16, 20
	dir := t.TempDir()
	fv := toFloat32(randomArray(21, c*m*l*ch*h*w, 0.1))
	yv := randomArray(22, c*l*ch*h*w, 0)
	for i := range fv { // a shared signal, so skill, CSI and SSIM are not trivial
		j := i % (l * ch * h * w)
		k := (i / (m * l * ch * h * w) * (l * ch * h * w)) + j
		fv[i] += float32(2 * math.Sin(float64(k)/7))
	}
	for i := range yv {
		yv[i] += 2 * math.Sin(float64(i)/7)
	}
	rows := make([]float64, h)
	for i := range rows {
		rows[i] = math.Cos((float64(i) - 7.5) / 10)
	}
	must(t, data.WriteNPY(filepath.Join(dir, "f.npy"), data.FromFloat32(fv, c, m, l, ch, h, w)))
	must(t, data.WriteNPY(filepath.Join(dir, "y.npy"), data.FromFloat64(yv, c, l, ch, h, w)))
	must(t, data.WriteNPY(filepath.Join(dir, "w.npy"), data.FromFloat64(rows, h)))
	params := `{"threshold": 0.3, "csi_windows": [1, 3], "fss_windows": [3, 5], "crps_pools": [["avg", 2], ["max", 4]], "data_range": 8}`
	must(t, os.WriteFile(filepath.Join(dir, "params.json"), []byte(params), 0o644))
	out, err := pyref.Run(py, numpyref.Score, dir)
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]refValue
	must(t, json.Unmarshal(out, &ref))

	f, err := NewEnsemble(fv, []int{c, m, l, ch, h, w}, DefaultLayout)
	must(t, err)
	o, err := NewTruth(yv, []int{c, l, ch, h, w}, DefaultLayout)
	must(t, err)
	weights, err := PointWeights(f.Field, rows, []int{h})
	must(t, err)
	var names []string
	for _, n := range MetricNames {
		names = append(names, n.Name)
	}
	opt := ScoreOptions{Metrics: names, Weights: weights, Thresholds: []float64{0.3}, CSIWindows: []int{1, 3},
		FSSWindows: []int{3, 5}, DataRange: 8}
	rep, err := Score(f, o, opt)
	must(t, err)
	// Pooled CRPS and the mask are scored without weights, as the reference does.
	opt2 := ScoreOptions{Metrics: []string{"crps-fair"}, CRPSPools: []Pooling{CRPSPooling("avg", 2), CRPSPooling("max", 4)}}
	rep2, err := Score(f, o, opt2)
	must(t, err)
	masked, err := CRPS(f, o, CRPSOptions{Estimator: Empirical, NonNegativeTruthOnly: true})
	must(t, err)
	avg2 := CRPSPooling("avg", 2)
	pooledMasked, err := CRPS(f, o, CRPSOptions{Estimator: Fair, Pool: &avg2, NonNegativeTruthOnly: true})
	must(t, err)
	got := map[string]MetricResult{}
	for _, r := range append(rep.Metrics, rep2.Metrics[1:]...) {
		got[r.Name] = r
	}
	got["crps-masked"] = MetricResult{PerLead: values(masked)}
	got["crps-fair-masked@avg2"] = MetricResult{PerLead: values(pooledMasked)}
	delete(got, "crps-sum-fair") // the reference has the empirical form only; crps_test checks fair vs empirical
	if len(got) != len(ref) {
		t.Errorf("Go scored %d metrics, reference %d", len(got), len(ref))
	}
	for name, want := range ref {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: not scored by Go", name)
			continue
		}
		if want.Histogram != nil {
			for l := range want.Histogram {
				for k := range want.Histogram[l] {
					if float64(g.Histogram[l][k]) != want.Histogram[l][k] {
						t.Errorf("%s lead %d: %v, want %v", name, l, g.Histogram[l], want.Histogram[l])
					}
				}
			}
			continue
		}
		for i, v := range want.PerLead {
			if !near(float64(g.PerLead[i]), v, 1e-9) {
				t.Errorf("%s lead %d: Go %v, reference %v", name, i, float64(g.PerLead[i]), v)
			}
		}
		if want.Pooled != nil && (g.Pooled == nil || !near(float64(*g.Pooled), *want.Pooled, 1e-9)) {
			t.Errorf("%s pooled: Go %v, reference %v", name, valueOrNil(g.Pooled), *want.Pooled)
		}
	}
	if !strings.Contains(rep.Table(), "csi@0.3/w3") {
		t.Errorf("table lacks the windowed CSI column:\n%s", rep.Table())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func valueOrNil(v *Value) any {
	if v == nil {
		return nil
	}
	return float64(*v)
}
