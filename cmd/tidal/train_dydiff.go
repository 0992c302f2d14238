package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/cli/config"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/train"
	"github.com/tidal-forecast/tidal/trainrun"
)

func init() { trainCmd.AddCommand(newTrainDyDiffCmd()) }

// trainDyDiffFlags are the flags of `tidal train dydiff`.
type trainDyDiffFlags struct {
	data, val, out, net, noising, schedule, head  string
	param, anchor                                 string
	sigmaData, pMean, pStd, ctxNoise              float64
	edmOutput                                     string
	context, predict, stride                      int
	eta, lr, wd, clip, emaHalf, emaRamp, dropout  float64
	channels, blocks, heads, groups               int
	mults, attn, tconv, tattn                     []int
	periodic, periodicLon, startOver, quiet       bool
	steps, batch, warmup, logEvery, ckEvery, keep int
	valEvery, valBatches, previewEvery            int
	previewCases, previewMembers, previewSteps    int
	seed                                          uint64
	rank                                          int
	timeAttn                                      bool
	series                                        cli.SeriesFlags
	static                                        cli.StaticFlags
	dit                                           trainrun.DiT

	latent  string // --latent: a VAE run (latent.go)
	actions string // video data: "none" ignores the file's actions (actions.go)
}

func newTrainDyDiffCmd() *cobra.Command {
	var fl trainDyDiffFlags
	cmd := &cobra.Command{
		Use: "dydiff",
		Example: `  tidal train dydiff --data ns_train.npy --val ns_val.npy --context 4 --predict 11 --steps 2000 --run runs/dydiff
  tidal train dydiff --data ns_train.npy --eta 0 --steps 2000 --run runs/dpm --quiet
  tidal train dydiff --data datasets/exchange_rate.txt.gz --context 30 --predict 30 --run runs/fx`,
		Short: "Train a Dynamical Diffusion forecaster (η = 0: the DPM baseline) on a series of fields",
		Long: `dydiff trains Dynamical Diffusion (Guo et al. 2025) on windows of --context observed and --predict
future frames of a field series [frames, channels, H, W] (NPY, e.g. from 'tidal data navier-stokes
--velocity'). The network sees the noisy window, the clean context frames and the context masks stacked
as channels (docs/DYDIFF.md). --eta 0 trains the ordinary diffusion baseline (DPM) with the same network.

The run directory --run holds options.json, norm.json (per-channel mean and std of the training data),
stats.jsonl, resume checkpoints, snapshots (EMA weights with the model's configuration) and config.yaml
(every flag's value, for --config). Running the same command again resumes the run, and a larger
--steps extends a finished one (a cosine schedule then decays over the new total); a --steps below the
steps done and other different options are refused with the differences listed, unless --start-over. 'tidal forecast --run RUN' needs
nothing else.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := config.Apply(cmd); err != nil {
				return err
			}
			return runTrainDyDiff(cmd, fl)
		},
	}
	addTrainDyDiffFlags(cmd, &fl)
	return cmd
}

// addEDMFlags adds the settings of --param edm to `tidal train dydiff`.
func addEDMFlags(f *pflag.FlagSet, fl *trainDyDiffFlags) {
	f.Float64Var(&fl.sigmaData, "sigma-data", dymodel.DefaultEDM().SigmaData, "--param edm: σ_data of the preconditioning, in training standard deviations (series: 1 unless given; runs recorded before keep theirs)")
	f.StringVar(&fl.edmOutput, "edm-output", dymodel.DefaultEDM().Output, "--param edm: the network's output space, window (the window itself, so InverseDynamics does not amplify its errors; fields' default, measured better in docs/RESULTS.md) or dynamics (the mixed variables, like the reference's correlated-noise target; series' default and runs recorded before the flag)")
	f.Float64Var(&fl.pMean, "p-mean", dymodel.DefaultEDM().PMean, "--param edm: training noise levels ln σ ~ N(p-mean, p-std²) (videos with actions: 0.8 unless given, docs/VIDEO.md)")
	f.Float64Var(&fl.ctxNoise, "context-noise", 0, fmt.Sprintf("fields: standard deviation of white noise added to each training window's observed frames, in training standard deviations, so that the model learns to correct its own errors in long rollouts (0: clean contexts); default %g for fields (docs/DYDIFF.md, \"Long rollouts\"); a resumed run keeps the value it records", dymodel.DefaultContextNoise))
	f.Float64Var(&fl.pStd, "p-std", dymodel.DefaultEDM().PStd, "--param edm: training noise levels ln σ ~ N(p-mean, p-std²)")
}

// addTrainDyDiffFlags adds the flags of `tidal train dydiff`.
func addTrainDyDiffFlags(cmd *cobra.Command, fl *trainDyDiffFlags) {
	f := cmd.Flags()
	config.AddFlag(cmd)
	f.StringVar(&fl.data, "data", "", "training data: fields [frames, channels, H, W] (NPY), or a time series [T, N] (LSTNet .txt/.txt.gz, .csv, GluonTS .json/.jsonl)")
	f.StringVar(&fl.val, "val", "", "validation data: fields [frames, channels, H, W] (NPY), normalised with the training data's statistics, or a time series [T, N] of the same series (its windows back to back)")
	f.StringVar(&fl.out, "run", "", "run directory (created; an existing run is resumed)")
	f.IntVar(&fl.context, "context", 4, "observed frames per window (P)")
	f.IntVar(&fl.predict, "predict", 11, "predicted frames per window (S)")
	f.IntVar(&fl.stride, "stride", 1, "frames between the starts of successive training windows")
	f.Float64Var(&fl.eta, "eta", 0.5, "DyDiff's η in [0, 1): weight of the dynamics; 0 is the DPM baseline")
	f.StringVar(&fl.noising, "noising", "dependent", "ablation: dependent (DyDiff), independent (i.i.d. noise, dynamics on the data only), noise-only (dynamics on the noise only)")
	f.StringVar(&fl.param, "param", dymodel.ParamEDM, "training form, edm (DyDiff as a change of variables trained as EDM, sampled with Heun) or ddpm (the reference's ε target, sampled with DDIM)")
	f.StringVar(&fl.anchor, "anchor", dymodel.AnchorLast, "last (model the window as the last observed frame plus a departure: an untrained model forecasts persistence; series are then scaled by their context's increments), walk (series, their default: each step's departure also divided by a random walk's spread at its distance) or none (series: mean scaled)")
	addEDMFlags(f, fl)
	f.StringVar(&fl.net, "net", "", "denoiser: unet (nets.UNet, the window's frames stacked as channels), video (nets.VideoUNet: the UNet per frame with temporal mixing), dit (nets.DiT: a transformer on every frame's patches, attention over space and over the frames) or series (nets.SeriesNet, for [T, N]); default: unet for fields, series for series")
	addDiTFlags(f, &fl.dit)
	f.IntVar(&fl.rank, "rank", 0, "series: inducing points of SeriesNet's mixing across series (0: its default, 8)")
	f.BoolVar(&fl.timeAttn, "time-attn", false, "series: self-attention along time in every SeriesNet block")
	cli.AddSeriesFlags(f, &fl.series, false)
	cli.AddDeprecatedFormatAlias(f, &fl.series)
	cli.AddStaticFlags(f, &fl.static, "fields")
	addLatentFlag(f, &fl.latent, false)
	addTrainActionsFlag(f, &fl.actions)
	f.IntSliceVar(&fl.tconv, "temporal-conv", nil, "video: levels whose blocks are followed by temporal convolutions (default: every level)")
	f.IntSliceVar(&fl.tattn, "temporal-attn", nil, "video: levels whose attention is followed by temporal attention (default: the coarsest)")
	f.IntVar(&fl.channels, "channels", 32, "base width of the UNet (series: SeriesNet's width, default 16)")
	f.IntSliceVar(&fl.mults, "mults", []int{1, 2, 2}, "channel multiplier per UNet level")
	f.IntVar(&fl.blocks, "blocks", 2, "residual blocks per UNet level (series: SeriesNet's blocks, default 2)")
	f.IntSliceVar(&fl.attn, "attn-levels", nil, "UNet levels with self-attention after each block (the middle always has one)")
	f.IntVar(&fl.heads, "heads", 1, "attention heads (dit: each takes --hidden/--heads channels)")
	f.IntVar(&fl.groups, "groups", 32, "most group-norm groups per layer (each uses the largest divisor of its channels up to this)")
	f.StringVar(&fl.head, "head", dymodel.DefaultHead, "the UNet's output layer: linear (a 3×3 conv on the last block's output) or norm (GroupNorm → SiLU → conv, the runs before this flag)")
	f.BoolVar(&fl.periodic, "periodic", true, "periodic padding on both axes (periodic fields such as the turbulence data)")
	f.BoolVar(&fl.periodicLon, "periodic-lon", false, "periodic padding in longitude (width) only, zeros in latitude (no wrap across the poles); default true for NetCDF data on a recognised lat-lon grid")
	f.Float64Var(&fl.dropout, "dropout", 0, "dropout rate in [0, 1) before each block's second convolution")
	f.IntVar(&fl.steps, "steps", 1000, "optimiser steps of the whole run")
	f.IntVar(&fl.batch, "batch", 16, "windows per step")
	f.Float64Var(&fl.lr, "lr", 1e-3, "AdamW learning rate (1e-3 measured better than the reference's 1e-4 at CPU budgets, docs/RESULTS.md; series too, except runs recorded before series took --param, which keep 1e-4)")
	f.IntVar(&fl.warmup, "warmup", 0, "learning-rate warm-up steps")
	f.StringVar(&fl.schedule, "lr-schedule", "constant", "constant or cosine (to 0 after the warm-up)")
	f.Float64Var(&fl.wd, "weight-decay", 0.01, "AdamW weight decay")
	f.Float64Var(&fl.clip, "clip-grad-norm", 0, fmt.Sprintf("maximum global gradient norm (0: no clipping); default %g for fields (a diverging run measured in docs/RESULTS.md), none for series; a resumed run keeps the value it records", dymodel.DefaultClipGradNorm))
	f.Float64Var(&fl.emaHalf, "ema-halflife", 500000, "EMA half-life in training windows")
	f.Float64Var(&fl.emaRamp, "ema-rampup", 0.05, "EMA ramp-up ratio (0: none)")
	f.Uint64Var(&fl.seed, "seed", 1, "seed of the initial weights, the window order and the loss's noise")
	f.IntVar(&fl.logEvery, "log-every", 10, "steps per stats.jsonl line")
	f.IntVar(&fl.ckEvery, "checkpoint-every", 100, "steps per checkpoint and snapshot (a multiple of --log-every)")
	f.IntVar(&fl.keep, "keep-checkpoints", 3, "resume checkpoints kept")
	f.IntVar(&fl.valEvery, "val-every", 100, "steps per validation loss on --val (a multiple of --log-every; 0: none; without --val there is none, whatever the default)")
	f.IntVar(&fl.valBatches, "val-batches", 4, "validation batches")
	f.IntVar(&fl.previewEvery, "preview-every", 100, "steps per scored sample preview of the --val windows (a multiple of --log-every; 0: none; without --val there is none, whatever the default)")
	f.IntVar(&fl.previewCases, "preview-cases", 4, "validation windows forecast by each preview")
	f.IntVar(&fl.previewMembers, "preview-members", 4, "members of each preview forecast")
	f.IntVar(&fl.previewSteps, "preview-steps", 10, "DDIM steps of each preview forecast")
	f.BoolVar(&fl.startOver, "start-over", false, "replace a run recorded with other options instead of refusing it")
	f.BoolVar(&fl.quiet, "quiet", false, "no progress output (the loss lines on standard error)")
	cli.DeprecatedAlias(f, "out", "run")
	cli.DeprecatedAlias(f, "clip", "clip-grad-norm")
	cli.DeprecatedAlias(f, "keep", "keep-checkpoints")
}

// runTrainDyDiff maps the flags onto trainrun.Options, prepares the run and trains it.
func runTrainDyDiff(cmd *cobra.Command, fl trainDyDiffFlags) error {
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	r, err := trainrun.Prepare(fl.options(cmd, b))
	if ne := trainrun.AsNetworkError(err); ne != nil {
		fl.tconv, fl.tattn = ne.Options.TemporalConv, ne.Options.TemporalAttn // as resolved for the network
		return networkFlagError(ne.What, ne.Err, fl)
	} else if err != nil {
		return err
	}
	defer r.Close()
	return runTrainJob(cmd, r.Out, r.Job)
}

// options are the run's options from the flags, within the budget b.
func (fl trainDyDiffFlags) options(cmd *cobra.Command, b guard.Budget) trainrun.Options {
	return trainrun.Options{Data: fl.data, Val: fl.val, Run: fl.out, Latent: fl.latent, Actions: fl.actions,
		Net: fl.net, Noising: fl.noising, Param: fl.param, Anchor: fl.anchor, EDMOutput: fl.edmOutput,
		SigmaData: fl.sigmaData, PMean: fl.pMean, PStd: fl.pStd, Eta: fl.eta, CtxNoise: fl.ctxNoise, Context: fl.context, Predict: fl.predict, Stride: fl.stride,
		Channels: fl.channels, Blocks: fl.blocks, Heads: fl.heads, Groups: fl.groups, Rank: fl.rank,
		Mults: fl.mults, AttnLevels: fl.attn, TemporalConv: fl.tconv, TemporalAttn: fl.tattn, Head: fl.head, Dropout: fl.dropout,
		Periodic: fl.periodic, PeriodicLon: fl.periodicLon, TimeAttn: fl.timeAttn, DiT: fl.dit, Series: fl.series, Static: fl.static,
		Steps: fl.steps, Batch: fl.batch, Warmup: fl.warmup, LogEvery: fl.logEvery, CheckpointEvery: fl.ckEvery,
		KeepCheckpoints: fl.keep, ValEvery: fl.valEvery, ValBatches: fl.valBatches, PreviewEvery: fl.previewEvery,
		PreviewCases: fl.previewCases, PreviewMembers: fl.previewMembers, PreviewSteps: fl.previewSteps, Schedule: fl.schedule,
		LR: fl.lr, WeightDecay: fl.wd, ClipGradNorm: fl.clip, EMAHalfLife: fl.emaHalf, EMARampUp: fl.emaRamp, Seed: fl.seed,
		StartOver: fl.startOver, Given: cmd.Flags().Changed, Resolved: func(name, value string) { _ = cmd.Flags().Set(name, value) },
		Budget: b, Backend: cli.NewBackend, Log: cli.ProgressWriter(cmd, fl.quiet), Stderr: cmd.ErrOrStderr()}
}

// runTrainJob runs the training job, then writes the resolved flags as config.yaml into the run.
func runTrainJob(cmd *cobra.Command, to *cli.TrainOut, job train.Job) (err error) {
	out := to.Path
	done := to.Guard()
	defer func() { done(err) }()
	res, err := train.Run(context.Background(), job)
	if err != nil {
		return err
	}
	if err := config.Write(cmd, filepath.Join(out, "config.yaml")); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: trained to step %d (resumed from %d); forecast with 'tidal forecast --run %s'\n", out, res.Step, res.Resumed, out)
	return nil
}

// readSeries reads a field series within the budget and checks it (finite values, naming the frame).
func readSeries(b guard.Budget, in *cli.Input) (dataset.Series, error) {
	return trainrun.ReadSeries(b, in)
}
