package guided

import (
	"context"
	"slices"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/forecast"
)

// TestTrainedStaticFieldsOpen trains an image model with static fields through the library alone and
// opens it: the run keeps the fields, Open reads them back, and the generator samples with them.
func TestTrainedStaticFieldsOpen(t *testing.T) {
	b := testBackend(t)
	series := wavesSeries(12, 8, 2)
	st := make([]float32, 2*64)
	for i := range st {
		st[i] = float32(i%5) - 2
	}
	static, err := dataset.NewStatic("static", data.FromFloat32(st, 2, 8, 8))
	if err != nil {
		t.Fatal(err)
	}
	spec := tinySpec(KindIDM, series, t.TempDir(), b)
	spec.Options.Steps, spec.Options.CheckpointEvery, spec.Static = 10, 10, static
	tr, err := NewTrainer(spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	m, err := Open(spec.Dir, KindIDM, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Static() == nil || !m.Static().Equal(static) {
		t.Fatalf("Open's static fields %v, want the trained ones", m.Static())
	}
	g, err := NewGenerator(b, m, nil, fastSampler(0))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	cases, err := forecast.EvenCases(12, Context, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	res, err := g.Ensemble(context.Background(), data.FromFloat32(series.Data, series.Shape...), ForecastOptions{Cases: cases, Members: 2, Seed: 3})
	if err != nil || !slices.Equal(res.Ensemble.Shape, []int{2, 2, 2, 1, 8, 8}) {
		t.Fatalf("forecast %v: %v", res, err)
	}
}
