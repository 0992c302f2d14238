package dymodel

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/diffusion"
	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/noise"
	"github.com/tidal-forecast/tidal/rollout"
)

// SamplerOptions choose the reverse process of a forecast.
type SamplerOptions struct {
	// Kind is the sampler of package diffusion: "heun" (EDM's deterministic Heun), "dpmpp" (DPM-Solver++(2M)),
	// "ddim" (DDIM, Euler's method at η_ddim = 0) or "ddpm" (ancestral). "" picks the model's default: heun
	// for the edm form, ddim for the ddpm form. Models of the ablated processes (noising independent or
	// noise-only at η > 0) take ddim and ddpm only, through dydiff's reference samplers.
	Kind string `json:"sampler"`
	// Steps is the number of sampling steps; 0 gives the sampler's default (DefaultSteps).
	Steps int `json:"sampling_steps"`
	// SigmaMax is the largest noise level of an edm-form model's ρ-grid; 0 gives DefaultSigmaMax.
	SigmaMax float64 `json:"sigma_max,omitempty"`
	// EtaDDIM is DDIM's η_ddim (0: deterministic, the reference's only setting); the others ignore it.
	EtaDDIM float64 `json:"ddim_eta"`
	// ClipX0 > 0 clips every estimate x̂₀ of DDIM to ±ClipX0 in normalised units; 0, the reference's
	// setting, clips nothing. Only DDIM of the ddpm form takes it.
	ClipX0 float64 `json:"clip_x0,omitempty"`
	// Guide, with Lambda > 0, guides the sampler: diffusion.Guided adds λσ²∇ of the guide's log-odds to the
	// denoiser of the window (guided.DyDiffGuide makes one of a discriminator, whose weights must then be
	// in the forecaster's store). Fields of the dependent-noise process only.
	Guide  diffusion.Logit `json:"-"`
	Lambda float64         `json:"lambda,omitempty"`
}

// DefaultHeunSteps is the number of Heun steps of a forecast when none is given.
const DefaultHeunSteps = 10

// DefaultSteps is the number of steps of sampler kind when none is given: 10 for heun and dpmpp, the
// reference's 50 for ddim, every one of the T steps for ddpm.
func (m *Model) DefaultSteps(kind string) int {
	switch kind {
	case "heun", "dpmpp":
		return DefaultHeunSteps
	case "ddpm":
		return m.Schedule.T()
	}
	return dydiff.DefaultDDIMSteps
}

// DefaultSampler is the model's sampler when none is chosen: heun for the edm form, ddim for the ddpm form.
func (m *Model) DefaultSampler() string {
	if m.Config.IsEDM() {
		return "heun"
	}
	return "ddim"
}

// DefaultSigmaMax is the largest noise level of an edm-form model's ρ-grid. EDM's images use 80 (at
// σ_data 0.5); DyDiff's windows are normalised to unit variance and trained at ln σ ~ N(−1.2, 1.2²),
// which almost never reaches σ = 10, and 10 Heun or DPM-Solver++ steps from σ_max 10 forecast better
// than from 80 (docs/RESULTS.md, "Forecasts that beat persistence"), while 50 steps are the same.
const DefaultSigmaMax = 10

// EDMGrid is the σ grid of an edm-form model with n steps: EDM's ρ-grid (Karras et al. 2022, eq. 5)
// with σ_min 0.002, ρ 7 and σ_max sigmaMax (0: DefaultSigmaMax).
func EDMGrid(n int, sigmaMax float64) ([]float64, error) {
	if sigmaMax == 0 {
		sigmaMax = DefaultSigmaMax
	}
	return diffusion.KarrasSigmas(diffusion.KarrasOptions{SigmaMin: 0.002, SigmaMax: sigmaMax, Rho: 7, Steps: n})
}

// windowSampler is what a forecaster samples windows with.
type windowSampler interface {
	Sample(x *tensors.Tensor, cond []*tensors.Tensor, seed uint64) (*tensors.Tensor, error)
	Close()
}

