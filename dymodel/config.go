// Package dymodel is a Dynamical Diffusion forecasting model as the commands train and use it: the
// network with the conditioning of Guo et al. 2025 (the reference's "concat-video-mask-1st", see
// docs/DYDIFF.md), its configuration as a run directory records it, the training loss, validation
// previews, and ensemble forecasts that roll forward autoregressively past the model's window. The
// process and samplers are package dydiff's; the loop is package train's.
//
// A program trains a model on fields with Train (a TrainSpec: the data in physical units, the model,
// the loop's options and the run directory, which `tidal forecast` reads too), opens a run with Open,
// and forecasts with Trained.Forecast, which owns the normalisation and the choice of cases and gives
// forecasts and their truth in physical units, ready for package metrics (see the package example).
package dymodel

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/nn"
)

// Method is the name a DyDiff run directory records in its configuration; a run of another method is
// refused by Load.
const Method = "dydiff"

// Config is everything a trained model needs besides its weights and normalisation; it is recorded in
// options.json and in every snapshot, so that `tidal forecast` needs only the run directory.
type Config struct {
	Method string `json:"method"`
	// Net is the denoiser: "unet" (nets.UNet on the window's frames stacked as channels, the
	// reference's layout for its 2D UNet), "video" (nets.VideoUNet: the UNet on every frame with
	// temporal convolutions and attention between frames, the reference's SVD-style VideoUNet) or
	// "series" (nets.SeriesNet on windows [L, N] of a multivariate time series, mean scaled from
	// each window's context; docs/SERIES.md) or "dit" (nets.DiT: a diffusion transformer on every
	// frame's patches, with attention over space and over the frames; docs/NETS.md, "DiT").
	Net string `json:"net"`
	// Context and Predict are the observed and predicted frames of a window (P_ctx and S; the
	// reference's Turbulence setting is 4 and 11).
	Context int `json:"context"`
	Predict int `json:"predict"`
	// Eta is DyDiff's η (γ̄_t = 1 − η(1 − ᾱ_t)); 0 is the DPM baseline with the same network.
	Eta float64 `json:"eta"`
	// Noising is the ablation switch of docs/DIFFUSION.md: "dependent" (DyDiff), "independent"
	// (dynamics on the data only, i.i.d. noise: the reference's use_x_ema='only') or "noise-only"
	// (dynamics on the noise only: use_x_ema=False).
	Noising string `json:"noising"`
	// Frame is the shape of one frame, [channels, height, width], as the training data had it, or
	// [N] (the number of series) for "series".
	Frame []int `json:"frame"`
	// UNet sizes the network of "unet" and "video".
	UNet UNetConfig `json:"unet"`
	// Series sizes the network of "series".
	Series SeriesNetConfig `json:"series,omitempty"`
	// DiT sizes the network of "dit"; nil takes nets.DiT's defaults. Only "dit" records one.
	DiT *DiTConfig `json:"dit,omitempty"`
	// Param is the training parameterisation: "ddpm", the reference's (ε target, t uniform over the
	// cosine ᾱ table, sampled with DDIM or DDPM; what runs that record none were trained with), or "edm"
	// (DyDiff as a change of variables, trained as EDM: dydiff.EDMDenoiser, σ log-normal, EDM's loss
	// weights; sampled with EDM's Heun).
	Param string `json:"param,omitempty"`
	// Anchor is "none" (or empty: the window itself is modelled) or "last": the window is modelled as the
	// last observed frame plus a departure, x = x_last + y, so a network that predicts no departure
	// forecasts persistence. A series is then scaled by its context's increments (nets.IncrementScale)
	// instead of its mean (docs/SERIES.md).
	Anchor string `json:"anchor,omitempty"`
	// EDM holds the "edm" parameterisation's settings.
	EDM EDMConfig `json:"edm,omitempty"`
	// ContextNoise is the standard deviation (normalised units) of white noise added to the observed
	// frames of every training window, the predicted frames kept clean: the network learns to forecast
	// from contexts that carry errors and, with the "last" anchor, to undo them (the departure target
	// x − (x_last + δ) contains −δ). An autoregressive rollout feeds the model its own samples, whose
	// errors an anchored model trained on clean contexts can amplify frame after frame; Sanchez-Gonzalez
	// et al. 2020 (§2, "training noise") correct a learned simulator's drift the same way. 0 (and runs
	// recorded before the field): clean contexts. Fields only.
	ContextNoise float64 `json:"context_noise,omitempty"`
	// Static describes the time-invariant conditioning fields (orography, land-sea mask) the network
	// sees beside every window, kept in the run directory as dataset.StaticFile; nil (runs recorded
	// before the field existed too): none.
	Static *StaticConfig `json:"static,omitempty"`
	// Actions is A, the components of the action that drives each frame (robot pushing: the
	// reference's "concat-video-mask-action" conditioning, Guo et al. 2025 §5; docs/VIDEO.md): every
	// frame's action row is tiled over H×W as A more input channels. 0 (and runs recorded before the
	// field existed): no actions.
	Actions int `json:"actions,omitempty"`
	// ActionScale holds one divisor per action component, the root mean square of the training
	// actions' component (1 where that is 0): the network sees actions / ActionScale, of order one
	// whatever the actions' units. Required with Actions.
	ActionScale []float64 `json:"action_scale,omitempty"`
}

