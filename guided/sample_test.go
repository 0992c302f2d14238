package guided

import (
	"context"
	"slices"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
)

// TestEnsembleIsForecastInAnArray: Ensemble gives Generator.Forecast's values (the guided image
// model's), whether the observed frames come as float32 or float64, with the truth forecast.Truth gathers.
func TestEnsembleIsForecastInAnArray(t *testing.T) {
	idm, _, disc, s := trainedRuns(t)
	m, d, err := OpenModels(idm, "", disc, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGenerator(testBackend(t), m, d, fastSampler(5))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	cases, err := forecast.EvenCases(s.Shape[0], Context, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	want, err := g.Forecast(context.Background(), s.Data, cases, 2, 11)
	if err != nil {
		t.Fatal(err)
	}
	f64 := make([]float64, len(s.Data))
	for i, v := range s.Data {
		f64[i] = float64(v)
	}
	for _, observed := range []*data.Array{data.FromFloat32(s.Data, s.Shape...), data.FromFloat64(f64, s.Shape...)} {
		fc, err := g.Ensemble(context.Background(), observed, ForecastOptions{Cases: cases, Members: 2, Seed: 11, Truth: true})
		if err != nil {
			t.Fatal(err)
		}
		truth, _ := forecast.Truth(observed, cases)
		if !slices.Equal(fc.Ensemble.F32, want) || !slices.Equal(fc.Ensemble.Shape, []int{3, 2, 2, 1, 8, 8}) || !slices.Equal(fc.Truth.Float32(), truth.Float32()) {
			t.Errorf("%v observed: the ensemble or truth differs from Forecast's", observed.DType)
		}
		if fc.Kind != KindIDM || fc.Run != idm || fc.What != "image model guided with λ = 5" {
			t.Errorf("forecast of %q %q %q", fc.Kind, fc.Run, fc.What)
		}
	}
}
