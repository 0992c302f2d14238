package dydiffbench

import (
	"context"
	"math"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// A tiny comparison runs end to end with every row; persistence's members are all the last observed
// frame, so its CRPS equals its mean absolute error, recomputed here from the data.
func TestTinyComparison(t *testing.T) {
	o := Quick()
	o.Size, o.Frames, o.Kf, o.Steps, o.Cases, o.Members, o.SamplingSteps = 8, 60, 1.5, 2, 2, 2, 2
	o.Channels, o.Groups, o.Etas = 8, 4, []float64{0, 0.5, 0.9}
	o.Samplers = []dymodel.SamplerOptions{{Kind: "heun", Steps: 2}, {Kind: "dpmpp", Steps: 2}}
	o.Dir = t.TempDir()
	r, err := Run(context.Background(), tensortest.Backend(t), o)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"persistence", "climatology", "DyDiff η=0.5 heun 2", "DyDiff η=0.5 dpmpp 2", "DPM η=0 heun 2", "DPM η=0 dpmpp 2", "DyDiff η=0.5 ref. form",
		"DPM η=0 ref. form", "DyDiff η=0.9 ref. form", "DyDiff η=0.5 indep. noise ref. form"}
	if len(r.Rows) != len(names) {
		t.Fatalf("%d rows, want %d", len(r.Rows), len(names))
	}
	for i, row := range r.Rows {
		if row.Name != names[i] || len(row.CRPS) != o.Predict || len(row.CSI) != o.Predict || len(row.SSR) != o.Predict {
			t.Errorf("row %d: %s with %d/%d/%d leads", i, row.Name, len(row.CRPS), len(row.CSI), len(row.SSR))
		}
		for _, v := range row.CRPS {
			if !(v > 0) || math.IsInf(v, 0) {
				t.Errorf("%s: CRPS %v", row.Name, row.CRPS)
			}
		}
	}
	_, testS, err := turbulence(o, o.Dir)
	if err != nil {
		t.Fatal(err)
	}
	a := data.FromFloat32(testS.Data, testS.Shape...)
	cs, _ := forecast.EvenCases(testS.Frames(), o.Context, o.Predict, o.Cases)
	ctx, _ := forecast.Context(a, cs)
	truth, _ := forecast.Truth(a, cs)
	F := 2 * 8 * 8
	for l := range o.Predict {
		sum := 0.0
		for c := range o.Cases {
			last := ctx.Float32()[(c*o.Context+o.Context-1)*F:]
			y := truth.Float32()[(c*o.Predict+l)*F:]
			for i := range F {
				sum += math.Abs(float64(last[i] - y[i]))
			}
		}
		if want := sum / float64(o.Cases*F); math.Abs(r.Rows[0].CRPS[l]-want) > 1e-6*want {
			t.Errorf("persistence lead %d: CRPS %v, mean absolute error %v", l+1, r.Rows[0].CRPS[l], want)
		}
	}
}