// StaticConfig records a run's static conditioning fields (dataset.StaticConfig).
type StaticConfig = dataset.StaticConfig

// StaticChannels is the number of static conditioning channels (0 without static fields).
func (c Config) StaticChannels() int {
	if c.Static == nil {
		return 0
	}
	return c.Static.Channels
}

// EDMConfig are the settings of the "edm" parameterisation (Karras et al. 2022, Table 1).
type EDMConfig struct {
	// SigmaData is σ_data of the preconditioning, in normalised units.
	SigmaData float64 `json:"sigma_data,omitempty"`
	// PMean and PStd give the training noise levels, ln σ ~ N(PMean, PStd²).
	PMean float64 `json:"p_mean,omitempty"`
	PStd  float64 `json:"p_std,omitempty"`
	// Output is the space of the network's output (dydiff.EDMOptions.Output): "dynamics" (or empty,
	// as runs recorded before the field existed) or "window".
	Output string `json:"output,omitempty"`
}

// Parameterisations and anchors a Config names.
const (
	ParamDDPM  = "ddpm"
	ParamEDM   = "edm"
	AnchorNone = "none"
	AnchorLast = "last"
	// AnchorWalk (series only) is AnchorLast with each step's departure also divided by the standard
	// deviation of a random walk that far from the last observation, √max(|l − (Context−1)|, 1) steps of
	// the context's RMS increment: a random walk's departures then have unit variance at every step, so a
	// network that cannot tell how far a step is from the anchor still forecasts a random walk's spread.
	AnchorWalk = "walk"
)

// DefaultClipGradNorm is the largest global gradient norm of a field model's training step (`train
// dydiff`'s default for fields): on the full `tidal bench guided` setting (16² turbulence, lr 2·10⁻³,
// seed 1, docs/RESULTS.md) the EDM-form model's gradient norm grew from 0.5 to 10³ within 20 steps after
// step 2397 and the run never recovered (loss 0.10 → 0.4); resumed at step 2350 with the norm clipped to
// 1 it passed that point at loss 0.10. The gradient's norm is 0.2–1.5 in the steps before.
const DefaultClipGradNorm = 1.0

// DefaultContextNoise is ContextNoise's default for field models (`train dydiff`), measured on long
// rollouts of 16² turbulence (docs/RESULTS.md, "Long rollouts of the anchored model").
const DefaultContextNoise = 0.05

// DefaultEDM is the "edm" parameterisation's default for fields: EDM's training noise levels
// ln σ ~ N(−1.2, 1.2²), σ_data 0.5 (the anchored departures are smaller than the normalised windows
// at short leads) and the network's output in the window itself (dydiff.OutputWindow). Measured on the
// full `tidal bench dydiff`, seeds 1 and 2 (docs/RESULTS.md): DyDiff's mean CRPS 0.1108 and 0.1090
// against 0.1163 and 0.1244 with σ_data 1 and the mixed output.
func DefaultEDM() EDMConfig {
	return EDMConfig{SigmaData: 0.5, PMean: -1.2, PStd: 1.2, Output: dydiff.OutputWindow}
}

// DefaultSeriesEDM is the "edm" parameterisation's default for time series, as measured on exchange
// rate (docs/SERIES.md): σ_data 1 and the mixed (dynamics) output.
func DefaultSeriesEDM() EDMConfig { return EDMConfig{SigmaData: 1, PMean: -1.2, PStd: 1.2} }

// IsEDM says whether the model is trained and sampled in EDM form.
func (c Config) IsEDM() bool { return c.Param == ParamEDM }

