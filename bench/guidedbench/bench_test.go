package guidedbench

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/guided"
)

func TestW1ClosedForms(t *testing.T) {
	for _, c := range []struct {
		a, b []float64
		want float64
	}{
		{[]float64{2}, []float64{5}, 3},
		{[]float64{0, 1}, []float64{0}, 0.5},
		{[]float64{0, 1, 2}, []float64{0, 3}, 5.0 / 6},
		{[]float64{1, 4, 2}, []float64{1.5, 4.5, 2.5}, 0.5}, // a shift by 0.5
	} {
		if got := W1(c.a, c.b); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("W1(%v, %v) = %g, want %g", c.a, c.b, got, c.want)
		}
	}
}

// TestW1EqualsCDFIntegral checks the quantile form against the other closed form of W1 in one
// dimension, ∫|F_a(x) − F_b(x)| dx over the merged sample points.
func TestW1EqualsCDFIntegral(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		a, b := make([]float64, 1+r.IntN(30)), make([]float64, 1+r.IntN(30))
		for i := range a {
			a[i] = r.NormFloat64()
		}
		for i := range b {
			b[i] = 0.5 + 2*r.NormFloat64()
		}
		pts := slices.Sorted(slices.Values(append(slices.Clone(a), b...)))
		cdf := func(s []float64, x float64) float64 {
			n := 0
			for _, v := range s {
				if v <= x {
					n++
				}
			}
			return float64(n) / float64(len(s))
		}
		want := 0.0
		for i := 0; i+1 < len(pts); i++ {
			want += (pts[i+1] - pts[i]) * math.Abs(cdf(a, pts[i])-cdf(b, pts[i]))
		}
		if got := W1(a, b); math.Abs(got-want) > 1e-9 {
			t.Fatalf("W1 = %g, CDF integral %g", got, want)
		}
	}
}

// EvenStarts spreads windows of 3 frames from the first frame to the last possible one, and caps
// their number at the windows the series has.
func TestEvenStarts(t *testing.T) {
	for _, c := range []struct {
		T, n int
		want []int
	}{
		{10, 3, []int{0, 3, 7}},
		{10, 1, []int{0}},
		{5, 9, []int{0, 1, 2}},
		{3, 2, []int{0}},
	} {
		got, err := EvenStarts(c.T, c.n)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("EvenStarts(%d, %d) = %v, %v; want %v", c.T, c.n, got, err, c.want)
		}
	}
	if _, err := EvenStarts(2, 1); err == nil {
		t.Error("a series of 2 frames gave windows")
	}
}

// The result's JSON carries the ideal-guide diagnostics under their snake-case names and leaves the
// log writer out; the table prints them per σ.
func TestResultJSONAndGuideTable(t *testing.T) {
	r := Result{Options: Quick(), Truth: Scores{ACF: make([]float64, 10)},
		Guide: []guided.GuideAgreement{{Sigma: 0.1, Cosine: 0.25, NormRatio: 3, IdealRMS: 0.05, Windows: 4}}}
	r.Options.Log = os.Stderr
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Guide":[{"sigma":0.1,"cosine":0.25,"norm_ratio":3,"ideal_rms":0.05,"windows":4}]`, `"ProbeWindows":64`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON without %s:\n%s", want, js)
		}
	}
	if strings.Contains(string(js), `"Log"`) {
		t.Error("the log writer is in the JSON")
	}
	if tab := r.Table(); !strings.Contains(tab, "| 0.1 | 0.250 | 3.000 | 0.0500 |") {
		t.Errorf("table without the diagnostics row:\n%s", tab)
	}
}
