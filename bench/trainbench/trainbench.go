// Package trainbench measures the training loop's overhead: the wall time per step of train.Run
// (data loading, logging, stats, checkpoints and snapshots amortised) over the time of its compiled step
// in the same steps, and over the same step run bare (train.Step) in alternation, as docs/PERFORMANCE.md
// records.
package trainbench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/bench/netbench"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/sim/waves"
	"github.com/tidal-forecast/tidal/train"
)

// Options size the measurement.
type Options struct {
	// Batch windows of 3 frames of Size×Size waves, a UNet of Channels base channels (netbench.Config
	// with 3 channels in and out: DyDiff on the whole window).
	Batch, Size, Channels int
	// Rounds of: Steps bare steps on a fixed batch, a fresh loop run of Steps+1 steps (the first, which
	// compiles, is not timed), Steps bare steps again.
	Steps, Rounds int
	// LogEvery is the loop's stats.jsonl interval. Each loop run writes one checkpoint (resume state
	// and snapshot), at its end; its time is amortised over CheckpointEvery steps, a real run's interval.
	LogEvery, CheckpointEvery int
	// Log, if not nil, gets a line at the end of each phase.
	Log io.Writer
}

// Result is one measurement.
type Result struct {
	Options Options
	Params  int
	// Bare is the mean time of the step alone, InLoop its mean inside the loop, PerStep the loop's wall
	// time per step with the checkpoint amortised over CheckpointEvery steps, Checkpoint the time of one
	// checkpoint with its snapshot, and Data the loading goroutine's time per step (beside the step).
	Bare, InLoop, PerStep, Checkpoint, Data time.Duration
}

// Overhead is PerStep/Bare − 1: what the loop adds to the compiled step.
func (r Result) Overhead() float64 { return r.PerStep.Seconds()/r.Bare.Seconds() - 1 }

// HostOverhead is PerStep/InLoop − 1: the loop's time outside the step call, checkpoints amortised.
func (r Result) HostOverhead() float64 { return r.PerStep.Seconds()/r.InLoop.Seconds() - 1 }

// DataShare is Data/InLoop: the loading time per step over the step's, a bound on what loading
// could take from the step where it has to share a core with it.
func (r Result) DataShare() float64 { return r.Data.Seconds() / r.InLoop.Seconds() }

// Frames is the number of frames of the waves set the loop trains on.
const Frames = 256

// ScratchName is the name of the scratch folder (atomicfile.TempDir) in the system's temporary folder
// that holds the waves set and the loop runs' files; it is removed at the end and on SIGINT or SIGTERM.
const ScratchName = "tidal-bench-train-loop"