// Anchored says whether the model forecasts departures from the last observed frame.
func (c Config) Anchored() bool { return c.Anchor == AnchorLast || c.Anchor == AnchorWalk }

// SeriesNetConfig are the nets.SeriesNet settings the commands expose; zeros take SeriesNet's
// defaults (docs/NETS.md).
type SeriesNetConfig struct {
	Channels      int  `json:"channels,omitempty"`
	Blocks        int  `json:"blocks,omitempty"`
	Rank          int  `json:"rank,omitempty"`
	TimeAttention bool `json:"time_attention,omitempty"`
}

// DiTConfig are the nets.DiT settings the commands expose; zeros take nets.DiT's defaults (patch 4,
// hidden 64, depth 4, heads of 64 channels, MLP ratio 4; docs/NETS.md, "DiT").
type DiTConfig struct {
	Patch    int `json:"patch,omitempty"`
	Hidden   int `json:"hidden,omitempty"`
	Depth    int `json:"depth,omitempty"`
	Heads    int `json:"heads,omitempty"`
	MLPRatio int `json:"mlp_ratio,omitempty"`
	// SpatialOnly drops the temporal attention (an ablation: the frames then interact only through
	// the diffusion process and the conditioning channels).
	SpatialOnly bool `json:"spatial_only,omitempty"`
	// WrapW pads a width the patch does not divide periodically (fields periodic in longitude).
	WrapW bool `json:"wrap_w,omitempty"`
}

// UNetConfig are the nets.UNet settings the commands expose.
type UNetConfig struct {
	Channels   int   `json:"channels"`
	Mults      []int `json:"mults"`
	Blocks     int   `json:"blocks"`
	AttnLevels []int `json:"attn_levels"`
	Heads      int   `json:"heads"`
	Periodic   bool  `json:"periodic"`
	// PeriodicLon pads periodically along the width (longitude) only and with zeros along the height
	// (latitude, never across the poles): fields on a global lat-lon grid. It overrides Periodic.
	PeriodicLon bool    `json:"periodic_lon,omitempty"`
	Dropout     float64 `json:"dropout"`
	// Groups is the most group-norm groups per layer (0: nets' default, 32); each group norm uses the
	// largest divisor of its channels that is ≤ Groups (nets.Config.Groups).
	Groups int `json:"groups,omitempty"`
	// TemporalConv and TemporalAttn are the levels of the video network whose blocks are followed by
	// temporal convolutions and temporal attention (nets.VideoConfig); ignored by "unet".
	TemporalConv []int `json:"temporal_conv,omitempty"`
	TemporalAttn []int `json:"temporal_attn,omitempty"`
	// Head is the network's output layer, "linear" (DefaultHead) or "norm" (nets.Head); empty, as in
	// runs recorded before the field existed, is "norm".
	Head string `json:"head,omitempty"`
}

// DefaultHead is the output head `tidal train dydiff` gives new runs: the linear one, which predicts
// the noise near t = T, where the target is almost the network's input, 15–20 % more accurately than
// the normalised one at the demo's budget (docs/RESULTS.md, "Network accuracy at high noise").
const DefaultHead = "linear"

// padding returns the convolutions' padding along height and width: periodic on both axes (Periodic),
// periodic in longitude only (PeriodicLon) or zeros.
func (c UNetConfig) padding() (h, w nn.Padding) {
	switch {
	case c.PeriodicLon:
		return nn.Zero, nn.Periodic
	case c.Periodic:
		return nn.Periodic, nn.Periodic
	}
	return nn.Zero, nn.Zero
}

// head returns the configured nets.Head.
func (c UNetConfig) head() (nets.Head, error) {
	if c.Head == "" {
		return nets.NormHead, nil
	}
	return nets.ParseHead(c.Head)
}

// Noisings maps the Config.Noising names to dydiff's switches.
var Noisings = map[string]dydiff.Noising{
	"dependent":   dydiff.DependentNoise,
	"independent": dydiff.IndependentNoise,
	"noise-only":  dydiff.NoiseDynamicsOnly,
}

// Frames is the window length L = Context + Predict.
func (c Config) Frames() int { return c.Context + c.Predict }

