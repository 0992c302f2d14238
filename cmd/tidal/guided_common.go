package main

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/guided"
	"github.com/tidal-forecast/tidal/internal/config"
	"github.com/tidal-forecast/tidal/nn"
	"github.com/tidal-forecast/tidal/train"
)

// guidedTrainFlags are the flags shared by `tidal train idm|vdm|discriminator`.
type guidedTrainFlags struct {
	data, out                       string
	to                              *cli.TrainOut // --run, checked by readTrainingSeries
	steps, batch, warmup, logEvery  int
	checkpointEvery, valEvery, keep int
	lr, weightDecay, clip, emaHalf  float64
	seed                            uint64
	dataSeed                        uint64
	valFraction                     float64
	crop                            []int
	channels, blocks, groups        int
	mults, attn                     []int
	dropout                         float64
	periodicH, periodicW, startOver bool
	quiet                           bool
	periodicHSet                    bool // --periodic-h given (else lat-lon data take false: no wrap across the poles)
	static                          cli.StaticFlags
	staticFields                    *dataset.Static // --static, read by readTrainingSeries
	sigmaData, pMean, pStd          float64
}

// addGuidedTrainFlags registers the shared flags; channels is the default base width.
func addGuidedTrainFlags(cmd *cobra.Command, fl *guidedTrainFlags, channels int, attn []int) {
	f := cmd.Flags()
	f.StringVar(&fl.data, "data", "", "training series [frames, channels, height, width] (NPY, e.g. from 'tidal data navier-stokes')")
	f.StringVar(&fl.out, "run", "", "run directory (created; an existing one is resumed)")
	f.IntVar(&fl.steps, "steps", 1000, "optimiser steps of the whole run")
	f.IntVar(&fl.batch, "batch", 16, "examples per optimiser step")
	f.Float64Var(&fl.lr, "lr", 1e-4, "peak learning rate (AdamW)")
	f.IntVar(&fl.warmup, "warmup", 0, "learning-rate warm-up steps")
	f.Float64Var(&fl.weightDecay, "weight-decay", 0.01, "AdamW's decoupled weight decay")
	f.Float64Var(&fl.clip, "clip-grad-norm", 0, "maximum global gradient norm (0: no clipping)")
	f.Float64Var(&fl.emaHalf, "ema-halflife", 500000, "EMA half-life in training examples (EDM; ramped up to 0.05 × examples seen)")
	f.Uint64Var(&fl.seed, "seed", 1, "seed of the initial weights and of the loss's noise")
	f.Uint64Var(&fl.dataSeed, "data-seed", 0, "seed of the data order, crops and discriminator examples")
	f.Float64Var(&fl.valFraction, "val-fraction", 0.1, "share of the series, at its end, held out")
	f.IntSliceVar(&fl.crop, "crop", nil, "train on random crops H,W (default: whole fields)")
	f.IntVar(&fl.logEvery, "log-every", 10, "steps per stats.jsonl line")
	f.IntVar(&fl.checkpointEvery, "checkpoint-every", 100, "steps per checkpoint and snapshot (a multiple of --log-every)")
	f.IntVar(&fl.valEvery, "val-every", 0, "steps per validation (0: none)")
	f.IntVar(&fl.keep, "keep-checkpoints", 3, "resume checkpoints kept")
	f.IntVar(&fl.channels, "channels", channels, "base width of the network")
	f.IntSliceVar(&fl.mults, "mults", []int{1, 2, 2}, "channel multiplier per resolution level")
	f.IntVar(&fl.blocks, "blocks", 2, "residual blocks per level")
	f.IntSliceVar(&fl.attn, "attn-levels", attn, "levels (0 = full resolution) with self-attention after each block")
	f.IntVar(&fl.groups, "groups", 32, "most group-norm groups per layer (each uses the largest divisor of its channels up to this)")
	f.Float64Var(&fl.dropout, "dropout", 0, "dropout inside the residual blocks (UNCONFIRMED in the paper)")
	f.BoolVar(&fl.periodicH, "periodic-h", true, "periodic padding along height (vorticity: both axes; default false for NetCDF data on a lat-lon grid: no wrap across the poles)")
	f.BoolVar(&fl.periodicW, "periodic-w", true, "periodic padding along width")
	f.Float64Var(&fl.sigmaData, "sigma-data", 0.5, "EDM's σ_data")
	f.Float64Var(&fl.pMean, "p-mean", -1.2, "training noise ln σ ~ N(p-mean, p-std²)")
	f.Float64Var(&fl.pStd, "p-std", 1.2, "training noise ln σ ~ N(p-mean, p-std²)")
	f.BoolVar(&fl.startOver, "start-over", false, "replace a run directory recorded with other settings instead of refusing it")
	cli.AddStaticFlags(f, &fl.static, "whole fields (not with --crop)")
	f.BoolVar(&fl.quiet, "quiet", false, "no progress output (the loss lines on standard error)")
	config.AddFlag(cmd)
	cli.DeprecatedAlias(f, "out", "run")
	cli.DeprecatedAlias(f, "attn", "attn-levels")
}

// apply reads --config into the flags not given on the command line, then checks them.
func (fl *guidedTrainFlags) apply(cmd *cobra.Command) error {
	if err := config.Apply(cmd); err != nil {
		return err
	}
	fl.periodicHSet = cmd.Flags().Changed("periodic-h")
	return fl.check()
}

