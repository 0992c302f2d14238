// Package latent is the first stage of latent DyDiff: a per-frame KL autoencoder (VAE; Rombach et al.
// 2022, latent diffusion's AutoencoderKL; shared spec §7) trained on fields, its latent scale measured
// from the data, and the encoding of field series into latent series (cached on disk) and the decoding
// of latent forecasts back into physical units (docs/LATENT.md).
package latent

import (
	"encoding/json"
	"fmt"
	"slices"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/nn"
)

// Method is the method a VAE run records (its options.json config's "method").
const Method = "vae"

// Reconstruction losses and encodings.
const (
	ReconL1 = "l1"
	ReconL2 = "l2"
	// EncodeMean encodes a frame as its posterior's mean (deterministic; the shared spec §9 item 9
	// calls this a harmless simplification).
	EncodeMean = "mean"
	// EncodeSample encodes a frame as one posterior sample mean + σ·ε, as the reference does
	// (DiagonalGaussianDistribution.sample, shared spec §7), with ε drawn on the host from a seed.
	EncodeSample = "sample"
)

// Config is a VAE model: the frame it encodes, the network and the loss. Its JSON is what a VAE run
// records.
type Config struct {
	// Method is Method.
	Method string `json:"method"`
	// Frame is [channels, height, width] of the physical frames.
	Frame []int `json:"frame"`
	// LatentChannels, Channels, Mults, Blocks and Groups are the network's (nets.VAEConfig); Periodic pads
	// its convolutions periodically on both axes.
	LatentChannels int   `json:"latent_channels"`
	Channels       int   `json:"channels"`
	Mults          []int `json:"mults"`
	Blocks         int   `json:"blocks"`
	Groups         int   `json:"groups"`
	Periodic       bool  `json:"periodic"`
	// KLWeight β weights the KL term against the reconstruction (per data value, see Model.Loss).
	KLWeight float64 `json:"kl_weight"`
	// Recon is the reconstruction loss, ReconL1 or ReconL2.
	Recon string `json:"recon"`
	// Encode is how frames become latents for DyDiff: EncodeMean or EncodeSample.
	Encode string `json:"encode"`
}

// DefaultConfig is the configuration `tidal train vae` gives a new run when no flag changes it: latent
// diffusion's KL-f4 shape at a CPU width (3 latent channels, multipliers 1, 2, 4, two blocks, width 32),
// the L1 reconstruction, β = 1e-6 (latent diffusion's kl_weight; the reference's VAE recipe is
// UNCONFIRMED, shared spec §7) and the posterior mean as the encoding. Frame is left empty.
func DefaultConfig() Config {
	return Config{Method: Method, LatentChannels: 3, Channels: 32, Mults: []int{1, 2, 4}, Blocks: 2, Groups: 32,
		KLWeight: 1e-6, Recon: ReconL1, Encode: EncodeMean}
}

// Validate names the first bad field.
func (c Config) Validate() error {
	switch {
	case c.Method != Method:
		return fmt.Errorf("method %q: expected %q", c.Method, Method)
	case len(c.Frame) != 3 || c.Frame[0] < 1 || c.Frame[1] < 1 || c.Frame[2] < 1:
		return fmt.Errorf("frame %v: expected [channels, height, width], all ≥ 1", c.Frame)
	case c.Recon != ReconL1 && c.Recon != ReconL2:
		return fmt.Errorf("reconstruction loss %q: expected l1 or l2", c.Recon)
	case c.Encode != EncodeMean && c.Encode != EncodeSample:
		return fmt.Errorf("encoding %q: expected mean or sample", c.Encode)
	case !(c.KLWeight >= 0 && c.KLWeight <= 1e6):
		return fmt.Errorf("KL weight %v: expected 0 ≤ β ≤ 1e6", c.KLWeight)
	case c.LatentChannels < 1 || c.Channels < 1 || c.Blocks < 1 || c.Groups < 1 || len(c.Mults) == 0:
		return fmt.Errorf("network: latent channels %d, channels %d, blocks %d, groups %d and %d levels: expected all ≥ 1",
			c.LatentChannels, c.Channels, c.Blocks, c.Groups, len(c.Mults))
	}
	return nil
}