// Validate names the first bad field.
func (c Config) Validate() error {
	switch {
	case c.Method != Method:
		return fmt.Errorf("method %q: expected %q", c.Method, Method)
	case c.Net != "unet" && c.Net != "video" && c.Net != "series" && c.Net != "dit":
		return fmt.Errorf("net %q: expected \"unet\", \"video\", \"dit\" or \"series\"", c.Net)
	case c.DiT != nil && c.Net != "dit":
		return fmt.Errorf("dit settings %+v given for net %q: they size the \"dit\" network only", *c.DiT, c.Net)
	case c.Context < 1:
		return fmt.Errorf("context %d: expected at least 1 observed frame", c.Context)
	case c.Predict < 1:
		return fmt.Errorf("predict %d: expected at least 1 predicted frame", c.Predict)
	case c.Net == "series" && len(c.Frame) != 1:
		return fmt.Errorf("frame %v: the series network takes time steps of N series, [N]; fields [channels, height, width] need --net unet, video or dit", c.Frame)
	case c.Net != "series" && len(c.Frame) != 3:
		return fmt.Errorf("frame %v: the %s network takes frames [channels, height, width]; time series [T, N] need --net series", c.Frame, c.Net)
	}
	if _, ok := Noisings[c.Noising]; !ok {
		return fmt.Errorf("noising %q: expected dependent, independent or noise-only", c.Noising)
	}
	if err := c.validateParam(); err != nil {
		return err
	}
	if err := c.validateStatic(); err != nil {
		return err
	}
	switch {
	case c.Actions < 0 || c.Actions > dataset.MaxActionDim:
		return fmt.Errorf("actions %d: expected 0 (none) to %d action components per frame", c.Actions, dataset.MaxActionDim)
	case !(c.ContextNoise >= 0) || c.ContextNoise > 10:
		return fmt.Errorf("context noise %v: expected a standard deviation in [0, 10] training standard deviations", c.ContextNoise)
	case c.ContextNoise > 0 && c.Net == "series":
		return fmt.Errorf("context noise is for fields; the series network scales each window by its context, which the noise would change")
	case c.Actions > 0 && c.Net == "series":
		return fmt.Errorf("actions condition networks on video frames; the series network takes none")
	case len(c.ActionScale) != c.Actions:
		return fmt.Errorf("action scale %v: expected one divisor per action component, %d", c.ActionScale, c.Actions)
	}
	for _, v := range c.ActionScale {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("action scale %v: expected finite divisors > 0", c.ActionScale)
		}
	}
	for i, d := range c.Frame {
		if d < 1 {
			return fmt.Errorf("frame %v: axis %d is not positive", c.Frame, i)
		}
	}
	// Frames of any H×W: the networks pad them to their levels' multiple and crop back (nets.PadToMultiple).
	if _, err := c.Schedule(); err != nil {
		return err
	}
	_, err := c.network()
	return err
}

// validateStatic checks the static fields' record: fields only, at least one channel, finite
// statistics with std > 0.
func (c Config) validateStatic() error {
	s := c.Static
	if s == nil {
		return nil
	}
	if c.Net == "series" {
		return fmt.Errorf("static fields condition networks on fields; the series network takes none")
	}
	return s.Validate()
}

// validateParam checks the parameterisation, the anchor and the EDM settings.
func (c Config) validateParam() error {
	switch {
	case c.Param != "" && c.Param != ParamDDPM && c.Param != ParamEDM:
		return fmt.Errorf("param %q: expected ddpm or edm", c.Param)
	case c.Anchor != "" && c.Anchor != AnchorNone && c.Anchor != AnchorLast && c.Anchor != AnchorWalk:
		return fmt.Errorf("anchor %q: expected none, last or walk", c.Anchor)
	case c.Anchor == AnchorWalk && c.Net != "series":
		return fmt.Errorf("anchor walk is for series (departures scaled as a random walk's); fields take none or last")
	case c.Net == "series" && c.Anchored() && c.Context < 2:
		return fmt.Errorf("anchor %s on a series needs a context of at least 2 steps (its scale is the context's increments), got %d", c.Anchor, c.Context)
	case c.IsEDM() && c.Noising != "dependent" && c.Eta != 0:
		return fmt.Errorf("param edm needs the dependent-noise process (white noise after InverseDynamics); noising %q at η = %g has none", c.Noising, c.Eta)
	}
	if !c.IsEDM() {
		return nil
	}
	e := c.EDM
	if !(e.SigmaData > 0) || math.IsInf(e.SigmaData, 0) || !(e.PStd > 0) || math.IsInf(e.PStd, 0) || math.IsNaN(e.PMean) || math.IsInf(e.PMean, 0) {
		return fmt.Errorf("edm settings %+v: expected σ_data > 0, P_std > 0 and a finite P_mean", e)
	}
	if e.Output != "" && e.Output != dydiff.OutputDynamics && e.Output != dydiff.OutputWindow {
		return fmt.Errorf("edm output %q: expected %s or %s", e.Output, dydiff.OutputDynamics, dydiff.OutputWindow)
	}
	return nil
}

