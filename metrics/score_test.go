package metrics

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestScoreReportFormats checks the defaults, that non-finite values become JSON null, the table's rows,
// and the error for an unknown metric.
func TestScoreReportFormats(t *testing.T) {
	f, o := calibratedEnsemble(5, 2, 4, 3, 12*12, 1)
	f.Field, o.Field = []int{12, 12}, []int{12, 12} // view the 144 points as a 12×12 image
	rep, err := Score(f, o, ScoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Metrics) != len(DefaultMetrics) {
		t.Fatalf("%d metrics by default, want %d", len(rep.Metrics), len(DefaultMetrics))
	}
	rep, err = Score(f, o, ScoreOptions{Metrics: []string{"crps", "csi", "psnr", "rank-hist"}, Thresholds: []float64{100}, DataRange: 1})
	if err != nil {
		t.Fatal(err)
	}
	js, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Metrics []struct {
			Name    string     `json:"name"`
			PerLead []*float64 `json:"per_lead"`
			Pooled  *float64   `json:"pooled"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(js, &parsed); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	csi := parsed.Metrics[1]
	if csi.Name != "csi@100" || csi.PerLead[0] != nil || csi.Pooled != nil && !math.IsNaN(*csi.Pooled) {
		t.Fatalf("CSI without events should be null: %+v\n%s", csi, js)
	}
	table := rep.Table()
	for _, s := range []string{"lead", "mean", "pooled", "csi@100", "nan", "rank-hist"} {
		if !strings.Contains(table, s) {
			t.Errorf("table lacks %q:\n%s", s, table)
		}
	}
	if _, err := Score(f, o, ScoreOptions{Metrics: []string{"crsp"}}); err == nil || !strings.Contains(err.Error(), "crps-fair") {
		t.Fatalf("unknown metric: %v", err)
	}
}