// Parse reads a recorded configuration and validates it.
func Parse(b []byte) (Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("VAE configuration: %w", err)
	}
	if c.Method != Method {
		return c, fmt.Errorf("the run's method is %q, not a VAE (%q)", c.Method, Method)
	}
	return c, c.Validate()
}

// LatentFrame is the latent frame [z, H/f, W/f] of the configuration.
func (c Config) LatentFrame() []int {
	f := 1 << (len(c.Mults) - 1)
	return []int{c.LatentChannels, c.Frame[1] / f, c.Frame[2] / f}
}

// Model is a VAE: its configuration (defaults filled in) and its network.
type Model struct {
	Config Config
	Net    *nets.VAE
}

// New checks c (and that the network's factor divides the frame's grid) and returns the model.
func New(c Config) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	pad := nn.Zero
	if c.Periodic {
		pad = nn.Periodic
	}
	net, err := nets.NewVAE(nets.VAEConfig{InChannels: c.Frame[0], LatentChannels: c.LatentChannels, Channels: c.Channels,
		Mults: slices.Clone(c.Mults), Blocks: c.Blocks, Groups: c.Groups, PadH: pad, PadW: pad})
	if err != nil {
		return nil, err
	}
	if err := net.CheckGrid(c.Frame[1], c.Frame[2]); err != nil {
		return nil, err
	}
	return &Model{Config: c, Net: net}, nil
}

// NumParams is the number of trainable scalars of the encoder and decoder.
func (m *Model) NumParams() int { return m.Net.NumParams() }

// KL is the KL divergence of each example's diagonal Gaussian posterior N(μ, σ²) from N(0, I), summed
// over its latent values: ½ Σ (μ² + σ² − 1 − ln σ²) with ln σ² = logVar (Kingma & Welling 2014, App. B).
// mean and logVar are [B, ...]; the result is [B].
func KL(mean, logVar *Node) *Node {
	t := Sub(Add(Square(mean), Exp(logVar)), OnePlus(logVar))
	return MulScalar(ReduceSum(Reshape(t, mean.Shape().Dimensions[0], -1), 1), 0.5)
}

// Reparameterize is the posterior sample mean + exp(½·logVar)·eps (Kingma & Welling 2014, eq. 10), eps
// standard normal and shaped like mean.
func Reparameterize(mean, logVar, eps *Node) *Node {
	return Add(mean, Mul(Exp(MulScalar(logVar, 0.5)), eps))
}

// Reconstruction is the mean over all values of |x − xr| (ReconL1) or (x − xr)² (ReconL2).
func Reconstruction(x, xr *Node, kind string) *Node {
	d := Sub(x, xr)
	if kind == ReconL2 {
		return ReduceAllMean(Square(d))
	}
	return ReduceAllMean(Abs(d))
}

// Loss is the VAE's training loss on a batch whose first tensor holds normalised frames [B, 1, C, H, W]
// (one-frame windows): the reconstruction of a posterior sample (Reparameterize, ε drawn in the graph)
// plus KLWeight times the KL term, both per data value:
//
//	loss = mean |x − D(z)|^p + β · Σ_b KL_b / (B·C·H·W),   z = μ + σ·ε,  (μ, ln σ²) = E(x)
//
// so that β weighs the two as latent diffusion's sums over pixels do (its kl_weight).
func (m *Model) Loss(scope *model.Scope, batch []*Node) *Node {
	x := batch[0]
	d := x.Shape().Dimensions
	if x.Rank() == 5 && d[1] == 1 {
		x = Reshape(x, d[0], d[2], d[3], d[4])
	}
	if x.Rank() != 4 {
		exceptions.Panicf("latent: a batch must be frames [batch, 1, channels, height, width], got %s", batch[0].Shape())
	}
	mean, logVar := m.Net.Encode(scope, x)
	z := Reparameterize(mean, logVar, scope.RandomNormal(x.Graph(), mean.Shape()))
	xr := m.Net.Decode(scope, z)
	rec := Reconstruction(x, xr, m.Config.Recon)
	if m.Config.KLWeight == 0 {
		return rec
	}
	kl := DivScalar(ReduceAllSum(KL(mean, logVar)), float64(x.Shape().Size()))
	return Add(rec, MulScalar(kl, m.Config.KLWeight))
}
