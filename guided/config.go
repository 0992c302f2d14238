// Package guided trains and samples the models of discriminator-guided image diffusion (Hess et al. 2025,
// arXiv:2505.09089; docs/GUIDED.md): the unconditional EDM image model (IDM), the time-consistency
// discriminator that guides it, and the conditional video diffusion model (VDM) the paper compares
// against. It fills train.Job values for the three training runs and builds the frame generator that
// `tidal rollout` streams with the rollout package. The maths lives in edm, guidance and nets; this
// package only wires them to run directories.
package guided

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/guidance"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/train"
)

// The kinds of model a run directory holds.
const (
	KindIDM           = "idm"           // unconditional image model D(x; σ)
	KindVDM           = "vdm"           // video model D(x; σ, xⁿ, xⁿ⁻¹), conditioning by channel concatenation
	KindDiscriminator = "discriminator" // time-consistency discriminator f(x; σ, xⁿ, xⁿ⁻¹)
)

// Context is the number of conditioning frames (xⁿ, xⁿ⁻¹) of the VDM and the discriminator: the paper's
// m = 1 (docs/GUIDANCE.md).
const Context = 2

// ModelConfig is what a run records as its train.Job.Config and what every snapshot carries: the kind
// of model, the frame it was trained on (channels and the full field size, before any crop), and the
// network.
type ModelConfig struct {
	Kind     string `json:"kind"`
	Channels int    `json:"frame_channels"`
	Height   int    `json:"height"`
	Width    int    `json:"width"`
	// SigmaData is EDM's σ_data of the preconditioning (image models).
	SigmaData float64 `json:"sigma_data,omitempty"`
	// PMean and PStd are the training noise distribution ln σ ~ N(PMean, PStd²) (EDM).
	PMean float64 `json:"p_mean"`
	PStd  float64 `json:"p_std"`
	// Crop is the training crop [h, w] (0 or absent: whole fields).
	Crop []int `json:"crop,omitempty"`
	// UNet is the image or video model's network, unless DiT is set.
	UNet *nets.Config `json:"unet,omitempty"`
	// DiT, when set, is the image or video model's network instead: an image DiT (nets.DiTConfig
	// with InChannels > 0) on the noisy frame and its conditioning frames; nil (runs recorded before
	// it existed too): the UNet.
	DiT *nets.DiTConfig `json:"dit,omitempty"`
	// Disc is the discriminator network; SigmaStep is σ_step of its negatives' offsets, FutureOnly
	// keeps offsets l ≥ 2 only, and ValFraction the share of the series (at its end) held out for
	// the accuracy per noise level.
	Disc        *guidance.Config `json:"discriminator,omitempty"`
	SigmaStep   float64          `json:"sigma_step,omitempty"`
	FutureOnly  bool             `json:"future_only,omitempty"`
	ValFraction float64          `json:"val_fraction"`
	// DataSeed fixes the training data's order, crops and noise (the loop's Options.Seed fixes the
	// weights and the loss's random stream).
	DataSeed uint64 `json:"data_seed"`
	// Static records the time-invariant conditioning fields the network sees beside its input (the
	// run directory's dataset.StaticFile); nil (and runs recorded before it existed): none.
	Static *dataset.StaticConfig `json:"static,omitempty"`
}

// denoiserNet is the network of an image or video model, the UNet or the DiT: both offer this.
type denoiserNet interface {
	Apply(scope *model.Scope, x, noise *Node, cond []*Node) *Node
	NumParams() int
}

// network builds the image or video model's recorded network: the DiT when the run records one,
// else the UNet.
func (c ModelConfig) network() (denoiserNet, error) {
	if c.DiT != nil {
		return nets.NewDiT(*c.DiT)
	}
	if c.UNet == nil {
		return nil, fmt.Errorf("the %s model records no network", c.Kind)
	}
	return nets.New(*c.UNet)
}

// NetWidth is the width the commands' rough memory estimates scale with (values kept per field point
// ≈ 64 × width): the UNet's base channels, or for the DiT its Depth · Hidden · 24 / (64 · Patch²)
// rounded up (about 24 token-wide tensors per block kept for a token of Patch² points).
func (c ModelConfig) NetWidth() int {
	if d := c.DiT; d != nil {
		p := max(d.Patch, 1)
		return max(1, (d.Depth*d.Hidden*24+64*p*p-1)/(64*p*p))
	}
	if c.UNet != nil {
		return c.UNet.Channels
	}
	return 0
}

// Model is a trained model loaded from a run's newest snapshot.
type Model struct {
	Run    string
	Step   int
	Config ModelConfig
	Norm   dataset.Norm
	snap   *train.Snapshot
	static *dataset.Static // the run's static fields (physical units); nil without
}

// Static returns the model's static conditioning fields in physical units, nil without.
func (m *Model) Static() *dataset.Static { return m.static }