// Forecaster samples a model's windows with its weights in a store (a snapshot's EMA weights).
type Forecaster struct {
	m *Model
	s windowSampler
	// start > 0 scales the initial noise (the ddpm form on the reference's τ grid starts as the
	// reference does, dydiff.ReferenceStart).
	start float64
}

// white says whether the model's noise is white after InverseDynamics, so that the window is an
// ordinary diffusion state y = x₀ + σε for the samplers of package diffusion.
func (m *Model) white() bool {
	return m.Config.Noising == "dependent" || m.Config.Eta == 0
}

// NewForecaster compiles nothing yet: the sampler's graphs compile on the first window and are reused.
func (m *Model) NewForecaster(b compute.Backend, store *model.Store, o SamplerOptions) (*Forecaster, error) {
	if o.Kind == "" {
		o.Kind = m.DefaultSampler()
	}
	if o.Steps == 0 {
		o.Steps = m.DefaultSteps(o.Kind)
	}
	guided := o.Guide != nil && o.Lambda > 0
	switch {
	case o.Kind != "heun" && o.Kind != "dpmpp" && o.Kind != "ddim" && o.Kind != "ddpm":
		return nil, fmt.Errorf("sampler %q: expected heun, dpmpp, ddim or ddpm", o.Kind)
	case o.SigmaMax != 0 && (!m.Config.IsEDM() || !(o.SigmaMax > 0.002) || math.IsInf(o.SigmaMax, 0)):
		return nil, fmt.Errorf("σ_max %v: the largest noise level of an edm-form model's grid, expected a finite value above σ_min 0.002", o.SigmaMax)
	case o.ClipX0 != 0 && (o.Kind != "ddim" || m.Config.IsEDM()):
		return nil, fmt.Errorf("clipping x̂₀ (%v) is an option of DDIM for the ddpm form, not of %s for the %s form", o.ClipX0, o.Kind, m.param())
	case guided && m.series != nil:
		return nil, fmt.Errorf("dymodel: guidance by a discriminator is for fields; this is a time-series model")
	case guided && (math.IsNaN(o.Lambda) || math.IsInf(o.Lambda, 0)):
		return nil, fmt.Errorf("dymodel: guidance strength λ = %v, expected a finite number", o.Lambda)
	case !m.white() && guided:
		return nil, fmt.Errorf("dymodel: guidance needs the dependent-noise process (frames plus white noise after InverseDynamics); this model uses %s at η = %g", m.Config.Noising, m.Config.Eta)
	}
	if !m.white() {
		return m.referenceForecaster(b, store, o)
	}
	d, sigmas, err := m.denoiser(o)
	if err != nil {
		return nil, err
	}
	if guided {
		if d, err = diffusion.Guided(d, m.anchoredLogit(o.Guide), o.Lambda); err != nil {
			return nil, err
		}
	}
	if o.ClipX0 > 0 {
		d = clipped(d, o.ClipX0)
	}
	den := diffusion.Denoiser{Backend: b, Scope: store.RootScope(), D: d}
	var s *diffusion.Sampler
	switch o.Kind {
	case "heun":
		s, err = diffusion.NewHeun(den, sigmas, diffusion.HeunOptions{})
	case "dpmpp":
		s, err = diffusion.NewDPMSolver2M(den, sigmas, diffusion.DPMSolverOptions{})
	case "ddim":
		s, err = diffusion.NewDDIM(den, sigmas, diffusion.DDIMOptions{Eta: o.EtaDDIM})
	default:
		s, err = diffusion.NewDDPM(den, sigmas, diffusion.DDPMOptions{})
	}
	if err != nil {
		return nil, err
	}
	f := &Forecaster{m: m, s: s}
	if !m.Config.IsEDM() {
		f.start = sigmas[0]
	}
	return f, nil
}

// param names the model's training form.
func (m *Model) param() string {
	if m.Config.IsEDM() {
		return ParamEDM
	}
	return ParamDDPM
}