// Run measures on backend b.
func Run(b compute.Backend, o Options) (Result, error) {
	res := Result{Options: o}
	if o.Batch < 1 || o.Size < 8 || o.Channels < 1 || o.Steps < 1 || o.LogEvery < 1 || o.CheckpointEvery < 1 {
		return res, fmt.Errorf("train-loop bench: batch, channels, steps, log and checkpoint intervals ≥ 1, size ≥ 8; got %+v", o)
	}
	cfg := netbench.Config(o.Channels)
	cfg.OutChannels = cfg.InChannels
	u, err := nets.New(cfg)
	if err != nil {
		return res, err
	}
	res.Params = u.NumParams()
	sched, err := dydiff.NewSchedule(0.5, dydiff.ScheduleOptions{})
	if err != nil {
		return res, err
	}
	loss := func(scope *model.Scope, batch []*graph.Node) *graph.Node {
		return dydiff.RandomLoss(scope, u.Apply, sched, batch[0], nil)
	}
	dir, remove, err := atomicfile.TempDir(filepath.Join(os.TempDir(), ScratchName))
	if err != nil {
		return res, err
	}
	defer remove()
	tr, norm, err := wavesWindows(dir, o.Size)
	if err != nil {
		return res, err
	}
	opt := train.Defaults()
	opt.Steps, opt.BatchSize = o.Steps+1, o.Batch
	opt.LogEvery = o.LogEvery
	opt.CheckpointEvery = (opt.Steps + o.LogEvery) / o.LogEvery * o.LogEvery // Only the last step's.
	fixed, err := tr.Batch(0, o.Batch)
	if err != nil {
		return res, err
	}
	bare, err := train.NewStep(b, loss, opt, fixed)
	if err != nil {
		return res, err
	}
	defer bare.Finalize()
	if _, _, err := bare.Run(fixed); err != nil { // Compiles.
		return res, err
	}
	var bareTime, step, loop, ckpt, data time.Duration
	timeBare := func() error {
		t0 := time.Now()
		for range o.Steps {
			if _, _, err := bare.Run(fixed); err != nil {
				return err
			}
		}
		bareTime += time.Since(t0)
		return nil
	}
	rounds := max(o.Rounds, 1)
	for k := range rounds {
		if err := timeBare(); err != nil {
			return res, err
		}
		job := train.Job{Dir: fmt.Sprintf("%s/run%d", dir, k), Options: opt, Config: cfg, Norm: norm, Backend: b, Loss: loss, Train: tr}
		r, err := train.Run(context.Background(), job)
		if err != nil {
			return res, err
		}
		if r.Checkpoints != 1 {
			return res, fmt.Errorf("train-loop bench: %d checkpoints timed, expected 1", r.Checkpoints)
		}
		step += time.Duration(r.StepSeconds * 1e9)
		loop += time.Duration((r.LoopSeconds - r.CheckpointSeconds) * 1e9)
		ckpt += time.Duration(r.CheckpointSeconds * 1e9)
		data += time.Duration(r.DataSeconds * 1e9 * float64(o.Steps) / float64(opt.Steps))
		if err := timeBare(); err != nil {
			return res, err
		}
		n := time.Duration((k + 1) * o.Steps)
		logf(o.Log, "round %d: bare %.1f ms, loop %.1f ms per step (%.1f ms in the step) so far", k+1,
			ms(bareTime/(2*n)), ms(loop/n), ms(step/n))
	}
	n := time.Duration(rounds * o.Steps)
	res.Checkpoint = ckpt / time.Duration(rounds)
	res.Bare, res.InLoop, res.Data = bareTime/(2*n), step/n, data/n
	res.PerStep = loop/n + res.Checkpoint/time.Duration(o.CheckpointEvery)
	return res, nil
}

// wavesWindows writes a 256-frame waves set of size² in dir and returns its 3-frame training windows.
func wavesWindows(dir string, size int) (*dataset.Windows, dataset.Norm, error) {
	wo := waves.DefaultOptions()
	wo.N, wo.Frames, wo.KMax = size, Frames, min(3, size/2-1)
	p := dir + "/waves.npy"
	if err := waves.WriteDataset(wo, p); err != nil {
		return nil, dataset.Norm{}, err
	}
	ss, err := dataset.Load(p)
	if err != nil {
		return nil, dataset.Norm{}, err
	}
	tr, _, norm, err := dataset.Split(ss, dataset.Options{Frames: 3, Seed: 1})
	return tr, norm, err
}

// WriteTable prints the result with the ratios.
func WriteTable(w io.Writer, r Result) error {
	o := r.Options
	_, err := fmt.Fprintf(w, "%d×%d²×%d (%d params), %d rounds of %d steps: bare step %.1f ms; loop %.1f ms per step (%.1f ms in the step), "+
		"a checkpoint with its snapshot %.1f ms, amortised over %d steps\n"+
		"loop overhead: %+.2f%% outside the step call (checkpoints amortised), %.2f%% data loading beside it; %+.2f%% over the bare step timed in alternation (drifts with the load)\n",
		o.Batch, o.Size, o.Channels, r.Params, max(o.Rounds, 1), o.Steps, ms(r.Bare), ms(r.PerStep), ms(r.InLoop),
		ms(r.Checkpoint), o.CheckpointEvery, 100*r.HostOverhead(), 100*r.DataShare(), 100*r.Overhead())
	return err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}
