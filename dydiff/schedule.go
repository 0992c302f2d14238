package dydiff

import (
	"fmt"
	"math"

	"github.com/tidal-forecast/tidal/diffusion"
)

// Defaults of the reference configuration (docs/DIFFUSION.md, "Schedules").
const (
	// DefaultT is the number of diffusion steps T.
	DefaultT = 1000
	// CosineS is the offset s of the cosine schedule f(u) = cos²((u+s)/(1+s)·π/2).
	CosineS = 0.008
	// MaxBeta clips every per-step β_t and g_t (docs/DIFFUSION.md, "Schedules").
	MaxBeta = 0.999
	// DefaultEta is the DyDiff default η (config "cosine-0.5").
	DefaultEta = 0.5
)

// Noising selects which parts of the forward process go through Dynamics: the dependent-noise ablation
// switches of docs/DIFFUSION.md, "Forward process and loss" (the reference code's use_x_ema).
type Noising int

const (
	// DependentNoise is DyDiff proper (use_x_ema=True): x_t = √ᾱ Dyn(x₀) + √(1−ᾱ) Dyn(ε), target Dyn(ε).
	DependentNoise Noising = iota
	// IndependentNoise applies Dynamics to the data only (use_x_ema='only'):
	// x_t = √ᾱ Dyn(x₀) + √(1−ᾱ) ε, target ε.
	IndependentNoise
	// NoiseDynamicsOnly applies Dynamics to the noise only (use_x_ema=False):
	// x_t = √ᾱ x₀ + √(1−ᾱ) Dyn(ε), target Dyn(ε).
	NoiseDynamicsOnly
)

// String names the switch.
func (n Noising) String() string {
	switch n {
	case DependentNoise:
		return "dependent"
	case IndependentNoise:
		return "independent"
	case NoiseDynamicsOnly:
		return "noise-dynamics-only"
	}
	return fmt.Sprintf("Noising(%d)", int(n))
}

// dataDynamics says whether Dynamics acts on the data term.
func (n Noising) dataDynamics() bool { return n != NoiseDynamicsOnly }

// noiseDynamics says whether Dynamics acts on the noise term.
func (n Noising) noiseDynamics() bool { return n != IndependentNoise }

// ScheduleOptions configure NewSchedule. The zero value gives the reference schedule.
type ScheduleOptions struct {
	// T is the number of diffusion steps; 0 means DefaultT (1000).
	T int
	// Noising is the ablation switch of docs/DIFFUSION.md, "Forward process and loss"; the zero value is
	// DyDiff proper.
	Noising Noising
	// AllowEtaOne lets η = 1 through. Then γ̄ falls to ≈2.4e-9 at t = T−1 and InverseDynamics divides by
	// √γ̄ ≈ 5e-5, which float32 cannot survive (docs/DIFFUSION.md, "Schedules"). Without it, η ≥ 1 is an error.
	AllowEtaOne bool
}

// Schedule is the immutable DyDiff noise schedule: ᾱ_t (cosine β, T steps) and γ̄_t (cosine-η), indexed by
// the 0-based diffusion step t, plus the ablation switch the whole process uses. Build it with
// NewSchedule; the zero value is not usable.
type Schedule struct {
	eta      float64
	noising  Noising
	alphaBar []float64
	gammaBar []float64
}

