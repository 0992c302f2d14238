package metrics

import (
	"fmt"
	"math"
	"slices"
)

// Ratio is a metric defined as a ratio of sums, per lead and pooled over all leads. Pooled is the ratio of
// the sums over every lead (not the mean of the per-lead ratios): it is the number papers report for
// CRPS-sum, CSI and FSS.
type Ratio struct {
	PerLead []float64
	Pooled  float64
}

// CRPSSum is the CRPS-sum of multivariate forecasts in its ensemble form: for each case c and lead (time
// step) l, the field's points (the series) are summed, z = Σ_p y_p and s_m = Σ_p x_{m,p}, and
//
//	CRPS-sum = Σ_{c,l} CRPS({s_m}, z) / Σ_{c,l} |z|
//
// with CRPS the chosen ensemble estimator (Salinas et al. 2019; TimeGrad). The per-lead values sum over cases
// only. The denominator is the absolute value of the summed truth; for non-negative series it equals Σ|y|.
// Compare CRPSSumQuantile, the quantile-loss approximation GluonTS and CSDI report under the same name.
func CRPSSum[F, O Float](f *Fields[F], o *Fields[O], est Estimator) (Ratio, error) {
	s, z, err := summedSeries(f, o)
	if err != nil {
		return Ratio{}, err
	}
	if f.Members < est.minMembers() {
		return Ratio{}, fmt.Errorf("%v needs at least %d members; the forecast has %d", est, est.minMembers(), f.Members)
	}
	num := make([]float64, len(z))
	den := make([]float64, len(z))
	for i := range z {
		num[i] = CRPSEnsemble(s[i*f.Members:(i+1)*f.Members], z[i], est)
		den[i] = math.Abs(z[i])
	}
	return ratioByLead(num, den, f.Cases, f.Leads)
}

// DefaultQuantiles are the levels 0.05, 0.10, …, 0.95 of GluonTS's evaluator and CSDI.
func DefaultQuantiles() []float64 {
	q := make([]float64, 19)
	for i := range q {
		q[i] = float64(i+1) / 20
	}
	return q
}

// CRPSSumQuantile is the CRPS-sum as GluonTS (m_sum_mean_wQuantileLoss) and CSDI (calc_quantile_CRPS_sum)
// compute it: with z and s_m the summed truth and members as in CRPSSum, ẑ_q the q-quantile of {s_m}
// (linear interpolation between order statistics, NumPy's default), and the quantile loss
// QL_q = 2 Σ_{c,l} |(ẑ_q − z)(1{z ≤ ẑ_q} − q)|,
//
//	CRPS-sum_QL = (1/|Q|) Σ_{q∈Q} QL_q / Σ_{c,l} |z|
//
// It approximates the CRPS integral by the quantile levels Q (DefaultQuantiles when nil), so it differs from
// CRPSSum by a discretisation error that does not vanish as the ensemble grows.
func CRPSSumQuantile[F, O Float](f *Fields[F], o *Fields[O], quantiles []float64) (Ratio, error) {
	s, z, err := summedSeries(f, o)
	if err != nil {
		return Ratio{}, err
	}
	return quantileLossRatio(s, z, f.Members, f.Cases, f.Leads, quantiles)
}

// QuantileCRPS is the per-series form of CRPSSumQuantile, GluonTS's "mean_wQuantileLoss" and CSDI's
// calc_quantile_CRPS: the same normalised quantile loss with every field point (series) scored on its own,
//
//	CRPS_QL = (1/|Q|) Σ_q 2 Σ_{c,l,p} |(ŷ_q − y)(1{y ≤ ŷ_q} − q)| / Σ_{c,l,p} |y|
func QuantileCRPS[F, O Float](f *Fields[F], o *Fields[O], quantiles []float64) (Ratio, error) {
	if err := Match(f, o); err != nil {
		return Ratio{}, err
	}
	per := f.Cases * f.Leads
	np := f.Points()
	qs, err := checkQuantiles(quantiles)
	if err != nil {
		return Ratio{}, err
	}
	loss := make([]float64, per)
	absY := make([]float64, per)
	parallelFor(per, func(_, i int) {
		c, l := i/f.Leads, i%f.Leads
		x := make([]float64, f.Members)
		for p := 0; p < np; p++ {
			for m := range x {
				x[m] = f.At(c, m, l, p)
			}
			slices.Sort(x)
			y := o.At(c, 0, l, p)
			loss[i] += meanQuantileLoss(x, y, qs)
			absY[i] += math.Abs(y)
		}
	})
	return ratioByLead(loss, absY, f.Cases, f.Leads)
}

