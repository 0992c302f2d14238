package metrics

import (
	"fmt"
	"math"
)

// SpreadSkill holds the calibration scores of an ensemble, per lead (Hess et al. 2025, App. D, eqs. 22–24).
type SpreadSkill struct {
	Spread []float64 // ensemble spread
	Skill  []float64 // RMSE of the ensemble mean
	SSR    []float64 // spread-skill ratio √((M+1)/M) · Spread/Skill; 1 is ideal
}

// SpreadSkillRatio computes, with x̄ the ensemble mean, w_p the point weights (mean 1) and M the ensemble
// size, for each lead:
//
//	Spread = √( mean_{c,p} w_p · 1/(M−1) Σ_m (x_m − x̄)² )                 (eq. 22)
//	Skill  = √( mean_{c,p} w_p (y − x̄)² )                                   (eq. 23)
//	SSR    = √((M+1)/M) · Spread / Skill                                     (eq. 24)
//
// The √((M+1)/M) factor corrects for the finite ensemble: when truth and members are exchangeable draws,
// E[(y − x̄)²] = (M+1)/M · E[variance], so a calibrated ensemble has SSR ≈ 1. The mean over the C cases is
// taken over the squared quantities before the square root (as GenCast does; the paper's aggregation over
// forecasts is UNCONFIRMED). It needs M ≥ 2.
func SpreadSkillRatio[F, O Float](f *Fields[F], o *Fields[O], weights []float64) (SpreadSkill, error) {
	if err := checkWeights(f, o, weights); err != nil {
		return SpreadSkill{}, err
	}
	if f.Members < 2 {
		return SpreadSkill{}, fmt.Errorf("spread needs at least 2 members; the forecast has %d", f.Members)
	}
	vars, errs := meanSquares(f, o, weights)
	mf := float64(f.Members)
	r := SpreadSkill{Spread: make([]float64, f.Leads), Skill: make([]float64, f.Leads), SSR: make([]float64, f.Leads)}
	for l := 0; l < f.Leads; l++ {
		var v, e float64
		for c := 0; c < f.Cases; c++ {
			v += vars[c*f.Leads+l]
			e += errs[c*f.Leads+l]
		}
		r.Spread[l] = math.Sqrt(v / float64(f.Cases))
		r.Skill[l] = math.Sqrt(e / float64(f.Cases))
		r.SSR[l] = math.Sqrt((mf+1)/mf) * r.Spread[l] / r.Skill[l]
	}
	return r, nil
}

// meanSquares returns, per (case, lead), the weighted field means of the unbiased ensemble variance and of
// the squared error of the ensemble mean (before any square root).
func meanSquares[F, O Float](f *Fields[F], o *Fields[O], weights []float64) (vars, errs []float64) {
	vars = make([]float64, f.Cases*f.Leads)
	errs = make([]float64, f.Cases*f.Leads)
	np := f.Points()
	mf := float64(f.Members)
	scratch := make([][]float64, numWorkers(len(vars)))
	parallelFor(len(vars), func(w, i int) {
		c, l := i/f.Leads, i%f.Leads
		if scratch[w] == nil {
			scratch[w] = make([]float64, 2*np)
		}
		mean, m2 := scratch[w][:np], scratch[w][np:]
		clear(scratch[w])
		for m := 0; m < f.Members; m++ { // Welford's update, one member at a time, for a stable variance
			b := f.base(c, m, l)
			k := float64(m + 1)
			for p, off := range f.offsets {
				x := float64(f.data[b+off])
				d := x - mean[p]
				mean[p] += d / k
				m2[p] += d * (x - mean[p])
			}
		}
		var v, e float64
		for p := 0; p < np; p++ {
			w := weightAt(weights, p)
			d := o.At(c, 0, l, p) - mean[p]
			v += w * m2[p] / (mf - 1)
			e += w * d * d
		}
		vars[i], errs[i] = v/float64(np), e/float64(np)
	})
	return vars, errs
}

// EnsembleMean returns the ensemble mean of field (c, l) in dst (length Points).
func EnsembleMean[F Float](f *Fields[F], c, l int, dst []float64) []float64 {
	clear(dst)
	for m := 0; m < f.Members; m++ {
		b := f.base(c, m, l)
		for p, off := range f.offsets {
			dst[p] += float64(f.data[b+off])
		}
	}
	for p := range dst {
		dst[p] /= float64(f.Members)
	}
	return dst
}