// network builds the configured denoiser.
func (c Config) network() (denoiser, error) {
	switch c.Net {
	case "video":
		return c.video()
	case "series":
		return c.seriesNet()
	case "dit":
		return c.dit()
	}
	return c.unet()
}

// dit builds the diffusion transformer on the frames [x_t^f | c^f | m^f | m1^f | static | actions]
// (nets.VideoInput, then the static fields and the frame's A action planes, as for "video").
func (c Config) dit() (*nets.DiT, error) {
	var d DiTConfig
	if c.DiT != nil {
		d = *c.DiT
	}
	return nets.NewDiT(nets.DiTConfig{DataChannels: c.Frame[0], StaticChannels: c.StaticChannels(), ActionChannels: c.Actions,
		Patch: d.Patch, Hidden: d.Hidden, Depth: d.Depth, Heads: d.Heads, MLPRatio: d.MLPRatio,
		SpatialOnly: d.SpatialOnly, WrapW: d.WrapW})
}

// video builds the video network: the per-frame UNet on [x_t^f | c^f | m^f | m1^f] (nets.VideoInput)
// with temporal mixing at the configured levels.
func (c Config) video() (*nets.VideoUNet, error) {
	padH, padW := c.UNet.padding()
	head, err := c.UNet.head()
	if err != nil {
		return nil, err
	}
	return nets.NewVideo(nets.VideoConfig{DataChannels: c.Frame[0],
		UNet: nets.Config{Channels: c.UNet.Channels, Mults: c.UNet.Mults, Blocks: c.UNet.Blocks, AttnLevels: c.UNet.AttnLevels,
			Heads: c.UNet.Heads, Groups: c.UNet.Groups, PadH: padH, PadW: padW, Dropout: c.UNet.Dropout, Head: head},
		TemporalConvLevels: c.UNet.TemporalConv, TemporalAttnLevels: c.UNet.TemporalAttn, StaticChannels: c.StaticChannels(), ActionChannels: c.Actions})
}

// Schedule is the model's diffusion schedule.
func (c Config) Schedule() (dydiff.Schedule, error) {
	return dydiff.NewSchedule(c.Eta, dydiff.ScheduleOptions{Noising: Noisings[c.Noising]})
}

// unet builds the network: the L noisy frames, the L conditioning frames (context, then zeros), the
// two masks per frame, the static channels and the L frames' A action planes, stacked as channels, in;
// the L frames' noise out.
func (c Config) unet() (*nets.UNet, error) {
	C, L := c.Frame[0], c.Frames()
	padH, padW := c.UNet.padding()
	head, err := c.UNet.head()
	if err != nil {
		return nil, err
	}
	return nets.New(nets.Config{
		InChannels: 2*L*C + 2*L + c.StaticChannels() + L*c.Actions, OutChannels: L * C,
		Channels: c.UNet.Channels, Mults: c.UNet.Mults, Blocks: c.UNet.Blocks, AttnLevels: c.UNet.AttnLevels,
		Heads: c.UNet.Heads, Groups: c.UNet.Groups, PadH: padH, PadW: padW, Dropout: c.UNet.Dropout, Head: head,
	})
}

// Parse reads a configuration recorded as JSON (a snapshot's or options.json's "config"), refusing one
// of another method.
func Parse(raw []byte) (Config, error) {
	var probe struct {
		Method string `json:"method"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return Config{}, fmt.Errorf("model configuration: %w", err)
	}
	if probe.Method != Method {
		if probe.Method == "" {
			return Config{}, fmt.Errorf("the run records no method; expected a %s run (made by `tidal train dydiff`)", Method)
		}
		return Config{}, fmt.Errorf("the run is a %q model; expected a %s run (made by `tidal train dydiff`)", probe.Method, Method)
	}
	var c Config
	if err := json.Unmarshal(raw, &c); err != nil {
		return Config{}, fmt.Errorf("model configuration: %w", err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("model configuration: %w", err)
	}
	return c, nil
}
