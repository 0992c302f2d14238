package train

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/sim/waves"
)

// wavesWindows writes a `tidal data waves` set (n×n, frames) and splits it into 2-frame windows.
func wavesWindows(t testing.TB, n, frames int) (tr, va *dataset.Windows, norm dataset.Norm) {
	t.Helper()
	tr, va, norm, err := wavesData(t.TempDir(), n, frames)
	if err != nil {
		t.Fatal(err)
	}
	return tr, va, norm
}

func wavesData(dir string, n, frames int) (tr, va *dataset.Windows, norm dataset.Norm, err error) {
	o := waves.DefaultOptions()
	o.N, o.Frames, o.KMax, o.Seed = n, frames, 2, 3
	p := filepath.Join(dir, "waves.npy")
	if err := waves.WriteDataset(o, p); err != nil {
		return nil, nil, norm, err
	}
	ss, err := dataset.Load(p)
	if err != nil {
		return nil, nil, norm, err
	}
	return dataset.Split(ss, dataset.Options{Frames: 2, ValFraction: 0.2, Seed: 5})
}

// tinyUNet is the smallest real network: 2 folded frame channels in and out, 8 base channels, 2 levels.
func tinyUNet(t testing.TB) *nets.UNet {
	t.Helper()
	u, err := nets.New(tinyConfig)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var tinyConfig = nets.Config{InChannels: 2, OutChannels: 2, Channels: 8, Mults: []int{1, 2}, Blocks: 1, Groups: 4, Branches: 1}

// dydiffLoss is DyDiff's training loss (η = 0.5, T = 100) of the UNet on windows [B, 2, 1, H, W].
func dydiffLoss(t testing.TB, u *nets.UNet) LossFn {
	t.Helper()
	l, err := newDyDiffLoss(u)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func newDyDiffLoss(u *nets.UNet) (LossFn, error) {
	s, err := dydiff.NewSchedule(0.5, dydiff.ScheduleOptions{T: 100})
	if err != nil {
		return nil, err
	}
	return func(scope *model.Scope, batch []*graph.Node) *graph.Node {
		return dydiff.RandomLoss(scope, u.Apply, s, batch[0], nil)
	}, nil
}

// tinyOptions trains batch 4 for steps steps, logging every 2, checkpointing every 4.
func tinyOptions(steps int) Options {
	o := Defaults()
	o.Steps, o.BatchSize, o.LR, o.WarmupSteps = steps, 4, 2e-3, 3
	o.LogEvery, o.CheckpointEvery, o.Keep = 2, 4, 2
	o.EMAHalfLife = 40
	o.Seed = 11
	return o
}

// tinyJob is a DyDiff job of the tiny UNet on 8×8 waves.
func tinyJob(t testing.TB, dir string, o Options) Job {
	t.Helper()
	tr, va, norm := wavesWindows(t, 8, 40)
	return Job{Dir: dir, Options: o, Config: map[string]any{"net": "tiny"}, Norm: norm,
		Backend: tensortest.Backend(t), Loss: dydiffLoss(t, tinyUNet(t)), Train: tr, Val: va}
}

// cancelAt is a Source that cancels a context once micro-batch index at is asked for.
type cancelAt struct {
	Source
	at     int
	cancel context.CancelFunc
}

func (c cancelAt) Batch(i, n int) ([]*tensors.Tensor, error) {
	if i >= c.at {
		c.cancel()
	}
	return c.Source.Batch(i, n)
}

// finalTensors reads the newest checkpoint of a run.
func finalTensors(t testing.TB, dir string) (*manifest, map[string][]byte) {
	t.Helper()
	m, ts, err := latestGood(filepath.Join(dir, checkpointsDir), t.Logf)
	if err != nil || m == nil {
		t.Fatalf("no checkpoint in %s: %v", dir, err)
	}
	out := map[string][]byte{}
	for _, x := range ts {
		x.T.ConstBytes(func(b []byte) { out[x.Name] = append([]byte(nil), b...) })
	}
	return m, out
}
