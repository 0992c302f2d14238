package trainrun

import (
	"fmt"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
)

// resolveTrainFlags fills the defaults that depend on the data and on a recorded run (the head, the
// form and anchor of runs recorded before those flags, the network), refuses the series flags for fields
// and validation flags without --val; it says whether --data is a time series.
func resolveTrainFlags(o *Options) (bool, error) {
	changed := o.given
	seriesData, err := cli.DataIsSeries("data", o.Data, o.Series.Format)
	if err != nil {
		return false, err
	}
	if !changed("head") && recordsNoHead(o.Run) {
		o.Head = "" // a run recorded before --head existed resumes with the head it was trained with (norm)
	}
	if !changed("param") && !changed("anchor") && recordsNoParam(o.Run) {
		o.Param, o.Anchor = "", "" // a run recorded before --param resumes in the form it was trained in (ddpm, no anchor)
	}
	if rec, ok := recordedEDM(o.Run); ok { // a run resumes with the settings it records, unless given
		if !changed("sigma-data") {
			o.SigmaData = rec.SigmaData
		}
		if !changed("edm-output") {
			o.EDMOutput = rec.Output
		}
	} else if seriesData {
		def := dymodel.DefaultSeriesEDM()
		if !changed("sigma-data") {
			o.SigmaData = def.SigmaData
		}
		if !changed("edm-output") {
			o.EDMOutput = def.Output
		}
	}
	if !seriesData {
		resolveFieldGuards(o)
	} else if changed("context-noise") {
		return false, fmt.Errorf("--context-noise is for fields; --data %s is a time series (its network scales each window by its context, which the noise would change)", o.Data)
	}
	if seriesData && !changed("anchor") && o.Param != "" {
		o.Anchor = dymodel.SeriesDefaultAnchor // series default to the walk anchor (docs/SERIES.md)
	}
	if o.Net == "" {
		o.Net = "unet"
		if seriesData {
			o.Net = "series"
		}
	}
	if !seriesData {
		for _, name := range append([]string{"rank", "time-attn"}, cli.SeriesOnlyFlags...) { // train has no --windows: Changed is false for it
			if changed(name) {
				return false, fmt.Errorf("--%s is for time series [T, N]; --data %s is an array", name, o.Data)
			}
		}
	}
	if o.Val == "" {
		for i, name := range []string{"val-every", "preview-every"} {
			if v := []int{o.ValEvery, o.PreviewEvery}[i]; changed(name) && v != 0 {
				return false, fmt.Errorf("--%s %d needs --val, the validation series (without it there is none: 0)", name, v)
			}
		}
		o.ValEvery, o.PreviewEvery = 0, 0
	}
	return seriesData, nil
}

// resolveFieldGuards gives a field run the defaults that keep its training and its long rollouts
// stable, dymodel.DefaultClipGradNorm and dymodel.DefaultContextNoise, unless --clip-grad-norm or
// --context-noise is given; a recorded run resumes with the values it records (runs recorded before
// these defaults: neither).
func resolveFieldGuards(o *Options) {
	clip, noise := dymodel.DefaultClipGradNorm, dymodel.DefaultContextNoise
	if c, n, rec := recordedGuards(o.Run); rec {
		clip, noise = c, n
	}
	if !o.given("clip-grad-norm") {
		o.ClipGradNorm = clip
		o.resolved("clip-grad-norm", fmt.Sprint(clip)) // so that config.yaml records what the run used
	}
	if !o.given("context-noise") {
		o.CtxNoise = noise
		o.resolved("context-noise", fmt.Sprint(noise))
	}
}