// denoiser is the model's denoiser of the window y and its σ grid for o: the EDM-form wrapper on EDM's
// ρ-grid, or the reference form's (EpsDenoiser) on the reference's τ grid of o.Steps steps.
func (m *Model) denoiser(o SamplerOptions) (diffusion.DenoiserFn, []float64, error) {
	if m.Config.IsEDM() {
		d, err := dydiff.EDMDenoiser(m.Net, m.edmOptions())
		if err != nil {
			return nil, nil, err
		}
		sigmas, err := EDMGrid(o.Steps, o.SigmaMax)
		return d, sigmas, err
	}
	d, err := dydiff.EpsDenoiser(m.Net, m.Schedule)
	if err != nil {
		return nil, nil, err
	}
	vp, err := diffusion.NewVP(m.Schedule.AlphaBars())
	if err != nil {
		return nil, nil, err
	}
	sigmas, err := vp.DDIMSigmas(o.Steps)
	return d, sigmas, err
}

// referenceForecaster samples a model of an ablated process (its noise is not white after
// InverseDynamics) with dydiff's reference samplers.
func (m *Model) referenceForecaster(b compute.Backend, store *model.Store, o SamplerOptions) (*Forecaster, error) {
	d := dydiff.NoisePredictor{Backend: b, Scope: store.RootScope(), Net: m.Net}
	var s *dydiff.Sampler
	var err error
	switch o.Kind {
	case "ddim":
		s, err = dydiff.NewDDIM(d, m.Schedule, dydiff.DDIMOptions{Steps: o.Steps, EtaDDIM: o.EtaDDIM, ClipX0: o.ClipX0})
	case "ddpm":
		s, err = dydiff.NewDDPM(d, m.Schedule, dydiff.DDPMOptions{Steps: o.Steps})
	default:
		return nil, fmt.Errorf("sampler %q: a model of the %s process at η = %g is sampled with ddim or ddpm", o.Kind, m.Config.Noising, m.Config.Eta)
	}
	if err != nil {
		return nil, err
	}
	return &Forecaster{m: m, s: s}, nil
}

// clipped clips the denoiser's estimate to ±c (DDIM's x̂₀ clipping; the Euler step then recomputes
// the noise from the clipped estimate).
func clipped(d diffusion.DenoiserFn, c float64) diffusion.DenoiserFn {
	return func(scope *model.Scope, y, sigma *Node, cond []*Node) *Node {
		return ClipScalar(d(scope, y, sigma, cond), -c, c)
	}
}

// anchoredLogit is the guide as the samplers see it: the guide judges the window's frames, y plus the
// anchor (with the "last" anchor), and the estimate of the clean window likewise.
func (m *Model) anchoredLogit(guide diffusion.Logit) diffusion.Logit {
	if !m.Config.Anchored() {
		return guide
	}
	return func(scope *model.Scope, y, sigma, y0 *Node, cond []*Node) *Node {
		a := m.anchorOf(ConvertDType(cond[0], y.DType()))
		return guide(scope, Add(y, a), sigma, Add(y0, a), cond)
	}
}

// Close releases the compiled graphs.
func (f *Forecaster) Close() { f.s.Close() }

// frameSize is the number of values of one frame.
func (m *Model) frameSize() int { return data.NumElements(m.Config.Frame) }

// Window samples the next Predict frames of `members` trajectories from each one's own Context
// frames: contexts holds members × Context × frame values (normalised), the result members ×
// Predict × frame values. Member m's noise comes from stream (seed, m) alone (noise.Ensemble with one
// case), so it does not depend on how many members are sampled together. A model with actions needs
// WindowActions.
func (f *Forecaster) Window(contexts []float32, members int, seed uint64) ([]float32, error) {
	return f.WindowActions(contexts, nil, members, seed)
}

