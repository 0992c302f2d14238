package guided

import (
	"fmt"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/diffusion"
	"github.com/tidal-forecast/tidal/edm"
	"github.com/tidal-forecast/tidal/guidance"
	"github.com/tidal-forecast/tidal/noise"
)

// SamplerOptions are the stochastic Heun sampler's settings and the guidance strength.
type SamplerOptions struct {
	Grid diffusion.KarrasOptions
	Heun diffusion.HeunOptions
	// Lambda is the guidance strength λ of D′ = D + λσ²∇ₓ logit (paper eq. 5); 0 samples unguided.
	Lambda float64
	// GuideSigmaMax, when > 0, guides only at noise levels σ ≤ GuideSigmaMax (DG skips guidance outside
	// a time window; the paper guides at every step, the default here; UNCONFIRMED).
	GuideSigmaMax float64
	// LambdaBands, when not empty, is a guidance strength λ(σ) per noise band instead of Lambda (which
	// must then be 0) and GuideSigmaMax (0 too: a window is the bands {max: λ, inf: 0}).
	LambdaBands LambdaBands `json:",omitempty"`
}

// Strength is the guidance strength the options ask for as bands: LambdaBands, or Lambda at every σ
// (with GuideSigmaMax applied by the guide's logit, guideLogit). Lambda or GuideSigmaMax beside bands
// are refused, as are bands that fail LambdaBands.Check.
func (o SamplerOptions) Strength() (LambdaBands, error) {
	if len(o.LambdaBands) == 0 {
		if !(o.Lambda >= 0) {
			return nil, fmt.Errorf("guidance strength λ = %g: expected ≥ 0", o.Lambda)
		}
		return ConstantLambda(o.Lambda), nil
	}
	if o.Lambda != 0 {
		return nil, fmt.Errorf("guidance strength λ = %g and bands %s: give one of them", o.Lambda, o.LambdaBands)
	}
	if o.GuideSigmaMax != 0 {
		return nil, fmt.Errorf("a guidance window σ ≤ %g and bands %s: give one of them (the window is the bands %g=λ,inf=0)", o.GuideSigmaMax, o.LambdaBands, o.GuideSigmaMax)
	}
	if err := o.LambdaBands.Check(); err != nil {
		return nil, fmt.Errorf("guidance strength bands %s: %w", o.LambdaBands, err)
	}
	return o.LambdaBands, nil
}

// describeStrength is "λ = 14" or "λ bands 0.05=40,0.5=14,inf=4".
func (o SamplerOptions) describeStrength() string {
	if len(o.LambdaBands) > 0 {
		return "λ bands " + o.LambdaBands.String()
	}
	return fmt.Sprintf("λ = %g", o.Lambda)
}

// DefaultSamplerOptions are the paper's vorticity settings (Hess et al. 2025, Tab. 1): N = 50 steps,
// σ_min 0.002, σ_max 80, ρ 7, S_churn 55, S_tmin 0, S_tmax 1000, S_noise 1.005, λ = 14.
func DefaultSamplerOptions() SamplerOptions {
	return SamplerOptions{Grid: edm.DefaultGridOptions(), Heun: edm.DefaultHeunOptions(), Lambda: 14}
}

// Generator makes the next frame of many trajectories at once: the IDM (guided by a discriminator
// when one is given and λ > 0) or the VDM, sampled with EDM's stochastic Heun sampler compiled once.
// Frames cross it in physical units; it normalises them with the model's statistics.
type Generator struct {
	model   *Model
	disc    *Model         // the guide, nil when unguided
	opt     SamplerOptions // the sampler and guidance it was built with (RolloutIdentity)
	guided  bool
	sampler *diffusion.Sampler
	store   *model.Store
}