// staticCond returns the static fields of a run recorded with cfg (values s), normalised, as a
// constant of g broadcast to [B, S, H, W]; nil without static fields.
func staticCond(cfg *dataset.StaticConfig, s *dataset.Static, g *Graph, dtype dtypes.DType, B int) *Node {
	if cfg == nil {
		return nil
	}
	if s == nil {
		exceptions.Panicf("guided: the model takes %d static channels and has none", cfg.Channels)
	}
	v := s.Normalized(cfg.Norm())
	st := ConvertDType(Reshape(Const(g, v), 1, s.Channels, s.Height, s.Width), dtype)
	return BroadcastToDims(st, B, s.Channels, s.Height, s.Width)
}

// withStatic appends the static fields [B, S, H, W] (staticCond) to cond when there are any.
func withStatic(cond []*Node, cfg *dataset.StaticConfig, s *dataset.Static, like *Node) []*Node {
	st := staticCond(cfg, s, like.Graph(), like.DType(), like.Shape().Dimensions[0])
	if st == nil {
		return cond
	}
	return append(append([]*Node(nil), cond...), st)
}

// CheckGuide refuses a discriminator that cannot guide m (an image or a video model): trained on other channels, at another field
// size, or on other data, i.e. with normalisation statistics far from the image model's (means more
// than half a standard deviation apart, or standard deviations more than a factor 1.5 apart), or whose
// std ratios differ between channels by more than ChannelScaleTolerance (the guide's σ could not be
// rescaled). Statistics that differ less, as splits of the same series with another --val-fraction
// give, are mapped by guideScale.
func CheckGuide(m, disc *Model) error {
	return checkGuide(modelName(m), m.Config.Channels, m.Config.Height, m.Config.Width, m.Norm, disc)
}

// modelName is "the image model RUN" or "the video model RUN", for errors.
func modelName(m *Model) string {
	if m.Config.Kind == KindVDM {
		return "the video model " + m.Run
	}
	return "the image model " + m.Run
}

// checkGuide is CheckGuide for a model (named by what) of frames [channels, h, w] normalised by norm.
func checkGuide(what string, channels, h, w int, norm dataset.Norm, disc *Model) error {
	b := disc.Config
	if channels != b.Channels {
		return fmt.Errorf("--disc %s was trained on frames of %d channels, %s on %d", disc.Run, b.Channels, what, channels)
	}
	if h != b.Height || w != b.Width {
		return fmt.Errorf("--disc %s was trained at %d×%d, %s at %d×%d", disc.Run, b.Height, b.Width, what, h, w)
	}
	scale, _ := guideScale(norm, disc)
	for c := range channels {
		r := norm.Std[c] / disc.Norm.Std[c]
		if math.Abs(norm.Mean[c]-disc.Norm.Mean[c]) > 0.5*norm.Std[c] || r > 1.5 || r < 1/1.5 {
			return fmt.Errorf("--disc %s was trained on other data than %s: channel %d normalised by mean %g std %g, not %g and %g",
				disc.Run, what, c, disc.Norm.Mean[c], disc.Norm.Std[c], norm.Mean[c], norm.Std[c])
		}
		if math.Abs(r/scale-1) > ChannelScaleTolerance {
			return fmt.Errorf("--disc %s was normalised unlike %s: channel %d's std ratio %g (%g over %g) is %.1f %% from the channels' geometric mean %.4g, expected within %g %%: one noise level must serve every channel",
				disc.Run, what, c, r, norm.Std[c], disc.Norm.Std[c], 100*math.Abs(r/scale-1), scale, 100*ChannelScaleTolerance)
		}
	}
	return nil
}

// ChannelScaleTolerance is how far (relative) the std ratios a_c of guideScale may differ from their
// geometric mean. Noise of level σ in a model's normalised units is noise of level a_c·σ in channel c
// of the discriminator's; the guide is told one level, the geometric mean's, so a channel's level is off
// by at most this fraction: 0.05 in ln σ, against the spread 1.2 of the guide's training noise ln σ ~
// N(−1.2, 1.2²). Normalisations of one multi-channel series over different frames (a DyDiff model over
// every training frame, the discriminator over the first 90 %) differ by about 1 % between channels.
const ChannelScaleTolerance = 0.05

// guideScale maps a model's normalised values (statistics norm) into the discriminator's: x_d = a_c·x +
// b_c per channel, with a_c = s_m/s_d and b_c = (μ_m − μ_d)/s_d; it returns the noise level's factor,
// the geometric mean of the a_c (a_0 for one channel), and the per-channel (a, b).
func guideScale(norm dataset.Norm, disc *Model) (float64, [][2]float64) {
	ab := make([][2]float64, len(norm.Std))
	logSum := 0.0
	for c := range ab {
		ab[c] = [2]float64{norm.Std[c] / disc.Norm.Std[c], (norm.Mean[c] - disc.Norm.Mean[c]) / disc.Norm.Std[c]}
		logSum += math.Log(ab[c][0])
	}
	if len(ab) == 1 { // exactly a_0, not exp(log a_0)
		return ab[0][0], ab
	}
	return math.Exp(logSum / float64(len(ab))), ab
}