// WindowActions is Window for a model with actions (Config.Actions A > 0): actions holds members ×
// L × A values, each member's window's action rows (row f the action that led into the window's
// frame f, dataset.PadActions). A model without actions takes nil.
func (f *Forecaster) WindowActions(contexts, actions []float32, members int, seed uint64) ([]float32, error) {
	c := f.m.Config
	F, P, L, S := f.m.frameSize(), c.Context, c.Frames(), c.Predict
	if members < 1 || len(contexts) != members*P*F {
		return nil, fmt.Errorf("dymodel: %d context values for %d members of %d frames %v", len(contexts), members, P, c.Frame)
	}
	if len(actions) != members*L*c.Actions {
		return nil, fmt.Errorf("dymodel: %d action values for %d members of %d frames of %d components", len(actions), members, L, c.Actions)
	}
	if f.m.series != nil {
		return f.seriesWindow(contexts, members, seed)
	}
	x, err := noise.Ensemble{Cases: 1, Members: members}.Initial(seed, append([]int{L}, c.Frame...)...)
	if err != nil {
		return nil, err
	}
	if f.start > 0 {
		x0 := x
		x = dydiff.ReferenceStart(x0, f.start)
		x0.FinalizeAll()
	}
	defer x.FinalizeAll()
	cond := tensors.FromFlatDataAndDimensions(append([]float32(nil), contexts...), append([]int{members, P}, c.Frame...)...)
	defer cond.FinalizeAll()
	conds := []*tensors.Tensor{cond}
	if c.Actions > 0 {
		acts := tensors.FromFlatDataAndDimensions(append([]float32(nil), actions...), members, L, c.Actions)
		defer acts.FinalizeAll()
		conds = append(conds, acts)
	}
	out, err := f.s.Sample(x, conds, seed)
	if err != nil {
		return nil, err
	}
	defer out.FinalizeAll()
	flat := tensors.MustCopyFlatData[float32](out)
	res := make([]float32, 0, members*S*F)
	for m := range members {
		res = append(res, flat[(m*L+P)*F:(m*L+L)*F]...)
	}
	if c.Anchored() { // the model forecasts departures from each member's last observed frame
		for m := range members {
			last := contexts[(m*P+P-1)*F : (m*P+P)*F]
			for s := range S {
				w := res[(m*S+s)*F : (m*S+s+1)*F]
				for i := range w {
					w[i] += last[i]
				}
			}
		}
	}
	return res, nil
}

// WindowSeed is the seed of case b's k-th window (k = 0 for the first Predict frames) in a forecast
// with seed seed: SplitMix64's finaliser over the three, so windows and cases draw unrelated noise and
// case b's member m gets the same noise whatever the number of cases and members.
func WindowSeed(seed uint64, b, k int) uint64 {
	z := seed*0x9e3779b97f4a7c15 ^ uint64(b)<<32 ^ uint64(k)
	for range 2 {
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
	}
	return z
}

// Contexts splits the cases' observed frames [cases, Context, frame...] (physical units, as
// forecast.Context gathers them) into one normalised slice per case, as Ensemble takes them.
func (m *Model) Contexts(observed *data.Array, norm dataset.Norm) [][]float32 {
	v := observed.Float32()
	per := m.Config.Context * m.frameSize()
	out := make([][]float32, len(v)/per)
	for i := range out {
		out[i] = append([]float32(nil), v[i*per:(i+1)*per]...)
		norm.Normalize(out[i], m.Inner())
	}
	return out
}

// EnsembleOptions describe an ensemble forecast.
type EnsembleOptions struct {
	Members, Lead int
	Seed          uint64
	// Work is the rollout's working file (rollout.Run streams the frames there, and an interrupted
	// forecast with the same Identity resumes from it); it is removed when the forecast is read back.
	// Empty: a file in a new temporary folder.
	Work     string
	Identity string
	Progress io.Writer
	// Actions, for a model with actions, holds each case's action rows (dataset.PadActions's layout)
	// from its first observed frame on: row r the action that led into the case's frame r − Context
	// relative to its first forecast frame. Window k of a case takes rows k·Predict .. k·Predict + L − 1,
	// so a case needs ActionRows(Lead) rows.
	Actions [][]float32
}

// ActionRows is the number of action rows a case of a forecast of lead frames needs: through the end
// of its last window, (⌈lead/Predict⌉ − 1)·Predict + Context + Predict.
func (m *Model) ActionRows(lead int) int {
	c := m.Config
	return ((lead+c.Predict-1)/c.Predict-1)*c.Predict + c.Frames()
}

