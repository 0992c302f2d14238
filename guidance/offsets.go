package guidance

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// DefaultSigmaStep is σ_step = 2 of the negatives' offsets l ~ N_Z(1, σ_step²) (Hess et al. 2025,
// eq. 6: variance 4).
const DefaultSigmaStep = 2.0

// Offsets is the distribution of the time offset l of a hard negative xⁿ⁺ˡ (Hess et al. 2025, eq. 6):
// the discretised normal N_Z(1, σ_step²) without 1, i.e. l = round(ξ), ξ ~ N(1, σ_step²), drawn again
// while l = 1 or xⁿ⁺ˡ falls outside the series. So for the offsets allowed,
//
//	p(l) ∝ Φ((l − ½ − 1)/σ_step … (l + ½ − 1)/σ_step) = ½ [erfc((|l−1| − ½)/(σ_step√2)) − erfc((|l−1| + ½)/(σ_step√2))],
//
// renormalised over the allowed set. Offsets near 1 are the hardest negatives: l = 0 is xⁿ itself,
// l = 2, 3 frames just after the true next one, l ≤ −1 past frames.
type Offsets struct {
	// SigmaStep is σ_step; DefaultSigmaStep (2) when 0.
	SigmaStep float64
	// FutureOnly allows only l ≥ 2. The paper's formula allows l ≤ 0 too, and that is the default
	// (UNCONFIRMED: the paper does not say).
	FutureOnly bool
}

// sigmaStep returns σ_step with its default.
func (o Offsets) sigmaStep() float64 {
	if o.SigmaStep == 0 {
		return DefaultSigmaStep
	}
	return o.SigmaStep
}

func (o Offsets) check() error {
	if s := o.sigmaStep(); !(s > 0) || math.IsInf(s, 0) {
		return fmt.Errorf("guidance: offsets' SigmaStep must be a positive number, got %g", o.SigmaStep)
	}
	return nil
}

// roundedNormalMass is P(round(ξ) = 1 + u) for ξ ~ N(1, σ²) and an integer u ≠ 0.
func roundedNormalMass(u int, sigma float64) float64 {
	a := math.Abs(float64(u))
	s := sigma * math.Sqrt2
	return 0.5 * (math.Erfc((a-0.5)/s) - math.Erfc((a+0.5)/s))
}

// PMF returns the offsets l allowed between lo and hi (inclusive: the offsets that keep xⁿ⁺ˡ inside
// the series) and their probabilities, in increasing order of l. Offsets more than 40σ_step from 1,
// whose probability is below 1e-300, are left out. It is an error when no offset is allowed.
func (o Offsets) PMF(lo, hi int) ([]int, []float64, error) {
	if err := o.check(); err != nil {
		return nil, nil, err
	}
	s := o.sigmaStep()
	k := int(math.Min(math.Ceil(40*s), 1<<20))
	lo, hi = max(lo, 1-k), min(hi, 1+k)
	if o.FutureOnly {
		lo = max(lo, 2)
	}
	var ls []int
	var ps []float64
	total := 0.0
	for l := lo; l <= hi; l++ {
		if l == 1 {
			continue
		}
		p := roundedNormalMass(l-1, s)
		if p == 0 {
			continue
		}
		ls, ps = append(ls, l), append(ps, p)
		total += p
	}
	if total == 0 {
		return nil, nil, fmt.Errorf("guidance: no negative offset l ≠ 1 in [%d, %d] (future only: %v, σ_step %g)", lo, hi, o.FutureOnly, s)
	}
	for i := range ps {
		ps[i] /= total
	}
	return ls, ps, nil
}

// Draw returns one offset l from PMF(lo, hi): l = round(ξ), ξ ~ N(1, σ_step²) from rng, drawn again
// while l is not allowed; after 64 refusals (when the allowed offsets are unlikely) it inverts the
// cumulative distribution of PMF instead, which gives the same distribution.
func (o Offsets) Draw(rng *rand.Rand, lo, hi int) (int, error) {
	if err := o.check(); err != nil {
		return 0, err
	}
	s := o.sigmaStep()
	for range 64 {
		l := int(math.Round(1 + s*rng.NormFloat64()))
		if l != 1 && l >= lo && l <= hi && (!o.FutureOnly || l >= 2) {
			return l, nil
		}
	}
	ls, ps, err := o.PMF(lo, hi)
	if err != nil {
		return 0, err
	}
	u := rng.Float64()
	for i, p := range ps {
		if u < p {
			return ls[i], nil
		}
		u -= p
	}
	return ls[len(ls)-1], nil
}