// checkTrainDyDiffFlags refuses bad flags by name and completes the video network's temporal levels.
func checkTrainDyDiffFlags(o *Options, seriesData bool) error {
	changed := o.given
	if err := guard.First(
		guard.Int("context", o.Context, 1, 1<<10), guard.Int("predict", o.Predict, 1, 1<<10),
		guard.Int("stride", o.Stride, 1, cli.MaxCount),
		guard.Between("eta", o.Eta, 0, 1), guard.Finite("lr", o.LR), guard.AtLeast("weight-decay", o.WeightDecay, 0),
		guard.AtLeast("clip-grad-norm", o.ClipGradNorm, 0), guard.Finite("ema-halflife", o.EMAHalfLife), guard.AtLeast("ema-rampup", o.EMARampUp, 0),
		guard.Between("dropout", o.Dropout, 0, 1), guard.Between("context-noise", o.CtxNoise, 0, 10),
		guard.Int("channels", o.Channels, 4, 4096), guard.Ints("mults", o.Mults, 1, 64), guard.Int("blocks", o.Blocks, 1, 64),
		guard.Ints("attn-levels", o.AttnLevels, 0, len(o.Mults)-1), guard.Int("heads", o.Heads, 1, 4096), guard.Int("groups", o.Groups, 1, 4096),
		guard.Int("steps", o.Steps, 1, 1<<30), guard.Int("batch", o.Batch, 1, 1<<20), guard.Int("warmup", o.Warmup, 0, 1<<30),
		guard.Int("log-every", o.LogEvery, 1, 1<<30), guard.Int("checkpoint-every", o.CheckpointEvery, 1, 1<<30),
		guard.Int("keep-checkpoints", o.KeepCheckpoints, 1, 1<<20), guard.Int("val-every", o.ValEvery, 0, 1<<30), guard.Int("val-batches", o.ValBatches, 1, 1<<20),
		guard.Int("preview-every", o.PreviewEvery, 0, 1<<30), guard.Int("preview-cases", o.PreviewCases, 1, 1<<16),
		guard.Int("preview-members", o.PreviewMembers, 2, 1<<10), guard.Int("preview-steps", o.PreviewSteps, 1, 1000),
		guard.Int("rank", o.Rank, 0, 4096), guard.Int("train-rows", o.Series.TrainRows, 0, 1<<30),
	); err != nil {
		return err
	}
	if err := checkTrainCombos(*o, seriesData); err != nil {
		return err
	}
	if err := guard.First(guard.Ints("temporal-conv", o.TemporalConv, 0, len(o.Mults)-1), guard.Ints("temporal-attn", o.TemporalAttn, 0, len(o.Mults)-1),
		checkDiTFlags(*o, changed)); err != nil {
		return err
	}
	if o.Net == "video" {
		if !changed("temporal-conv") {
			o.TemporalConv = make([]int, len(o.Mults))
			for i := range o.TemporalConv {
				o.TemporalConv[i] = i
			}
		}
		if !changed("temporal-attn") {
			o.TemporalAttn = []int{len(o.Mults) - 1}
		}
	}
	if _, ok := dymodel.Noisings[o.Noising]; !ok {
		return fmt.Errorf("--noising %q: expected dependent, independent or noise-only", o.Noising)
	}
	if err := checkParamFlags(*o, changed, seriesData); err != nil {
		return err
	}
	return nil
}

// checkTrainCombos refuses values out of their ranges and flags that exclude each other.
func checkTrainCombos(o Options, seriesData bool) error {
	switch {
	case o.Eta >= 1:
		return fmt.Errorf("--eta %v: expected 0 ≤ η < 1 (η = 1 makes InverseDynamics divide by √γ̄ ≈ 5e-5 near t = T)", o.Eta)
	case !(o.LR > 0):
		return fmt.Errorf("--lr %v: expected a learning rate > 0", o.LR)
	case !(o.EMAHalfLife > 0):
		return fmt.Errorf("--ema-halflife %v: expected > 0 windows", o.EMAHalfLife)
	case o.Dropout >= 1:
		return fmt.Errorf("--dropout %v: expected a rate in [0, 1)", o.Dropout)
	case o.CheckpointEvery%o.LogEvery != 0:
		return fmt.Errorf("--checkpoint-every %d: expected a multiple of --log-every %d", o.CheckpointEvery, o.LogEvery)
	case o.ValEvery%o.LogEvery != 0:
		return fmt.Errorf("--val-every %d: expected a multiple of --log-every %d", o.ValEvery, o.LogEvery)
	case o.PreviewEvery%o.LogEvery != 0:
		return fmt.Errorf("--preview-every %d: expected a multiple of --log-every %d", o.PreviewEvery, o.LogEvery)
	case o.Schedule != "constant" && o.Schedule != "cosine":
		return fmt.Errorf("--lr-schedule %q: expected constant or cosine", o.Schedule)
	case o.Head != "linear" && o.Head != "norm" && o.Head != "":
		return fmt.Errorf("--head %q: expected linear or norm", o.Head)
	case o.Net != "unet" && o.Net != "video" && o.Net != "series" && o.Net != "dit":
		return fmt.Errorf("--net %q: expected unet, video, dit or series", o.Net)
	case o.Net == "series" && !seriesData:
		return fmt.Errorf("--net series needs a time series [T, N] in --data (LSTNet text, CSV or GluonTS JSON lines), not %s", o.Data)
	case o.Net != "series" && seriesData:
		return fmt.Errorf("--net %s takes fields [frames, channels, H, W] (NPY); the time series --data %s needs --net series", o.Net, o.Data)
	case o.Net != "video" && (len(o.TemporalConv) > 0 || len(o.TemporalAttn) > 0):
		return fmt.Errorf("--temporal-conv and --temporal-attn need --net video")
	}
	return nil
}

