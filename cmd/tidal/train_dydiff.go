package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/cli"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/internal/config"
	"github.com/tidal-forecast/tidal/train"
)

func init() { trainCmd.AddCommand(newTrainDyDiffCmd()) }

// trainDyDiffFlags are the flags of `tidal train dydiff`.
type trainDyDiffFlags struct {
	data, val, out, net, noising, schedule, head  string
	param, anchor                                 string
	sigmaData, pMean, pStd                        float64
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
	dit                                           ditFlags

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
	f.Float64Var(&fl.clip, "clip-grad-norm", 0, "maximum global gradient norm (0: no clipping)")
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

// runConfig is what a DyDiff run records as its configuration: the model's (what a snapshot needs
// for forecasting) and the preview's settings.
type runConfig struct {
	dymodel.Config
	Preview *dymodel.PreviewOptions `json:"preview,omitempty"`
}

// recordsNoHead reports whether the run directory dir records a DyDiff UNet configuration without
// an output head: a run started before --head existed, whose network has the norm head.
func recordsNoHead(dir string) bool {
	c := recordedConfig(dir)
	if c == nil {
		return false
	}
	unet, ok := c["unet"].(map[string]any)
	if !ok {
		return false
	}
	_, ok = unet["head"]
	return !ok
}

// recordsNoParam reports whether the run directory dir records a DyDiff configuration without a
// training form: a run started before --param existed (for series, before series took it), trained in
// the ddpm form without an anchor.
func recordsNoParam(dir string) bool {
	c := recordedConfig(dir)
	if c == nil {
		return false
	}
	_, ok := c["param"]
	return !ok
}

// recordedEDM is the EDM settings an EDM-form DyDiff run in dir records: σ_data, and the output space
// ("" for runs recorded before --edm-output, whose network predicts the mixed variables); false when
// dir holds no such run.
func recordedEDM(dir string) (dymodel.EDMConfig, bool) {
	c := recordedConfig(dir)
	if c == nil || c["param"] != dymodel.ParamEDM {
		return dymodel.EDMConfig{}, false
	}
	edm, _ := c["edm"].(map[string]any)
	sd, ok := edm["sigma_data"].(float64)
	if !ok {
		return dymodel.EDMConfig{}, false
	}
	out, _ := edm["output"].(string)
	return dymodel.EDMConfig{SigmaData: sd, Output: out}, true
}

// recordedConfig is the DyDiff configuration recorded in dir's options.json, nil if there is none.
func recordedConfig(dir string) map[string]any {
	b, err := os.ReadFile(filepath.Join(dir, "options.json"))
	if err != nil {
		return nil
	}
	var rec struct {
		Config map[string]any `json:"config"`
	}
	if json.Unmarshal(b, &rec) != nil || rec.Config["method"] != dymodel.Method {
		return nil
	}
	return rec.Config
}

func runTrainDyDiff(cmd *cobra.Command, fl trainDyDiffFlags) error {
	if fl.out == "" {
		return fmt.Errorf("--run is required: the run directory")
	}
	seriesData, err := resolveTrainFlags(cmd, &fl)
	if err != nil {
		return err
	}
	if err := checkTrainDyDiffFlags(cmd, &fl, seriesData); err != nil {
		return err
	}
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	if fl.latent != "" && (fl.actions != "" || isVideoFile(fl.data)) {
		return fmt.Errorf("--latent %s: latent DyDiff takes fields [frames, channels, H, W]; videos with actions (--data %s, --actions) train in pixel space", fl.latent, fl.data)
	}
	if fl.latent != "" {
		return runTrainDyDiffLatent(cmd, fl, b, seriesData)
	}
	if isVideoFile(fl.data) && !seriesData {
		return runTrainDyDiffVideo(cmd, fl, b) // actions.go
	} else if fl.actions != "" && !seriesData {
		return fmt.Errorf("--actions %s: for video data (--data FILE.npz with frames and actions, tidal data pushing); --data %s holds none", fl.actions, fl.data)
	}
	if seriesData {
		if fl.static.Path != "" {
			return fmt.Errorf("--static %s: static fields condition networks on fields [frames, channels, H, W]; --data %s is a time series", fl.static.Path, fl.data)
		}
		return runTrainDyDiffSeries(cmd, fl, b)
	}
	tr, va, static, to, err := fieldTrainInputs(cmd, &fl, b)
	if err != nil {
		return err
	}
	mc, err := fieldModelConfig(fl, tr.Shape[1:], static)
	if err != nil {
		return err
	}
	return trainFields(cmd, fl, b, mc, tr, va, static, to)
}

// resolveTrainFlags fills the defaults that depend on the data and on a recorded run (the head, the
// form and anchor of runs recorded before those flags, the network), refuses the series flags for fields
// and validation flags without --val; it says whether --data is a time series.
func resolveTrainFlags(cmd *cobra.Command, fl *trainDyDiffFlags) (bool, error) {
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	seriesData, err := cli.DataIsSeries("data", fl.data, fl.series.Format)
	if err != nil {
		return false, err
	}
	if !changed("head") && recordsNoHead(fl.out) {
		fl.head = "" // a run recorded before --head existed resumes with the head it was trained with (norm)
	}
	if !changed("param") && !changed("anchor") && recordsNoParam(fl.out) {
		fl.param, fl.anchor = "", "" // a run recorded before --param resumes in the form it was trained in (ddpm, no anchor)
	}
	if rec, ok := recordedEDM(fl.out); ok { // a run resumes with the settings it records, unless given
		if !changed("sigma-data") {
			fl.sigmaData = rec.SigmaData
		}
		if !changed("edm-output") {
			fl.edmOutput = rec.Output
		}
	} else if seriesData {
		def := dymodel.DefaultSeriesEDM()
		if !changed("sigma-data") {
			fl.sigmaData = def.SigmaData
		}
		if !changed("edm-output") {
			fl.edmOutput = def.Output
		}
	}
	if seriesData && !changed("anchor") && fl.param != "" {
		fl.anchor = SeriesDefaultAnchor // series default to the walk anchor (docs/SERIES.md)
	}
	if fl.net == "" {
		fl.net = "unet"
		if seriesData {
			fl.net = "series"
		}
	}
	if !seriesData {
		for _, name := range append([]string{"rank", "time-attn"}, cli.SeriesOnlyFlags...) { // train has no --windows: Changed is false for it
			if changed(name) {
				return false, fmt.Errorf("--%s is for time series [T, N]; --data %s is an array", name, fl.data)
			}
		}
	}
	if fl.val == "" {
		for _, name := range []string{"val-every", "preview-every"} {
			if v, _ := cmd.Flags().GetInt(name); changed(name) && v != 0 {
				return false, fmt.Errorf("--%s %d needs --val, the validation series (without it there is none: 0)", name, v)
			}
		}
		fl.valEvery, fl.previewEvery = 0, 0
	}
	return seriesData, nil
}

// checkTrainDyDiffFlags refuses bad flags by name and completes the video network's temporal levels.
func checkTrainDyDiffFlags(cmd *cobra.Command, fl *trainDyDiffFlags, seriesData bool) error {
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	if err := guard.First(
		guard.Int("context", fl.context, 1, 1<<10), guard.Int("predict", fl.predict, 1, 1<<10),
		guard.Int("stride", fl.stride, 1, cli.MaxCount),
		guard.Between("eta", fl.eta, 0, 1), guard.Finite("lr", fl.lr), guard.AtLeast("weight-decay", fl.wd, 0),
		guard.AtLeast("clip-grad-norm", fl.clip, 0), guard.Finite("ema-halflife", fl.emaHalf), guard.AtLeast("ema-rampup", fl.emaRamp, 0),
		guard.Between("dropout", fl.dropout, 0, 1),
		guard.Int("channels", fl.channels, 4, 4096), guard.Ints("mults", fl.mults, 1, 64), guard.Int("blocks", fl.blocks, 1, 64),
		guard.Ints("attn-levels", fl.attn, 0, len(fl.mults)-1), guard.Int("heads", fl.heads, 1, 4096), guard.Int("groups", fl.groups, 1, 4096),
		guard.Int("steps", fl.steps, 1, 1<<30), guard.Int("batch", fl.batch, 1, 1<<20), guard.Int("warmup", fl.warmup, 0, 1<<30),
		guard.Int("log-every", fl.logEvery, 1, 1<<30), guard.Int("checkpoint-every", fl.ckEvery, 1, 1<<30),
		guard.Int("keep-checkpoints", fl.keep, 1, 1<<20), guard.Int("val-every", fl.valEvery, 0, 1<<30), guard.Int("val-batches", fl.valBatches, 1, 1<<20),
		guard.Int("preview-every", fl.previewEvery, 0, 1<<30), guard.Int("preview-cases", fl.previewCases, 1, 1<<16),
		guard.Int("preview-members", fl.previewMembers, 2, 1<<10), guard.Int("preview-steps", fl.previewSteps, 1, 1000),
		guard.Int("rank", fl.rank, 0, 4096), guard.Int("train-rows", fl.series.TrainRows, 0, 1<<30),
	); err != nil {
		return err
	}
	if err := checkTrainCombos(*fl, seriesData); err != nil {
		return err
	}
	if err := guard.First(guard.Ints("temporal-conv", fl.tconv, 0, len(fl.mults)-1), guard.Ints("temporal-attn", fl.tattn, 0, len(fl.mults)-1),
		checkDiTFlags(*fl, changed)); err != nil {
		return err
	}
	if fl.net == "video" {
		if !changed("temporal-conv") {
			fl.tconv = make([]int, len(fl.mults))
			for i := range fl.tconv {
				fl.tconv[i] = i
			}
		}
		if !changed("temporal-attn") {
			fl.tattn = []int{len(fl.mults) - 1}
		}
	}
	if _, ok := dymodel.Noisings[fl.noising]; !ok {
		return fmt.Errorf("--noising %q: expected dependent, independent or noise-only", fl.noising)
	}
	if err := checkParamFlags(*fl, changed, seriesData); err != nil {
		return err
	}
	return nil
}

// checkTrainCombos refuses values out of their ranges and flags that exclude each other.
func checkTrainCombos(fl trainDyDiffFlags, seriesData bool) error {
	switch {
	case fl.eta >= 1:
		return fmt.Errorf("--eta %v: expected 0 ≤ η < 1 (η = 1 makes InverseDynamics divide by √γ̄ ≈ 5e-5 near t = T)", fl.eta)
	case !(fl.lr > 0):
		return fmt.Errorf("--lr %v: expected a learning rate > 0", fl.lr)
	case !(fl.emaHalf > 0):
		return fmt.Errorf("--ema-halflife %v: expected > 0 windows", fl.emaHalf)
	case fl.dropout >= 1:
		return fmt.Errorf("--dropout %v: expected a rate in [0, 1)", fl.dropout)
	case fl.ckEvery%fl.logEvery != 0:
		return fmt.Errorf("--checkpoint-every %d: expected a multiple of --log-every %d", fl.ckEvery, fl.logEvery)
	case fl.valEvery%fl.logEvery != 0:
		return fmt.Errorf("--val-every %d: expected a multiple of --log-every %d", fl.valEvery, fl.logEvery)
	case fl.previewEvery%fl.logEvery != 0:
		return fmt.Errorf("--preview-every %d: expected a multiple of --log-every %d", fl.previewEvery, fl.logEvery)
	case fl.schedule != "constant" && fl.schedule != "cosine":
		return fmt.Errorf("--lr-schedule %q: expected constant or cosine", fl.schedule)
	case fl.head != "linear" && fl.head != "norm" && fl.head != "":
		return fmt.Errorf("--head %q: expected linear or norm", fl.head)
	case fl.net != "unet" && fl.net != "video" && fl.net != "series" && fl.net != "dit":
		return fmt.Errorf("--net %q: expected unet, video, dit or series", fl.net)
	case fl.net == "series" && !seriesData:
		return fmt.Errorf("--net series needs a time series [T, N] in --data (LSTNet text, CSV or GluonTS JSON lines), not %s", fl.data)
	case fl.net != "series" && seriesData:
		return fmt.Errorf("--net %s takes fields [frames, channels, H, W] (NPY); the time series --data %s needs --net series", fl.net, fl.data)
	case fl.net != "video" && (len(fl.tconv) > 0 || len(fl.tattn) > 0):
		return fmt.Errorf("--temporal-conv and --temporal-attn need --net video")
	}
	return nil
}

// fieldTrainInputs reads the headers of --data and --val, resolves the grid's periodicity, reads the
// static fields and checks the run directory.
func fieldTrainInputs(cmd *cobra.Command, fl *trainDyDiffFlags, b guard.Budget) (tr, va *cli.Input, static *dataset.Static, to *cli.TrainOut, err error) {
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	L := fl.context + fl.predict
	layout := "[frames, channels, height, width]"
	tr, err = cli.StatInput("data", fl.data, 4, 4, layout)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if tr.Shape[0] < L {
		return nil, nil, nil, nil, fmt.Errorf("%s has %d frames, fewer than --context %d + --predict %d = %d of one window", tr, tr.Shape[0], fl.context, fl.predict, L)
	}
	inputs := []*cli.Input{tr}
	if fl.val != "" {
		if va, err = cli.StatInput("val", fl.val, 4, 4, layout); err != nil {
			return nil, nil, nil, nil, err
		}
		if fmt.Sprint(va.Shape[1:]) != fmt.Sprint(tr.Shape[1:]) {
			return nil, nil, nil, nil, fmt.Errorf("%s has frames %v, --data %s has %v", va, va.Shape[1:], fl.data, tr.Shape[1:])
		}
		if va.Shape[0] < L {
			return nil, nil, nil, nil, fmt.Errorf("%s has %d frames, fewer than --context %d + --predict %d = %d of one window", va, va.Shape[0], fl.context, fl.predict, L)
		}
		inputs = append(inputs, va)
	}
	switch {
	case changed("periodic-lon") && fl.periodicLon && changed("periodic") && fl.periodic:
		return nil, nil, nil, nil, fmt.Errorf("--periodic (both axes) and --periodic-lon (longitude only) exclude each other: give one")
	case !changed("periodic-lon") && !changed("periodic") && tr.Src.IsLatLon():
		fl.periodicLon = true // a global lat-lon grid: periodic in longitude, not across the poles
	}
	if fl.periodicLon {
		fl.periodic = false
	}
	static, err = cli.ReadStatic(b, fl.static, tr.Shape[2], tr.Shape[3])
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if static != nil {
		inputs = append(inputs, &cli.Input{Flag: "static", Path: fl.static.Path})
	}
	if info, err := os.Stat(fl.out); err == nil && !info.IsDir() {
		return nil, nil, nil, nil, fmt.Errorf("--run %s is a file; expected a run directory", fl.out)
	}
	to, err = cli.CheckTrainOut(fl.out, inputs...)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return tr, va, static, to, nil
}

// fieldModelConfig is the DyDiff configuration of the flags for frames of the given shape.
func fieldModelConfig(fl trainDyDiffFlags, frame []int, static *dataset.Static) (dymodel.Config, error) {
	mc := dymodel.Config{Method: dymodel.Method, Net: fl.net, Context: fl.context, Predict: fl.predict, Eta: fl.eta,
		Noising: fl.noising, Frame: append([]int(nil), frame...),
		UNet: dymodel.UNetConfig{Channels: fl.channels, Mults: fl.mults, Blocks: fl.blocks, AttnLevels: fl.attn,
			Heads: fl.heads, Groups: fl.groups, Periodic: fl.periodic, PeriodicLon: fl.periodicLon, Dropout: fl.dropout,
			TemporalConv: fl.tconv, TemporalAttn: fl.tattn, Head: fl.head},
		Param: fl.param, Anchor: fl.anchor}
	if fl.param == dymodel.ParamEDM {
		mc.EDM = dymodel.EDMConfig{SigmaData: fl.sigmaData, PMean: fl.pMean, PStd: fl.pStd, Output: fl.edmOutput}
	}
	if err := setDiT(&mc, fl); err != nil {
		return mc, err
	}
	if static != nil {
		n := static.Norm()
		mc.Static = &dymodel.StaticConfig{Channels: static.Channels, Mean: n.Mean, Std: n.Std}
	}
	return mc, nil
}

// trainFields checks the model and the memory, reads the data and trains the field model.
func trainFields(cmd *cobra.Command, fl trainDyDiffFlags, b guard.Budget, mc dymodel.Config, tr, va *cli.Input, static *dataset.Static, to *cli.TrainOut) error {
	L := fl.context + fl.predict
	m, err := dymodel.New(mc)
	if err != nil {
		return networkFlagError(tr.String(), err, fl)
	}
	if err := m.SetStatic(static); err != nil {
		return fmt.Errorf("--static: %w", err)
	}
	if _, err := m.Schedule.Timesteps(fl.previewSteps); err != nil && !mc.IsEDM() {
		return fmt.Errorf("--preview-steps %d: %w", fl.previewSteps, err)
	}
	need := guard.Sum(tr.Bytes(), guard.Product(int64(data.NumElements(tr.Shape)), 4, 2), m.TrainBytes(fl.batch))
	if va != nil {
		need = guard.Sum(need, va.Bytes(), guard.Product(int64(data.NumElements(va.Shape)), 4, 2), m.SampleBytes(fl.previewMembers))
	}
	what := fmt.Sprintf("training a %d-parameter DyDiff %s network on batches of %d windows %v", m.NumParams(), fl.net, fl.batch, append([]int{L}, mc.Frame...))
	if err := b.CheckMemory(what, need); err != nil {
		return err
	}
	spec := dymodel.TrainSpec{Config: mc, Options: trainOptions(fl), Stride: fl.stride, Dir: fl.out, Static: static,
		Preview: &dymodel.PreviewOptions{Cases: fl.previewCases, Members: fl.previewMembers, Steps: fl.previewSteps},
		Log:     cli.ProgressWriter(cmd, fl.quiet), StartOver: fl.startOver, Take: true} // one copy of the training data, not two
	if spec.Data, err = tr.Read(b); err != nil {
		return err
	}
	if va != nil {
		if spec.Val, err = va.Read(b); err != nil {
			return err
		}
	}
	name, be, err := cli.NewBackend()
	if err != nil {
		return err
	}
	defer be.Finalize()
	spec.Backend = be
	t, err := dymodel.NewTrainer(spec)
	if err != nil {
		return fmt.Errorf("--data %s: %w", fl.data, err)
	}
	if err := cli.SaveRunStatic(fl.out, static, fl.startOver); err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "train dydiff: η %v (%s noise), %d-parameter %s network, windows %d+%d of %v, %d training windows, backend %s\n",
		fl.eta, fl.noising, m.NumParams(), fl.net, fl.context, fl.predict, mc.Frame, t.Windows, name)
	return runTrainJob(cmd, to, t.Job)
}

