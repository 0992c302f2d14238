package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/forecast"
)

// TestSeriesProtocols runs `tidal bench series --dataset NAME` end to end for each of the six GluonTS
// protocols on a small test file in their exact layout: GluonTS JSON lines whose test split lists every
// series once per rolling window, each copy one prediction length longer (with GluonTS's
// feat_static_cat and item_id), a frequency-shaped start, and for wiki-rolling_nips more series than
// the test uses (max_target_dim, scaled down here by --max-series). Each run must print its protocol's
// windows and prediction length, every row of the comparison and the published numbers.
func TestSeriesProtocols(t *testing.T) {
	if testing.Short() {
		t.Skip("trains and forecasts six tiny models")
	}
	start := map[string]string{"B": "1990-01-01 00:00:00", "h": "2012-01-01 00:00:00", "30min": "2015-01-01 00:00:00", "D": "2012-01-01 00:00:00"}
	for _, p := range forecast.Protocols {
		t.Run(p.Name, func(t *testing.T) {
			dir := t.TempDir()
			const n = 3
			trainLen := 2*p.Context + p.Period + 8
			var test strings.Builder
			for w := 1; w <= p.Windows; w++ {
				for i := range n {
					fmt.Fprintf(&test, `{"start": %q, "target": [`, start[p.Freq])
					for k := range trainLen + w*p.Predict {
						if k > 0 {
							test.WriteString(", ")
						}
						fmt.Fprintf(&test, "%g", 10+float64(i)+0.5*float64(k%7)+0.01*float64(k))
					}
					fmt.Fprintf(&test, `], "feat_static_cat": [%d], "item_id": "%d"}`+"\n", i, i)
				}
			}
			path := filepath.Join(dir, "test", "data.json")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(test.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"bench", "series", "--dataset", p.Name, "--data", path, "--quick", "--steps", "2", "--batch", "2",
				"--channels", "4", "--blocks", "1", "--members", "2", "--sampler-steps", "2"}
			if p.MaxSeries > 0 {
				args = append(args, "--max-series", "2")
			}
			out, err := runTidal(t, args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			series := n
			if p.MaxSeries > 0 {
				series = 2
			}
			head := fmt.Sprintf("[%d, %d], train rows %d, %d windows of %d,", trainLen+p.Windows*p.Predict, series, trainLen, p.Windows, p.Predict)
			for _, want := range []string{head, "| DyDiff (η = 0.5) edm, anchor last |", "| random walk |", fmt.Sprintf("| seasonal naive (P = %d) |", p.Period),
				"| persistence |", "| TimeGrad (published, TimeGrad Table 2) |"} {
				if !strings.Contains(out, want) {
					t.Errorf("the output lacks %q:\n%s", want, out)
				}
			}
		})
	}
	if out, err := runTidal(t, "bench", "series", "--dataset", "m4_hourly", "--data", "x.json"); err == nil || !strings.Contains(out+err.Error(), "--dataset") {
		t.Errorf("an unknown dataset: %v %s", err, out)
	}
}
