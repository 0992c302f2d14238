package metrics

import (
	"fmt"
	"math"
)

// RMSE returns, per lead, the root-mean-square error of the ensemble mean x̄ (the forecast itself when
// M = 1), weighted by the point weights w_p (mean 1; latitude weights in Hess et al. 2025, App. D, eq. 17), with
// the square root taken per case and then averaged over the C cases:
//
//	RMSE_l = (1/C) Σ_c √( (1/P) Σ_p w_p (y_{c,l,p} − x̄_{c,l,p})² )
//
// Eq. 17 as printed sums over time inside the root; averaging per-case RMSEs is the usual choice for
// forecasts (WeatherBench2's "sqrt before time average"). Skill in SpreadSkillRatio takes the root after
// averaging over cases instead, as the spread-skill ratio needs.
func RMSE[F, O Float](f *Fields[F], o *Fields[O], weights []float64) ([]float64, error) {
	if err := checkWeights(f, o, weights); err != nil {
		return nil, err
	}
	perCase := RMSEPerCase(f, o, weights)
	out := make([]float64, f.Leads)
	for l := range out {
		for c := 0; c < f.Cases; c++ {
			out[l] += perCase[c][l]
		}
		out[l] /= float64(f.Cases)
	}
	return out, nil
}

// RMSEPerCase is RMSE before the mean over cases: [case][lead] √((1/P) Σ_p w_p (y − x̄)²). The weights
// must have been checked (RMSE does).
func RMSEPerCase[F, O Float](f *Fields[F], o *Fields[O], weights []float64) [][]float64 {
	_, errs := meanSquares(f, o, weights)
	out := make([][]float64, f.Cases)
	for c := range out {
		out[c] = make([]float64, f.Leads)
		for l := range out[c] {
			out[c][l] = math.Sqrt(errs[c*f.Leads+l])
		}
	}
	return out
}

// Bias holds the bias of the ensemble mean per lead.
type Bias struct {
	Maps    [][]float64 // Maps[l][p] = (1/C) Σ_c (y − x̄) at point p (eq. 18)
	Mean    []float64   // (1/P) Σ_p w_p Maps[l][p]
	MeanAbs []float64   // (1/P) Σ_p w_p |Maps[l][p]| ("mean absolute bias")
}

// BiasMaps returns the bias map of every lead (Hess et al. 2025, App. D, eq. 18), with the paper's sign:
//
//	Bias_{l,p} = (1/C) Σ_c (y_{c,l,p} − x̄_{c,l,p})
//
// so a positive bias means the forecast is too low. Mean and MeanAbs summarise each map with the point weights.
func BiasMaps[F, O Float](f *Fields[F], o *Fields[O], weights []float64) (Bias, error) {
	if err := checkWeights(f, o, weights); err != nil {
		return Bias{}, err
	}
	np := f.Points()
	b := Bias{Maps: make([][]float64, f.Leads), Mean: make([]float64, f.Leads), MeanAbs: make([]float64, f.Leads)}
	parallelFor(f.Leads, func(_, l int) {
		bm := make([]float64, np)
		xm := make([]float64, np)
		for c := 0; c < f.Cases; c++ {
			EnsembleMean(f, c, l, xm)
			for p := range bm {
				bm[p] += o.At(c, 0, l, p) - xm[p]
			}
		}
		for p := range bm {
			bm[p] /= float64(f.Cases)
			w := weightAt(weights, p)
			b.Mean[l] += w * bm[p]
			b.MeanAbs[l] += w * math.Abs(bm[p])
		}
		b.Mean[l] /= float64(np)
		b.MeanAbs[l] /= float64(np)
		b.Maps[l] = bm
	})
	return b, nil
}

func checkWeights[F, O Float](f *Fields[F], o *Fields[O], weights []float64) error {
	if err := Match(f, o); err != nil {
		return err
	}
	if weights != nil && len(weights) != f.Points() {
		return fmt.Errorf("%d weights for a field of %d points", len(weights), f.Points())
	}
	return nil
}