// Ensemble forecasts cases from their observed frames: contexts[b] holds case b's last Context frames
// (normalised). It returns the forecast [cases, members, Lead, frame...] (normalised), made by the
// rollout driver: each step samples the next Predict frames of every member from the last Context
// frames of that member's trajectory (the observed ones first, then its own predictions), with case
// b's window k drawn from WindowSeed(seed, b, k).
func (f *Forecaster) Ensemble(ctx context.Context, contexts [][]float32, o EnsembleOptions) (*data.Array, error) {
	c := f.m.Config
	F, P, S, B, M := f.m.frameSize(), c.Context, c.Predict, len(contexts), o.Members
	if B < 1 || M < 1 || o.Lead < 1 {
		return nil, fmt.Errorf("dymodel: an ensemble forecast needs cases, members and lead ≥ 1, got %d, %d, %d", B, M, o.Lead)
	}
	A, L := c.Actions, c.Frames()
	if A > 0 {
		if len(o.Actions) != B {
			return nil, fmt.Errorf("dymodel: the model takes actions; %d cases have %d action sequences", B, len(o.Actions))
		}
		for b, ab := range o.Actions {
			if need := f.m.ActionRows(o.Lead); len(ab) < need*A {
				return nil, fmt.Errorf("dymodel: case %d has %d action rows, a forecast of %d frames needs %d (through its last window)", b, len(ab)/A, o.Lead, need)
			}
		}
	} else if len(o.Actions) > 0 {
		return nil, fmt.Errorf("dymodel: actions given, but the model was trained without actions")
	}
	initial := make([]float32, 0, P*B*M*F)
	for p := range P {
		for b, cb := range contexts {
			if len(cb) != P*F {
				return nil, fmt.Errorf("dymodel: case %d has %d context values, expected %d frames %v", b, len(cb), P, c.Frame)
			}
			for range M {
				initial = append(initial, cb[p*F:(p+1)*F]...)
			}
		}
	}
	work := o.Work
	if work == "" {
		dir, err := os.MkdirTemp("", "tidal-forecast-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		work = filepath.Join(dir, "rollout.npy")
	}
	step := func(_ context.Context, history [][]float32, frame int) ([]float32, error) {
		out := make([]float32, S*B*M*F)
		ctxs := make([]float32, M*P*F)
		var acts []float32
		if A > 0 {
			acts = make([]float32, M*L*A)
		}
		for b := range B {
			if A > 0 {
				rows := o.Actions[b][frame*A : (frame+L)*A] // window frame/S starts frame rows after the case's first observed frame
				for m := range M {
					copy(acts[m*L*A:], rows)
				}
			}
			for m := range M {
				for p := range P {
					copy(ctxs[(m*P+p)*F:(m*P+p+1)*F], history[p][(b*M+m)*F:(b*M+m+1)*F])
				}
			}
			w, err := f.WindowActions(ctxs, acts, M, WindowSeed(o.Seed, b, frame/S))
			if err != nil {
				return nil, fmt.Errorf("case %d: %w", b, err)
			}
			for m := range M {
				for s := range S {
					copy(out[(s*B*M+b*M+m)*F:], w[(m*S+s)*F:(m*S+s+1)*F])
				}
			}
		}
		return out, nil
	}
	cfg := rollout.Config{Path: work, Frames: o.Lead, Members: B * M, FrameShape: c.Frame, History: P, Window: S,
		Initial: initial, Identity: o.Identity, Progress: o.Progress}
	if _, err := rollout.Run(ctx, cfg, step); err != nil {
		return nil, err
	}
	defer os.Remove(work)
	a, err := data.ReadNPY(work)
	if err != nil {
		return nil, err
	}
	v := a.Float32()
	res := make([]float32, len(v))
	for l := range o.Lead {
		for r := range B * M { // row r = b·M + m
			copy(res[(r*o.Lead+l)*F:(r*o.Lead+l+1)*F], v[(l*B*M+r)*F:(l*B*M+r+1)*F])
		}
	}
	return data.FromFloat32(res, append([]int{B, M, o.Lead}, c.Frame...)...), nil
}