// summedSeries returns, for each (case, lead) in that order, the members' sums over the field (M values
// each, in s) and the truth's sum (in z).
func summedSeries[F, O Float](f *Fields[F], o *Fields[O]) (s, z []float64, err error) {
	if err := Match(f, o); err != nil {
		return nil, nil, err
	}
	s = make([]float64, f.Cases*f.Leads*f.Members)
	z = make([]float64, f.Cases*f.Leads)
	parallelFor(f.Cases*f.Leads, func(_, i int) {
		c, l := i/f.Leads, i%f.Leads
		for m := 0; m < f.Members; m++ {
			var acc float64
			for p := 0; p < f.Points(); p++ {
				acc += f.At(c, m, l, p)
			}
			s[i*f.Members+m] = acc
		}
		var acc float64
		for p := 0; p < o.Points(); p++ {
			acc += o.At(c, 0, l, p)
		}
		z[i] = acc
	})
	return s, z, nil
}

func quantileLossRatio(s, z []float64, members, cases, leads int, quantiles []float64) (Ratio, error) {
	qs, err := checkQuantiles(quantiles)
	if err != nil {
		return Ratio{}, err
	}
	loss := make([]float64, len(z))
	absZ := make([]float64, len(z))
	for i := range z {
		x := slices.Clone(s[i*members : (i+1)*members])
		slices.Sort(x)
		loss[i] = meanQuantileLoss(x, z[i], qs)
		absZ[i] = math.Abs(z[i])
	}
	return ratioByLead(loss, absZ, cases, leads)
}

func checkQuantiles(q []float64) ([]float64, error) {
	if q == nil {
		return DefaultQuantiles(), nil
	}
	if len(q) == 0 {
		return nil, fmt.Errorf("no quantile levels given")
	}
	for _, v := range q {
		if !(v > 0 && v < 1) {
			return nil, fmt.Errorf("quantile level %v is not in (0, 1)", v)
		}
	}
	return q, nil
}

// meanQuantileLoss is (1/|Q|) Σ_q 2|(x̂_q − y)(1{y ≤ x̂_q} − q)| for sorted members x.
func meanQuantileLoss(x []float64, y float64, qs []float64) float64 {
	var s float64
	for _, q := range qs {
		xq := Quantile(x, q)
		ind := 0.0
		if y <= xq {
			ind = 1
		}
		s += 2 * math.Abs((xq-y)*(ind-q))
	}
	return s / float64(len(qs))
}

// Quantile is the q-quantile of sorted values by linear interpolation between order statistics (NumPy's
// default "linear" method): with h = (n−1)q, x_(⌊h⌋) + (h − ⌊h⌋)(x_(⌊h⌋+1) − x_(⌊h⌋)).
func Quantile(sorted []float64, q float64) float64 {
	h := float64(len(sorted)-1) * q
	lo := int(math.Floor(h))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// ratioByLead turns per-(case, lead) numerators and denominators into per-lead and pooled ratios.
func ratioByLead(num, den []float64, cases, leads int) (Ratio, error) {
	r := Ratio{PerLead: make([]float64, leads)}
	var tn, td float64
	for l := 0; l < leads; l++ {
		var n, d float64
		for c := 0; c < cases; c++ {
			n += num[c*leads+l]
			d += den[c*leads+l]
		}
		r.PerLead[l] = n / d
		tn += n
		td += d
	}
	if td == 0 {
		return Ratio{}, fmt.Errorf("the truth is zero everywhere, so the normalisation Σ|y| is zero")
	}
	r.Pooled = tn / td
	return r, nil
}