// NewGenerator loads m (an IDM or a VDM) and, optionally, the discriminator disc into one store
// (under the scopes "denoiser" and "guide") and compiles the sampler on backend b. The discriminator
// guides a VDM as it guides an IDM (D′ = D_VDM + λσ²∇ log-odds: the paper's open question 2; with an
// exact VDM the ideal λ is 0, since D_VDM is already the conditional denoiser).
func NewGenerator(b compute.Backend, m, disc *Model, opt SamplerOptions) (g *Generator, err error) {
	if m.Config.Kind != KindIDM && m.Config.Kind != KindVDM {
		return nil, fmt.Errorf("%s holds a %s, expected an image (idm) or video (vdm) model", m.Run, m.Config.Kind)
	}
	bands, err := opt.Strength()
	if err != nil {
		return nil, err
	}
	u, err := m.Config.network()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Run, err)
	}
	store := model.NewStore()
	if err := copyVars(store, "/denoiser", m); err != nil {
		return nil, err
	}
	var logit diffusion.Logit
	if disc != nil && bands.Max() > 0 {
		c := m.Config
		d, sigmaScale, toDisc, err := loadGuide(store, disc, modelName(m), []int{c.Channels, c.Height, c.Width}, m.Norm)
		if err != nil {
			return nil, err
		}
		logit = guideLogit(staticLogit(d, disc), sigmaScale, toDisc, opt.GuideSigmaMax)
	}
	if g, err = newGenerator(b, m, store, diffusion.Precondition(u.Apply, m.Config.SigmaData), logit, opt); err == nil {
		g.disc = disc // named in the rollout's identity even at λ = 0, as it always was
	}
	return g, err
}

// newGenerator is NewGenerator for the denoiser d of m in m's normalised units, whose variables are in
// store under the scope "denoiser", guided (when logit is not nil and opt's strength is above 0
// somewhere) by logit, whose variables are under "guide" (guideLogit), at opt's strength (Strength:
// one λ, or λ per noise band). The closed-form tests give it exact denoisers and log-odds.
func newGenerator(b compute.Backend, m *Model, store *model.Store, d diffusion.DenoiserFn, logit diffusion.Logit, opt SamplerOptions) (*Generator, error) {
	sigmas, err := diffusion.KarrasSigmas(opt.Grid)
	if err != nil {
		return nil, err
	}
	bands, err := opt.Strength()
	if err != nil {
		return nil, err
	}
	vdm := m.Config.Kind == KindVDM
	D := func(scope *model.Scope, x, sigma *Node, cond []*Node) *Node {
		if !vdm {
			cond = nil
		}
		return d(scope.In("denoiser"), x, sigma, withStatic(cond, m.Config.Static, m.static, x))
	}
	g := &Generator{model: m, store: store, opt: opt}
	if logit != nil && bands.Max() > 0 {
		if D, err = guidedDenoiser(D, logit, bands); err != nil {
			return nil, err
		}
		g.guided = true
	}
	g.sampler, err = diffusion.NewHeun(diffusion.Denoiser{Backend: b, Scope: store.RootScope(), D: D}, sigmas, opt.Heun)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// staticLogit is the logit of d, the network of the discriminator disc, with disc's static fields
// (if it was trained with some) appended to the conditioning frames.
func staticLogit(d *guidance.Discriminator, disc *Model) guidance.LogitFn {
	return func(scope *model.Scope, x, sigma *Node, cond []*Node) *Node {
		return d.Logit(scope, x, sigma, withStatic(cond, disc.Config.Static, disc.static, x))
	}
}

// guideLogit makes the discriminator's logit f (variables under the scope "guide"), trained in units
// x_d = a·x + b per channel of a model's normalised units x (toDisc, with a = sigmaScale), the guide
// diffusion.Guided takes: f(toDisc(y); a·σ, toDisc(xⁿ), toDisc(xⁿ⁻¹)). The log-odds of an affine change
// of variables is the same function of y (the Jacobians of the two densities cancel), and the chain
// rule of the sampler's graph.Gradient brings its gradient back into the model's units. With
// sigmaMax > 0 the guide is 0 above σ = sigmaMax (no gradient: DG's guidance window).
func guideLogit(f guidance.LogitFn, sigmaScale float64, toDisc func(*Node) *Node, sigmaMax float64) diffusion.Logit {
	return func(scope *model.Scope, x, sigma, _ *Node, cond []*Node) *Node {
		dc := make([]*Node, len(cond))
		for i, c := range cond {
			dc[i] = toDisc(c)
		}
		l := f(scope.In("guide"), toDisc(x), MulScalar(sigma, sigmaScale), dc)
		if sigmaMax > 0 { // f·1[σ ≤ max]: no gradient above the window
			l = Mul(l, ConvertDType(LessOrEqual(sigma, Scalar(l.Graph(), sigma.DType(), sigmaMax)), l.DType()))
		}
		return l
	}
}

// loadGuide checks that disc is a discriminator that can guide the model named what, of frames
// [C, H, W] normalised by norm (checkGuide), builds its network, puts its weights into store under the
// scope "guide", and returns the network with the factor of the noise level and the map into its
// units (discUnits).
func loadGuide(store *model.Store, disc *Model, what string, frame []int, norm dataset.Norm) (*guidance.Discriminator, float64, func(*Node) *Node, error) {
	if disc.Config.Kind != KindDiscriminator || disc.Config.Disc == nil {
		return nil, 0, nil, fmt.Errorf("--disc %s holds %s, expected a run of `tidal train discriminator`", disc.Run, disc.Config.Kind)
	}
	if err := checkGuide(what, frame[0], frame[1], frame[2], norm, disc); err != nil {
		return nil, 0, nil, err
	}
	d, err := guidance.New(*disc.Config.Disc)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("%s: %w", disc.Run, err)
	}
	if err := copyVars(store, "/guide", disc); err != nil {
		return nil, 0, nil, err
	}
	sigmaScale, toDisc := discUnits(norm, disc)
	return d, sigmaScale, toDisc, nil
}

