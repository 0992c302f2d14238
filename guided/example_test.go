package guided_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guidance"
	"github.com/tidal-forecast/tidal/guided"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/nn"
	"github.com/tidal-forecast/tidal/sim/waves"
	"github.com/tidal-forecast/tidal/train"
)

// Train a tiny image model and its discriminator on travelling waves in physical units (a level of
// 50, amplitude about 1), open both runs, forecast three cases with discriminator guidance and roll a
// short trajectory out: the end-to-end path of the image models (Hess et al. 2025, §3–4).
func Example() {
	dir, err := os.MkdirTemp("", "guided-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	o := waves.Options{N: 8, Frames: 40, Channels: 1, Waves: 3, KMax: 2, SpeedMin: 0.5, SpeedMax: 1, Dt: 0.3, Seed: 1}
	ws := waves.Draw(o)
	series := dataset.Series{Name: "waves", Shape: []int{o.Frames, 1, o.N, o.N}}
	for i := range o.Frames {
		for _, v := range waves.Frame(ws, 1, o.N, float64(i)*o.Dt, nil) {
			series.Data = append(series.Data, float32(50+v))
		}
	}
	b, err := backend.New("go")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Finalize()
	opt := train.Defaults()
	opt.Steps, opt.BatchSize, opt.LR, opt.LogEvery, opt.CheckpointEvery, opt.Seed = 30, 8, 2e-3, 10, 30, 3
	for _, kind := range []string{guided.KindIDM, guided.KindDiscriminator} {
		tr, err := guided.NewTrainer(guided.TrainSpec{Kind: kind, Series: series, Options: opt, Dir: filepath.Join(dir, kind), Backend: b,
			UNet: nets.Config{Channels: 8, Mults: []int{1, 2}, Blocks: 1, Groups: 4, PadH: nn.Periodic, PadW: nn.Periodic},
			Disc: guidance.Config{Channels: 8, Mults: []int{1, 2}, Blocks: 1, Groups: 4, AttnLevels: []int{}, HeadWidth: 16, HeadLayers: 1,
				PadH: nn.Periodic, PadW: nn.Periodic},
			SigmaData: 0.5, PMean: -1.2, PStd: 1.2, SigmaStep: 2, ValFraction: 0.2, ValPairs: 16})
		if err == nil {
			_, err = tr.Run(context.Background())
		}
		if err != nil {
			log.Fatal(err)
		}
	}
	idm, disc, err := guided.OpenModels(filepath.Join(dir, guided.KindIDM), "", filepath.Join(dir, guided.KindDiscriminator), nil)
	if err != nil {
		log.Fatal(err)
	}
	so := guided.DefaultSamplerOptions()
	so.Grid.Steps, so.Lambda = 6, 14
	gen, err := guided.NewGenerator(b, idm, disc, so)
	if err != nil {
		log.Fatal(err)
	}
	defer gen.Close()
	observed := data.FromFloat32(series.Data, series.Shape...)
	cases, _ := forecast.EvenCases(o.Frames, guided.Context, 4, 3)
	fc, err := gen.Ensemble(context.Background(), observed, guided.ForecastOptions{Cases: cases, Members: 2, Seed: 1, Truth: true})
	if err != nil {
		log.Fatal(err)
	}
	roll := filepath.Join(dir, "roll.npy")
	res, err := gen.Rollout(context.Background(), observed, guided.RolloutOptions{Path: roll, Frames: 3, Members: 2, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	frames, err := data.ReadNPY(roll)
	if err != nil {
		log.Fatal(err)
	}
	// Physical units: the samples sit at the data's level of 50, not at the network's 0.
	near := func(a *data.Array) bool {
		s := 0.0
		for _, v := range a.Float32() {
			s += float64(v)
		}
		return math.Abs(s/float64(len(a.Float32()))-50) < 1
	}
	fmt.Println(fc.What, "at step", fc.Step, "starts", fc.Cases.Starts, "ensemble", fc.Ensemble.Shape, "truth", fc.Truth.Shape, "near 50:", near(fc.Ensemble))
	fmt.Println("rollout", frames.Shape, "made", res.Made, "near 50:", near(frames))
	// Output:
	// image model guided with λ = 14 at step 30 starts [2 19 36] ensemble [3 2 4 1 8 8] truth [3 4 1 8 8] near 50: true
	// rollout [3 2 1 8 8] made 3 near 50: true
}