// check validates the shared flags by name.
func (fl *guidedTrainFlags) check() error {
	if fl.out == "" {
		return fmt.Errorf("--run is required: the run directory")
	}
	if err := guard.First(
		guard.Int("steps", fl.steps, 1, cli.MaxCount), guard.Int("batch", fl.batch, 1, 1<<16),
		guard.Between("lr", fl.lr, 1e-12, 10), guard.Int("warmup", fl.warmup, 0, cli.MaxCount),
		guard.Between("weight-decay", fl.weightDecay, 0, 10), guard.AtLeast("clip-grad-norm", fl.clip, 0),
		guard.AtLeast("ema-halflife", fl.emaHalf, 0),
		guard.Between("val-fraction", fl.valFraction, 0, 0.9),
		guard.Int("log-every", fl.logEvery, 1, cli.MaxCount), guard.Int("checkpoint-every", fl.checkpointEvery, 1, cli.MaxCount),
		guard.Int("val-every", fl.valEvery, 0, cli.MaxCount), guard.Int("keep-checkpoints", fl.keep, 1, 1000),
		guard.Int("channels", fl.channels, 4, 4096), guard.Ints("mults", fl.mults, 1, 64), guard.Int("blocks", fl.blocks, 1, 64),
		guard.Ints("attn-levels", fl.attn, 0, len(fl.mults)-1), guard.Int("groups", fl.groups, 1, 4096),
		guard.Between("dropout", fl.dropout, 0, 0.99), guard.Between("sigma-data", fl.sigmaData, 1e-6, 1e6),
		guard.Between("p-mean", fl.pMean, -20, 20), guard.Between("p-std", fl.pStd, 1e-6, 20),
		guard.Ints("crop", fl.crop, 1, 1<<16),
	); err != nil {
		return err
	}
	if len(fl.mults) == 0 {
		return fmt.Errorf("--mults: expected at least one level")
	}
	if len(fl.crop) != 0 && len(fl.crop) != 2 {
		return fmt.Errorf("--crop %v: expected H,W", fl.crop)
	}
	if fl.checkpointEvery%fl.logEvery != 0 {
		return fmt.Errorf("--checkpoint-every %d: expected a multiple of --log-every %d", fl.checkpointEvery, fl.logEvery)
	}
	return nil
}

// options are the loop's options from the flags.
func (fl *guidedTrainFlags) options() train.Options {
	o := train.Defaults()
	o.Steps, o.BatchSize, o.LR, o.WarmupSteps = fl.steps, fl.batch, fl.lr, fl.warmup
	o.WeightDecay, o.ClipNorm, o.EMAHalfLife, o.Seed = fl.weightDecay, fl.clip, fl.emaHalf, int64(fl.seed)
	o.LogEvery, o.CheckpointEvery, o.ValEvery, o.Keep = fl.logEvery, fl.checkpointEvery, fl.valEvery, fl.keep
	return o
}

func padding(periodic bool) nn.Padding {
	if periodic {
		return nn.Periodic
	}
	return nn.Zero
}

// readTrainingSeries checks the header of --data and the static fields, estimates the run's memory
// (guided.TrainingBytes; activations per field point: guided.TrainActivationBytes or the DiT's) and reads it.
func readTrainingSeries(fl *guidedTrainFlags, activations int64) (dataset.Series, error) {
	b, err := cli.Budget()
	if err != nil {
		return dataset.Series{}, err
	}
	in, err := cli.StatInput("data", fl.data, 4, 4, "[frames, channels, height, width]")
	if err != nil {
		return dataset.Series{}, err
	}
	if err := guided.CheckTrainingShape(in.String(), in.Shape, fl.crop); err != nil {
		return dataset.Series{}, err
	}
	if in.Src.IsLatLon() && !fl.periodicHSet {
		fl.periodicH = false // periodic in longitude only (--periodic-w), never across the poles
	}
	if fl.staticFields, err = cli.ReadStatic(b, fl.static, in.Shape[2], in.Shape[3]); err != nil {
		return dataset.Series{}, err
	}
	if fl.staticFields != nil && len(fl.crop) == 2 && (fl.crop[0] != in.Shape[2] || fl.crop[1] != in.Shape[3]) {
		return dataset.Series{}, fmt.Errorf("--static %s with --crop %d,%d: the static fields would need the same random crops; train on whole %d×%d fields", fl.static.Path, fl.crop[0], fl.crop[1], in.Shape[2], in.Shape[3])
	}
	ins := []*cli.Input{in}
	if fl.static.Path != "" {
		ins = append(ins, &cli.Input{Flag: "static", Path: fl.static.Path})
	}
	if fl.to, err = cli.CheckTrainOut(fl.out, ins...); err != nil {
		return dataset.Series{}, err
	}
	if err := b.CheckMemory(fmt.Sprintf("training on %s %v", fl.data, in.Shape), guided.TrainingBytes(in.Shape, in.Bytes(), activations)); err != nil {
		return dataset.Series{}, err
	}
	a, err := in.Read(b)
	if err != nil {
		return dataset.Series{}, err
	}
	return dataset.TakeArray(in.String(), a) // one copy of the training data, not two
}

// runGuidedTraining runs a prepared trainer and writes the resolved flags to RUN/config.yaml.
func runGuidedTraining(cmd *cobra.Command, tr *guided.Trainer, to *cli.TrainOut, static *dataset.Static) error {
	if err := cli.SaveRunStatic(tr.Job.Dir, static, tr.Job.StartOver); err != nil {
		return err
	}
	_, be, err := cli.NewBackend()
	if err != nil {
		return err
	}
	defer be.Finalize()
	tr.Job.Backend = be
	done := to.Guard()
	sum, err := tr.Run(cmd.Context())
	done(err)
	if err != nil {
		return err
	}
	if err := config.Write(cmd, filepath.Join(tr.Job.Dir, "config.yaml")); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", tr.Job.Dir, sum)
	return nil
}

// finite reports whether every value is a number.
func finite(v []float32) (int, bool) {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return i, false
		}
	}
	return 0, true
}
