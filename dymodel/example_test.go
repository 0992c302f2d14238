package dymodel_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"os"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/metrics"
)

// Train DyDiff on an NPY file of two-channel fields, forecast three cases of it in physical units and
// score the forecast with the fair CRPS: the whole program, imports included, in 39 lines of code.
func Example() {
	dir, _ := os.MkdirTemp("", "dymodel-example-")
	defer os.RemoveAll(dir)
	v := make([]float32, 32*2*8*8) // 32 frames [2, 8, 8]: waves drifting east, channel 1 offset by 10 and doubled
	for i := range v {
		v[i] = float32(10*(i/64%2)) + float32(1+i/64%2)*float32(math.Sin(2*math.Pi*float64(i%8-i/128)/8))
	}
	fields := data.FromFloat32(v, 32, 2, 8, 8)
	spec := dymodel.TrainSpec{Path: dir + "/fields.npy", Dir: dir + "/run", Config: dymodel.DefaultConfig(), Options: dymodel.DefaultTrainOptions()}
	if err := data.WriteNPY(spec.Path, fields); err != nil {
		log.Fatal(err)
	}
	spec.Config.Context, spec.Config.Predict, spec.Options.Steps, spec.Options.BatchSize = 2, 3, 30, 8
	spec.Config.UNet.Channels, spec.Config.UNet.Mults, spec.Config.UNet.Blocks, spec.Config.UNet.Groups = 8, []int{1, 2}, 1, 4
	model, err := dymodel.Train(context.Background(), spec)
	if err != nil {
		log.Fatal(err)
	}
	defer model.Close()
	fc, err := model.Forecast(context.Background(), fields, dymodel.ForecastOptions{Cases: 3, Members: 4, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	ens, _ := metrics.NewEnsemble(fc.Ensemble.Float32(), fc.Ensemble.Shape, metrics.DefaultLayout)
	truth, _ := metrics.NewTruth(fc.Truth.Float32(), fc.Truth.Shape, metrics.DefaultLayout)
	crps, err := metrics.CRPS(ens, truth, metrics.CRPSOptions{Estimator: metrics.Fair})
	fmt.Println("step", model.Step(), "starts", fc.Cases.Starts, "forecast", fc.Ensemble.Shape, "CRPS finite at", len(crps), "leads:", err == nil && crps[0]+crps[1]+crps[2] < math.Inf(1))
	// Output: step 30 starts [2 15 29] forecast [3 4 3 2 8 8] CRPS finite at 3 leads: true
}