// checkParamFlags checks --param, --anchor and the EDM flags: the EDM settings only with --param edm,
// edm only where the noise stays white after InverseDynamics, and a series anchored at its last
// observation only with a context of at least two rows (its scale is the context's increments).
func checkParamFlags(o Options, changed func(string) bool, seriesData bool) error {
	switch {
	case seriesData && (o.Anchor == dymodel.AnchorLast || o.Anchor == dymodel.AnchorWalk) && o.Context < 2:
		return fmt.Errorf("--anchor %s on a series needs --context ≥ 2 (the window is scaled by the context's increments), got %d; use --anchor none", o.Anchor, o.Context)
	case o.Param != dymodel.ParamEDM && o.Param != dymodel.ParamDDPM && o.Param != "":
		return fmt.Errorf("--param %q: expected edm or ddpm", o.Param)
	case o.Anchor != dymodel.AnchorLast && o.Anchor != dymodel.AnchorNone && o.Anchor != dymodel.AnchorWalk && o.Anchor != "":
		return fmt.Errorf("--anchor %q: expected last, walk (series) or none", o.Anchor)
	case o.Anchor == dymodel.AnchorWalk && !seriesData:
		return fmt.Errorf("--anchor walk is for time series (departures scaled as a random walk's); fields take last or none")
	case o.Param == dymodel.ParamEDM && o.Noising != "dependent" && o.Eta != 0:
		return fmt.Errorf("--param edm needs --noising dependent (white noise after InverseDynamics), got --noising %s at --eta %v; use --param ddpm for the ablations", o.Noising, o.Eta)
	}
	if o.Param != dymodel.ParamEDM {
		for _, name := range []string{"sigma-data", "p-mean", "p-std", "edm-output"} {
			if changed(name) {
				return fmt.Errorf("--%s is a setting of --param edm, not of --param %s", name, o.Param)
			}
		}
		return nil
	}
	if o.EDMOutput != "" && o.EDMOutput != dydiff.OutputWindow && o.EDMOutput != dydiff.OutputDynamics {
		return fmt.Errorf("--edm-output %q: expected %s or %s", o.EDMOutput, dydiff.OutputWindow, dydiff.OutputDynamics)
	}
	return guard.First(guard.AtLeast("sigma-data", o.SigmaData, 1e-6), guard.Finite("p-mean", o.PMean), guard.AtLeast("p-std", o.PStd, 1e-6))
}

// ditOnlyFlags size the DiT only.
var ditOnlyFlags = []string{"patch", "hidden", "depth"}

// unetOnlyFlags size the UNet and the video UNet, not the DiT.
var unetOnlyFlags = []string{"channels", "mults", "blocks", "attn-levels", "groups", "head", "dropout", "temporal-conv", "temporal-attn"}

// checkDiTFlags refuses DiT flags without --net dit, the UNet's sizes with it (given on the command
// line), and DiT sizes out of range, each error naming its flag. It needs no data: the patch against
// the frames is setDiT's.
func checkDiTFlags(o Options, changed func(string) bool) error {
	if o.Net != "dit" {
		for _, name := range ditOnlyFlags {
			if changed(name) {
				return fmt.Errorf("--%s sizes the transformer of --net dit; --net %s does not take it", name, o.Net)
			}
		}
		return nil
	}
	for _, name := range unetOnlyFlags {
		if changed(name) {
			return fmt.Errorf("--%s sizes the UNet; --net dit is sized by --patch, --hidden, --depth and --heads", name)
		}
	}
	return CheckDiTSizes(o.DiT, o.Heads)
}

// CheckDiTSizes refuses the sizes of a DiT (nets.DiT; Peebles & Xie 2023) that are out of range, each
// error naming its flag (--patch, --hidden, --depth, --heads): a token width that is not a multiple of 4
// (the 2D sin-cos position embedding) or of the heads. `train dydiff --net dit` and the image models'
// `train idm|vdm --net dit` check their DiT with it.
func CheckDiTSizes(d DiT, heads int) error {
	if err := guard.First(guard.Int("patch", d.Patch, 1, 64), guard.Int("hidden", d.Hidden, 4, 8192),
		guard.Int("depth", d.Depth, 1, 1024), guard.Int("heads", heads, 1, 4096)); err != nil {
		return err
	}
	switch {
	case d.Hidden%4 != 0:
		return fmt.Errorf("--hidden %d: expected a multiple of 4 (the 2D sin-cos position embedding takes a quarter for each of sin and cos of row and column)", d.Hidden)
	case d.Hidden%heads != 0:
		return fmt.Errorf("--heads %d does not divide --hidden %d: each head takes hidden/heads channels", heads, d.Hidden)
	}
	return nil
}

// setDiT records the DiT's settings in mc for --net dit (nil otherwise), and clears the UNet's, which
// it does not use; a patch larger than the frames (one token, mostly padding) is refused.
func setDiT(mc *dymodel.Config, o Options) error {
	if o.Net != "dit" {
		return nil
	}
	H, W := mc.Frame[1], mc.Frame[2]
	if o.DiT.Patch > min(H, W) {
		return fmt.Errorf("--patch %d is larger than the %d×%d frames of --data %s: expected at most %d", o.DiT.Patch, H, W, o.Data, min(H, W))
	}
	mc.UNet = dymodel.UNetConfig{}
	mc.DiT = &dymodel.DiTConfig{Patch: o.DiT.Patch, Hidden: o.DiT.Hidden, Depth: o.DiT.Depth, Heads: o.Heads, MLPRatio: 4,
		WrapW: o.Periodic || o.PeriodicLon}
	return nil
}
