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
	"github.com/tidal-forecast/tidal/sim/waves"
)

// Train DyDiff on an NPY file of two-channel fields (travelling waves), forecast three cases of it in
// physical units and score the forecast with the fair CRPS: the whole program, imports included, in 39
// lines of code.
func Example() {
	dir, err := os.MkdirTemp("", "dymodel-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	spec := dymodel.TrainSpec{Path: dir + "/waves.npy", Dir: dir + "/run", Config: dymodel.DefaultConfig(), Options: dymodel.DefaultTrainOptions()}
	if err := waves.WriteDataset(waves.Options{N: 8, Frames: 32, Channels: 2, Waves: 3, KMax: 3, SpeedMax: 1, Dt: 0.2, Seed: 1}, spec.Path); err != nil {
		log.Fatal(err)
	}
	spec.Config.Context, spec.Config.Predict, spec.Options.Steps, spec.Options.BatchSize = 2, 3, 30, 8
	spec.Config.UNet.Channels, spec.Config.UNet.Mults, spec.Config.UNet.Blocks, spec.Config.UNet.Groups = 8, []int{1, 2}, 1, 4
	model, err := dymodel.Train(context.Background(), spec)
	if err != nil {
		log.Fatal(err)
	}
	defer model.Close()
	observed, _ := data.ReadNPY(spec.Path) // the fields [32, 2, 8, 8]; a read error is Forecast's "no observed series"
	fc, err := model.Forecast(context.Background(), observed, dymodel.ForecastOptions{Cases: 3, Members: 4, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	ens, _ := metrics.NewEnsemble(fc.Ensemble.Float32(), fc.Ensemble.Shape, metrics.DefaultLayout)
	truth, _ := metrics.NewTruth(fc.Truth.Float32(), fc.Truth.Shape, metrics.DefaultLayout)
	crps, err := metrics.CRPS(ens, truth, metrics.CRPSOptions{Estimator: metrics.Fair})
	fmt.Println("step", model.Step(), "starts", fc.Cases.Starts, "forecast", fc.Ensemble.Shape, "CRPS finite at", len(crps), "leads:", err == nil && crps[0]+crps[1]+crps[2] < math.Inf(1))
	// Output: step 30 starts [2 15 29] forecast [3 4 3 2 8 8] CRPS finite at 3 leads: true
}