// NewSchedule computes the schedules exactly as the reference code does (docs/DIFFUSION.md, "Schedules"):
//
//	f(u) = cos²((u+s)/(1+s)·π/2),  v_i = f(i/T)/f(0),  β_t = clip(1 − v_{t+1}/v_t, 0, 0.999),  ᾱ_t = Π_{k≤t}(1−β_k)
//	w_i = η·v_i + (1−η),            g_t = clip(1 − w_{t+1}/w_t, 0, 0.999),  γ̄_t = Π_{k≤t}(1−g_k)
//
// so γ̄_t = 1 − η(1−ᾱ_t) up to the clip at t = T−1. η must lie in [0, 1); η = 1 needs
// opt.AllowEtaOne; η > 1 would make γ̄ negative and is always refused.
func NewSchedule(eta float64, opt ScheduleOptions) (Schedule, error) {
	T := opt.T
	if T == 0 {
		T = DefaultT
	}
	switch {
	case T < 2:
		return Schedule{}, fmt.Errorf("dydiff: schedule length T=%d, expected at least 2", T)
	case math.IsNaN(eta) || eta < 0 || eta > 1:
		return Schedule{}, fmt.Errorf("dydiff: η=%v, expected 0 ≤ η < 1", eta)
	case eta == 1 && !opt.AllowEtaOne:
		return Schedule{}, fmt.Errorf("dydiff: η=1 makes γ̄ reach ≈2.4e-9 at t=T−1, so InverseDynamics divides by " +
			"√γ̄ and float32 breaks; set ScheduleOptions.AllowEtaOne to use it anyway")
	case opt.Noising < DependentNoise || opt.Noising > NoiseDynamicsOnly:
		return Schedule{}, fmt.Errorf("dydiff: unknown Noising %d", int(opt.Noising))
	}
	v := make([]float64, T+1)
	for i := range v {
		u := float64(i)/float64(T) + CosineS
		c := math.Cos(u / (1 + CosineS) * math.Pi / 2)
		v[i] = c * c
	}
	f0 := v[0]
	w := make([]float64, T+1)
	for i := range v {
		v[i] /= f0
		w[i] = v[i]*eta + (1 - eta)
	}
	return Schedule{eta: eta, noising: opt.Noising, alphaBar: cumprodClipped(v), gammaBar: cumprodClipped(w)}, nil
}

// cumprodClipped returns Π_{k≤t}(1 − clip(1 − r_{k+1}/r_k, 0, MaxBeta)) for t = 0..len(r)−2.
func cumprodClipped(r []float64) []float64 {
	out := make([]float64, len(r)-1)
	p := 1.0
	for t := range out {
		b := 1 - r[t+1]/r[t]
		b = min(max(b, 0), MaxBeta)
		p *= 1 - b
		out[t] = p
	}
	return out
}

// T returns the number of diffusion steps.
func (s Schedule) T() int { return len(s.alphaBar) }

// Eta returns η.
func (s Schedule) Eta() float64 { return s.eta }

// Noising returns the ablation switch of the process.
func (s Schedule) Noising() Noising { return s.noising }

// AlphaBar returns ᾱ_t (docs/DIFFUSION.md, "Schedules"; code alphas_cumprod[t]) for t in −1..T−1; t = −1
// gives 1, the value "before" the first step. Other t panic, like an index out of range.
func (s Schedule) AlphaBar(t int) float64 {
	if t == -1 {
		return 1
	}
	return s.alphaBar[t]
}

// GammaBar returns γ̄_t (docs/DIFFUSION.md, "Schedules"; code thetas_cumprod[t]), the Dynamics weight of the
// current frame, for t in −1..T−1; t = −1 gives 1. Other t panic, like an index out of range.
func (s Schedule) GammaBar(t int) float64 {
	if t == -1 {
		return 1
	}
	return s.gammaBar[t]
}

// AlphaBars returns a copy of ᾱ_0..ᾱ_{T−1}.
func (s Schedule) AlphaBars() []float64 { return append([]float64(nil), s.alphaBar...) }

// GammaBars returns a copy of γ̄_0..γ̄_{T−1}.
func (s Schedule) GammaBars() []float64 { return append([]float64(nil), s.gammaBar...) }

// valid reports whether s was built by NewSchedule.
func (s Schedule) valid() error {
	if len(s.alphaBar) == 0 {
		return fmt.Errorf("dydiff: zero Schedule; build one with NewSchedule")
	}
	return nil
}

// Timesteps returns the ascending diffusion steps τ_0 < … < τ_{n−1} a sampler visits (in reverse), the
// reference code's make_ddim_timesteps("uniform", n, T) (docs/DIFFUSION.md, "Samplers";
// diffusion.DDIMTimesteps): 50 steps of T = 1000 give 1, 21, …, 981, and n = T every step 0..T−1.
func (s Schedule) Timesteps(n int) ([]int, error) { return diffusion.DDIMTimesteps(s.T(), n) }

// checkTimesteps validates an explicit step list: strictly ascending, inside 0..T−1.
func (s Schedule) checkTimesteps(ts []int) error {
	if len(ts) == 0 {
		return fmt.Errorf("dydiff: empty timestep list")
	}
	for i, t := range ts {
		if t < 0 || t >= s.T() {
			return fmt.Errorf("dydiff: timestep[%d]=%d outside 0..%d", i, t, s.T()-1)
		}
		if i > 0 && t <= ts[i-1] {
			return fmt.Errorf("dydiff: timesteps must be strictly ascending, got %d after %d", t, ts[i-1])
		}
	}
	return nil
}
