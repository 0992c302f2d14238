package train_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/sim/waves"
	"github.com/tidal-forecast/tidal/train"
)

// Train a small UNet with DyDiff's loss (η 0.5) on 2-frame windows of travelling waves with package
// train's loop: AdamW, warm-up, EMA, checkpoints and stats.jsonl in a run directory. The loss of the last
// logged steps is below that of the first ones, and the same job run again finds the run finished.
func Example() {
	dir, err := os.MkdirTemp("", "train-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	wo := waves.DefaultOptions()
	wo.N, wo.Frames, wo.KMax, wo.Seed = 8, 40, 2, 3
	if err := waves.WriteDataset(wo, filepath.Join(dir, "waves.npy")); err != nil {
		log.Fatal(err)
	}
	series, err := dataset.Load(filepath.Join(dir, "waves.npy"))
	if err != nil {
		log.Fatal(err)
	}
	windows, _, norm, err := dataset.Split(series, dataset.Options{Frames: 2, Seed: 5})
	if err != nil {
		log.Fatal(err)
	}
	unet, err := nets.New(nets.Config{InChannels: 2, OutChannels: 2, Channels: 8, Mults: []int{1, 2}, Blocks: 1, Groups: 4, Branches: 1})
	if err != nil {
		log.Fatal(err)
	}
	schedule, err := dydiff.NewSchedule(0.5, dydiff.ScheduleOptions{T: 100})
	if err != nil {
		log.Fatal(err)
	}
	be, err := backend.New("go")
	if err != nil {
		log.Fatal(err)
	}
	defer be.Finalize()
	o := train.Defaults()
	o.Steps, o.BatchSize, o.LR, o.WarmupSteps, o.LogEvery, o.CheckpointEvery, o.Seed = 60, 8, 3e-3, 5, 5, 30, 1
	job := train.Job{Dir: filepath.Join(dir, "run"), Options: o, Config: map[string]any{"net": "unet 8"}, Norm: norm, Backend: be, Train: windows,
		Loss: func(scope *model.Scope, batch []*graph.Node) *graph.Node {
			return dydiff.RandomLoss(scope, unet.Apply, schedule, batch[0], nil)
		}}
	res, err := train.Run(context.Background(), job)
	if err != nil {
		log.Fatal(err)
	}
	stats, err := train.ReadStats(job.Dir)
	if err != nil {
		log.Fatal(err)
	}
	first, last := (stats[0].Loss+stats[1].Loss)/2, (stats[len(stats)-2].Loss+stats[len(stats)-1].Loss)/2
	again, err := train.Run(context.Background(), job)
	fmt.Println("trained to step", res.Step, "from", res.Resumed, "| lines", len(stats), "| loss fell:", last < first, "| again: finished", again.AlreadyFinished, err == nil)
	// Output: trained to step 60 from 0 | lines 12 | loss fell: true | again: finished true true
}
