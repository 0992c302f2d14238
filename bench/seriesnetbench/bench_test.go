package seriesnetbench

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/nets"
)

// TestRunReports runs the benchmark on a tiny network at two sizes: both rows are measured and
// printed, with the FLOP ratio the network's count gives.
func TestRunReports(t *testing.T) {
	opt := Options{Config: nets.SeriesConfig{Channels: 4, Blocks: 1, ScaleInput: true}, Batch: 2, Steps: 6, Context: 3,
		Series: []int{4, 8}, Repeats: 1}
	var out bytes.Buffer
	rows, err := Run(tensortest.Backend(t), opt, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Step <= 0 || rows[1].Step <= 0 {
		t.Fatalf("rows %+v", rows)
	}
	n, _ := nets.NewSeries(opt.Config)
	if rows[1].FLOPs != n.FLOPs(2, 6, 8).Training {
		t.Errorf("FLOPs %g, want SeriesNet.FLOPs %g", rows[1].FLOPs, n.FLOPs(2, 6, 8).Training)
	}
	ratio := fmt.Sprintf("FLOP ratio %6.2f", n.FLOPs(2, 6, 8).Training/n.FLOPs(2, 6, 4).Training)
	if s := out.String(); strings.Count(s, "FLOP ratio") != 2 || !strings.Contains(s, ratio) {
		t.Errorf("report:\n%s", s)
	}
}

// TestRunRejects checks that bad options and oversized windows are refused before compiling.
func TestRunRejects(t *testing.T) {
	for _, opt := range []Options{
		{Batch: 1, Steps: 4, Context: 4, Series: []int{2}, Repeats: 1},
		{Batch: 1, Steps: 4, Context: 2, Repeats: 1},
		{Batch: 1, Steps: 4, Context: 2, Series: []int{1 << 20}, Repeats: 1, MaxTokens: 1 << 10},
	} {
		if _, err := Run(tensortest.Backend(t), opt, &bytes.Buffer{}); err == nil {
			t.Errorf("%+v: no error", opt)
		}
	}
}

// BenchmarkTrainStep times the recorded configuration's step at 256 series.
func BenchmarkTrainStep(b *testing.B) {
	n, err := nets.NewSeries(Default.Config)
	if err != nil {
		b.Fatal(err)
	}
	opt := Default
	opt.Repeats = b.N
	d, err := timeStep(tensortest.Backend(b), n, opt, 256)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(d.Microseconds())/1e3, "ms/step")
}
