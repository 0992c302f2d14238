package metrics

import (
	"strings"
	"testing"
)

// MetricHelp has one line per metric, in MetricNames's order, with the descriptions in one column.
func TestMetricHelp(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(MetricHelp(), "\n"), "\n")
	if len(lines) != len(MetricNames) {
		t.Fatalf("%d lines for %d metrics", len(lines), len(MetricNames))
	}
	if want := "  crps           ensemble CRPS of the empirical distribution (properscoring's crps_ensemble)"; lines[0] != want {
		t.Errorf("first line %q: want %q", lines[0], want)
	}
	for i, m := range MetricNames {
		if got := strings.TrimSpace(lines[i][:16]); got != m.Name || lines[i][17:] != m.Description {
			t.Errorf("line %d %q: want %s, then at column 17 %q", i, lines[i], m.Name, m.Description)
		}
	}
}
