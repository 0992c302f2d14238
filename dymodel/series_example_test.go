package dymodel_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"os"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
)

// Train DyDiff on a time series of three series on very different scales (levels 100, 1 and −3) with
// SeriesNet, on its first 48 rows only, and forecast the rolling windows after them in the series' own
// units.
func ExampleTrainSeries() {
	dir, err := os.MkdirTemp("", "dymodel-series-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	const T, N = 60, 3
	v := make([]float32, T*N)
	for t := range T {
		for n, level := range []float64{100, 1, -3} {
			v[t*N+n] = float32(level + 0.1*math.Abs(level)*math.Sin(0.3*float64(t)+float64(n)))
		}
	}
	series := data.FromFloat32(v, T, N)
	spec := dymodel.SeriesTrainSpec{Data: series, Rows: 48, Dir: dir + "/run", Config: dymodel.DefaultSeriesConfig(),
		Options: dymodel.DefaultTrainOptions()}
	spec.Config.Context, spec.Config.Predict, spec.Config.Series.Channels = 6, 3, 8
	spec.Options.Steps, spec.Options.BatchSize = 10, 8
	model, err := dymodel.TrainSeries(context.Background(), spec)
	if err != nil {
		log.Fatal(err)
	}
	defer model.Close()
	cases, err := forecast.Rolling{Train: 48, Windows: 4, Predict: 3, Stride: 3}.Cases(T, 6)
	if err != nil {
		log.Fatal(err)
	}
	fc, err := model.ForecastCases(context.Background(), series, cases, dymodel.ForecastOptions{Members: 4, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	first := fc.Ensemble.Float32()[0] // window 0, member 0, lead 1, series 0: near its level, 100
	fmt.Printf("trained to step %d; forecast %v; series 0 within 30 of its level: %v\n", model.Step(), fc.Ensemble.Shape, math.Abs(float64(first)-100) < 30)
	// Output: trained to step 10; forecast [4 4 3 3]; series 0 within 30 of its level: true
}