// checkParamFlags checks --param, --anchor and the EDM flags: the EDM settings only with --param edm,
// edm only where the noise stays white after InverseDynamics, and a series anchored at its last
// observation only with a context of at least two rows (its scale is the context's increments).
func checkParamFlags(fl trainDyDiffFlags, changed func(string) bool, seriesData bool) error {
	switch {
	case seriesData && (fl.anchor == dymodel.AnchorLast || fl.anchor == dymodel.AnchorWalk) && fl.context < 2:
		return fmt.Errorf("--anchor %s on a series needs --context ≥ 2 (the window is scaled by the context's increments), got %d; use --anchor none", fl.anchor, fl.context)
	case fl.param != dymodel.ParamEDM && fl.param != dymodel.ParamDDPM && fl.param != "":
		return fmt.Errorf("--param %q: expected edm or ddpm", fl.param)
	case fl.anchor != dymodel.AnchorLast && fl.anchor != dymodel.AnchorNone && fl.anchor != dymodel.AnchorWalk && fl.anchor != "":
		return fmt.Errorf("--anchor %q: expected last, walk (series) or none", fl.anchor)
	case fl.anchor == dymodel.AnchorWalk && !seriesData:
		return fmt.Errorf("--anchor walk is for time series (departures scaled as a random walk's); fields take last or none")
	case fl.param == dymodel.ParamEDM && fl.noising != "dependent" && fl.eta != 0:
		return fmt.Errorf("--param edm needs --noising dependent (white noise after InverseDynamics), got --noising %s at --eta %v; use --param ddpm for the ablations", fl.noising, fl.eta)
	}
	if fl.param != dymodel.ParamEDM {
		for _, name := range []string{"sigma-data", "p-mean", "p-std", "edm-output"} {
			if changed(name) {
				return fmt.Errorf("--%s is a setting of --param edm, not of --param %s", name, fl.param)
			}
		}
		return nil
	}
	if fl.edmOutput != "" && fl.edmOutput != dydiff.OutputWindow && fl.edmOutput != dydiff.OutputDynamics {
		return fmt.Errorf("--edm-output %q: expected %s or %s", fl.edmOutput, dydiff.OutputWindow, dydiff.OutputDynamics)
	}
	return guard.First(guard.AtLeast("sigma-data", fl.sigmaData, 1e-6), guard.Finite("p-mean", fl.pMean), guard.AtLeast("p-std", fl.pStd, 1e-6))
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

// trainOptions are the train package's options from the flags.
func trainOptions(fl trainDyDiffFlags) train.Options {
	o := train.Defaults()
	o.Steps, o.BatchSize, o.LR, o.WarmupSteps, o.Schedule = fl.steps, fl.batch, fl.lr, fl.warmup, fl.schedule
	o.WeightDecay, o.ClipNorm, o.EMAHalfLife, o.EMARampUp = fl.wd, fl.clip, fl.emaHalf, fl.emaRamp
	o.LogEvery, o.CheckpointEvery, o.Keep, o.Seed = fl.logEvery, fl.ckEvery, fl.keep, int64(fl.seed)
	o.ValEvery, o.ValBatches, o.PreviewEvery = fl.valEvery, fl.valBatches, fl.previewEvery
	return o
}

// readSeries reads a field series within the budget and checks it (finite values, naming the frame).
func readSeries(b guard.Budget, in *cli.Input) (dataset.Series, error) {
	a, err := in.Read(b)
	if err != nil {
		return dataset.Series{}, err
	}
	s, err := dataset.TakeArray(in.String(), a) // one copy of the training data, not two
	if err != nil {
		return dataset.Series{}, err
	}
	return s, nil
}
