package seriesdydiffbench

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
)

// Every row of a tiny comparison on a short synthetic series: both models and the baselines, in
// order; the persistence row equals its CRPS-sum recomputed here (the absolute error of the summed
// last row over the summed truth); the table names the published numbers.
func TestTinyComparison(t *testing.T) {
	T, N := 80, 3
	v := make([]float64, T*N)
	for i := range v {
		v[i] = 5 + math.Sin(float64(i)/7) + float64(i%N)
	}
	series := data.FromFloat64(v, T, N)
	name, _ := backend.Resolve("")
	b, err := backend.New(name)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	o := Options{Model: Model{Context: 6, Predict: 4, Channels: 4, Blocks: 1, Steps: 2, Batch: 2, LR: 1e-3, Members: 3, Sampling: 2},
		Protocol: forecast.Rolling{Train: 60, Windows: 2, Predict: 4, Stride: 4}, Period: 5, Seed: 1}
	rows, err := Run(context.Background(), b, series, o)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"DyDiff (η = 0.5)", "DPM (η = 0)", "random walk", "seasonal naive (P = 5)", "persistence"}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, r := range rows {
		if r.Name != want[i] || !(r.Quantile > 0) || !(r.Fair > 0) {
			t.Errorf("row %d: %+v, want %q with positive scores", i, r, want[i])
		}
	}
	var num, den, dist float64
	for _, s := range []int{60, 64} {
		var last float64
		for n := range N {
			last += v[(s-1)*N+n]
		}
		for h := range 4 {
			var z, d2 float64
			for n := range N {
				z += v[(s+h)*N+n]
				d := v[(s+h)*N+n] - v[(s-1)*N+n]
				d2 += d * d
			}
			num += math.Abs(last - z)
			den += math.Abs(z)
			dist += math.Sqrt(d2) / 8
		}
	}
	if p := rows[4]; math.Abs(p.Fair-num/den) > 1e-6*num/den {
		t.Errorf("persistence CRPS-sum %v, by hand %v", p.Fair, num/den)
	}
	// A one-member forecast's energy score is its Euclidean error, averaged over windows and leads.
	if p := rows[4]; math.Abs(p.Energy-dist) > 1e-5*dist || !(p.WQL > 0) || !(p.Variogram > 0) {
		t.Errorf("persistence energy %v (by hand %v), wQL %v, variogram %v", p.Energy, dist, p.WQL, p.Variogram)
	}
	o.Param, o.Anchor = dymodel.ParamEDM, dymodel.AnchorLast
	rows, err = Run(context.Background(), b, series, o)
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[0]; r.Name != "DyDiff (η = 0.5) edm, anchor last" || !(r.Quantile > 0) || !(r.Energy > 0) {
		t.Errorf("edm-form row: %+v", r)
	}
	var buf bytes.Buffer
	WriteTable(&buf, rows)
	if !strings.Contains(buf.String(), "| TimeGrad (published, TimeGrad Table 2) | 0.006 ± 0.001 |") {
		t.Errorf("table without the published numbers:\n%s", buf.String())
	}
}
