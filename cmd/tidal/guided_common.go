package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/cli/config"
	"github.com/tidal-forecast/tidal/imagerun"
)

// guidedTrainFlags are the flags shared by `tidal train idm|vdm|discriminator`: the run's and the
// training's settings (imagerun.TrainOptions with guided.TrainSettings).
type guidedTrainFlags struct {
	imagerun.TrainOptions
	quiet bool
}

// addGuidedTrainFlags registers the shared flags; channels is the default base width.
func addGuidedTrainFlags(cmd *cobra.Command, fl *guidedTrainFlags, channels int, attn []int) {
	f := cmd.Flags()
	f.StringVar(&fl.Data, "data", "", "training series [frames, channels, height, width] (NPY, e.g. from 'tidal data navier-stokes')")
	f.StringVar(&fl.Run, "run", "", "run directory (created; an existing one is resumed)")
	f.IntVar(&fl.Steps, "steps", 1000, "optimiser steps of the whole run")
	f.IntVar(&fl.Batch, "batch", 16, "examples per optimiser step")
	f.Float64Var(&fl.LR, "lr", 1e-4, "peak learning rate (AdamW)")
	f.IntVar(&fl.Warmup, "warmup", 0, "learning-rate warm-up steps")
	f.Float64Var(&fl.WeightDecay, "weight-decay", 0.01, "AdamW's decoupled weight decay")
	f.Float64Var(&fl.Clip, "clip-grad-norm", 0, "maximum global gradient norm (0: no clipping)")
	f.Float64Var(&fl.EMAHalfLife, "ema-halflife", 500000, "EMA half-life in training examples (EDM; ramped up to 0.05 × examples seen)")
	f.Uint64Var(&fl.Seed, "seed", 1, "seed of the initial weights and of the loss's noise")
	f.Uint64Var(&fl.DataSeed, "data-seed", 0, "seed of the data order, crops and discriminator examples")
	f.Float64Var(&fl.ValFraction, "val-fraction", 0.1, "share of the series, at its end, held out")
	f.IntSliceVar(&fl.Crop, "crop", nil, "train on random crops H,W (default: whole fields)")
	f.IntVar(&fl.LogEvery, "log-every", 10, "steps per stats.jsonl line")
	f.IntVar(&fl.CheckpointEvery, "checkpoint-every", 100, "steps per checkpoint and snapshot (a multiple of --log-every)")
	f.IntVar(&fl.ValEvery, "val-every", 0, "steps per validation (0: none)")
	f.IntVar(&fl.Keep, "keep-checkpoints", 3, "resume checkpoints kept")
	f.IntVar(&fl.Channels, "channels", channels, "base width of the network")
	f.IntSliceVar(&fl.Mults, "mults", []int{1, 2, 2}, "channel multiplier per resolution level")
	f.IntVar(&fl.Blocks, "blocks", 2, "residual blocks per level")
	f.IntSliceVar(&fl.AttnLevels, "attn-levels", attn, "levels (0 = full resolution) with self-attention after each block")
	f.IntVar(&fl.Groups, "groups", 32, "most group-norm groups per layer (each uses the largest divisor of its channels up to this)")
	f.Float64Var(&fl.Dropout, "dropout", 0, "dropout inside the residual blocks (UNCONFIRMED in the paper)")
	f.BoolVar(&fl.PeriodicH, "periodic-h", true, "periodic padding along height (vorticity: both axes; default false for NetCDF data on a lat-lon grid: no wrap across the poles)")
	f.BoolVar(&fl.PeriodicW, "periodic-w", true, "periodic padding along width")
	f.Float64Var(&fl.SigmaData, "sigma-data", 0.5, "EDM's σ_data")
	f.Float64Var(&fl.PMean, "p-mean", -1.2, "training noise ln σ ~ N(p-mean, p-std²)")
	f.Float64Var(&fl.PStd, "p-std", 1.2, "training noise ln σ ~ N(p-mean, p-std²)")
	f.BoolVar(&fl.StartOver, "start-over", false, "replace a run directory recorded with other settings instead of refusing it")
	cli.AddStaticFlags(f, &fl.Static, "whole fields (not with --crop)")
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
	fl.PeriodicHGiven = cmd.Flags().Changed("periodic-h")
	return fl.check()
}

// check validates the shared flags by name.
func (fl *guidedTrainFlags) check() error {
	if fl.Run == "" {
		return fmt.Errorf("--run is required: the run directory")
	}
	return fl.TrainSettings.Check()
}

// trainOptions maps the shared flags onto imagerun.TrainOptions of the model kind.
func (fl *guidedTrainFlags) trainOptions(cmd *cobra.Command, kind string, activations int64) imagerun.TrainOptions {
	o := fl.TrainOptions
	o.Kind, o.ActivationBytes, o.Backend, o.Log = kind, activations, cli.NewBackend, cli.ProgressWriter(cmd, fl.quiet)
	o.Resolved = func(name, value string) { _ = cmd.Flags().Lookup(name).Value.Set(value) } // config.yaml records it
	return o
}

// runGuidedTraining prepares and runs the training (within the memory budget) and writes the resolved
// flags to RUN/config.yaml.
func runGuidedTraining(cmd *cobra.Command, o imagerun.TrainOptions) (err error) {
	if o.Budget, err = cli.Budget(); err != nil {
		return err
	}
	tr, err := imagerun.PrepareTraining(o)
	if err != nil {
		return err
	}
	sum, err := tr.Run(cmd.Context())
	if err != nil {
		return err
	}
	if err := config.Write(cmd, filepath.Join(o.Run, "config.yaml")); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", o.Run, sum)
	return nil
}