// discUnits returns the factor of the noise level and the per-channel affine map of frames
// [batch, C, H, W] from the units of a model normalised by norm into the discriminator's (guideScale).
func discUnits(norm dataset.Norm, disc *Model) (float64, func(*Node) *Node) {
	sigmaScale, ab := guideScale(norm, disc)
	C := len(ab)
	a, b := make([]float32, C), make([]float32, C)
	for c := range ab {
		a[c], b[c] = float32(ab[c][0]), float32(ab[c][1])
	}
	return sigmaScale, func(x *Node) *Node {
		g := x.Graph()
		return Add(Mul(x, Reshape(Const(g, a), 1, C, 1, 1)), Reshape(Const(g, b), 1, C, 1, 1))
	}
}

// copyVars puts the weights of m's snapshot into store under prefix.
func copyVars(store *model.Store, prefix string, m *Model) error {
	for v := range m.snap.Store.IterVariables() {
		if v.Name() == model.RNGStateVariableName {
			continue
		}
		val, err := v.Value()
		if err != nil {
			return fmt.Errorf("%s: %w", m.Run, err)
		}
		if _, err := store.CreateVariable(prefix+v.Path(), val); err != nil {
			return fmt.Errorf("%s: %w", m.Run, err)
		}
	}
	return nil
}

// Guided reports whether the sampler is guided.
func (g *Generator) Guided() bool { return g.guided }

// Conditional reports whether the frames depend on the previous ones (VDM, or a guided IDM).
func (g *Generator) Conditional() bool { return g.guided || g.model.Config.Kind == KindVDM }

// FrameSize is C·H·W, the values of one frame.
func (g *Generator) FrameSize() int {
	c := g.model.Config
	return c.Channels * c.Height * c.Width
}

// Next returns the next frame of rows trajectories, given their frames xⁿ⁻¹ (prev) and xⁿ (cur), each
// rows·C·H·W values in physical units. The initial noise and the churn noise of row r are drawn from
// streams keyed by (seed, r) (noise.Ensemble), so a caller that derives seed from the frame index gets
// the same frame for the same inputs however it was interrupted.
func (g *Generator) Next(prev, cur []float32, rows int, seed uint64) ([]float32, error) {
	c := g.model.Config
	F := g.FrameSize()
	if len(prev) != rows*F || len(cur) != rows*F {
		return nil, fmt.Errorf("guided: %d and %d values for %d rows of %d: expected %d each", len(prev), len(cur), rows, F, rows*F)
	}
	x, err := noise.Ensemble{Cases: rows, Members: 1}.Initial(mix(seed, 1), c.Channels, c.Height, c.Width)
	if err != nil {
		return nil, err
	}
	defer x.FinalizeAll()
	var cond []*tensors.Tensor
	if g.Conditional() {
		for _, f := range [][]float32{cur, prev} { // xⁿ, xⁿ⁻¹: the order of training
			n := append([]float32(nil), f...)
			g.model.Norm.Normalize(n, c.Height*c.Width)
			t := tensors.FromFlatDataAndDimensions(n, rows, c.Channels, c.Height, c.Width)
			defer t.FinalizeAll()
			cond = append(cond, t)
		}
	}
	out, err := g.sampler.Sample(x, cond, mix(seed, 2))
	if err != nil {
		return nil, err
	}
	defer out.FinalizeAll()
	y := tensors.MustCopyFlatData[float32](out)
	g.model.Norm.Denormalize(y, c.Height*c.Width)
	return y, nil
}

// Close releases the sampler.
func (g *Generator) Close() {
	if g.sampler != nil {
		g.sampler.Close()
	}
}

// FrameSeed is the seed of frame n of a rollout with seed s.
func FrameSeed(s uint64, n int) uint64 { return mix(s, uint64(n)+0x1000) }
