package metrics

import (
	"fmt"
	"math"
	"slices"
)

// Estimator chooses how the CRPS of an ensemble x_1..x_M against an observation y is estimated. All three
// are computed from the sorted members x_(0) ≤ … ≤ x_(M-1) in O(M log M), using the identity
//
//	Σ_i Σ_j |x_i − x_j| = 2 Σ_k (2k − M + 1) x_(k)      (k = 0..M−1)
//
// so no M×M table of pairs is ever built.
type Estimator int

const (
	// Empirical is the CRPS of the ensemble's empirical distribution (Hess et al. 2025, App. D, eq. 21;
	// properscoring's crps_ensemble; scoringrules' "nrg"):
	//
	//	CRPS = (1/M) Σ_i |x_i − y| − 1/(2M²) Σ_i Σ_j |x_i − x_j|
	//
	// It is exact for the empirical distribution, and as an estimate of the CRPS of the distribution the
	// members are drawn from it is too high by E|X−X'|/(2M) on average (it penalises small ensembles).
	Empirical Estimator = iota
	// Fair is the ensemble-size-unbiased ("fair") CRPS (scoringrules' "fair"; GenCast's scorecards):
	//
	//	CRPS = (1/M) Σ_i |x_i − y| − 1/(2M(M−1)) Σ_i Σ_j |x_i − x_j|
	//
	// Its expectation over ensembles of M independent members equals the CRPS of their distribution for every
	// M ≥ 2. It needs at least 2 members.
	Fair
	// PWM is the probability-weighted-moment form of the DyDiff evaluation code (Guo et al. 2025's
	// CRPS_PWM; docs/METRICS.md), with β0 = (1/M) Σ_k x_(k) and β1 = Σ_k k x_(k) / (M(M−1)):
	//
	//	CRPS = (1/M) Σ_i |x_i − y| + β0 − 2 β1
	//
	// It equals Fair algebraically (β0 − 2β1 = −1/(2M(M−1)) Σ_i Σ_j |x_i − x_j|); it is kept so that numbers
	// can be matched term by term with DyDiff's tables. With one member it is |x − y|, as in that code.
	PWM
)

// String is the metric name `tidal score` uses.
func (e Estimator) String() string {
	switch e {
	case Empirical:
		return "crps"
	case Fair:
		return "crps-fair"
	case PWM:
		return "crps-pwm"
	}
	return fmt.Sprintf("Estimator(%d)", int(e))
}

// minMembers is the smallest ensemble the estimator is defined for.
func (e Estimator) minMembers() int {
	if e == Fair {
		return 2
	}
	return 1
}

// CRPSEnsemble returns the CRPS of the ensemble members against y with the chosen estimator. It sorts a copy
// of members; NaN is returned when the estimator needs more members than given.
func CRPSEnsemble(members []float64, y float64, est Estimator) float64 {
	x := slices.Clone(members)
	slices.Sort(x)
	return CRPSSorted(x, y, est)
}

// CRPSSorted is CRPSEnsemble for members already sorted ascending: one O(M) pass.
func CRPSSorted(x []float64, y float64, est Estimator) float64 {
	m := len(x)
	if m < est.minMembers() {
		return math.NaN()
	}
	var absSum, sum, rankSum float64
	for k, v := range x {
		absSum += math.Abs(v - y)
		sum += v
		rankSum += float64(k) * v
	}
	return crpsFromSums(absSum, sum, rankSum, m, est)
}

// CRPSOptions configures CRPS over fields.
type CRPSOptions struct {
	Estimator Estimator
	// Weights holds one weight per field point, normalised to mean 1 (see PointWeights); nil weighs all
	// points equally.
	Weights []float64
	// Pool, when set, pools every member's field and the truth over windows before scoring (DyDiff's pooled
	// CRPS). Weights must then be nil.
	Pool *Pooling
	// NonNegativeTruthOnly averages only over points whose truth is ≥ 0 (with pooling: whose window holds
	// no negative truth value), reproducing the DyDiff evaluation's mask (Guo et al. 2025's
	// evaluation code; docs/METRICS.md).
	// Off by default: it drops about half the points of a signed field. Cases and leads where no point
	// qualifies are left out of the mean.
	NonNegativeTruthOnly bool
}

// networkMaxMembers is the largest ensemble sorted with the vectorised sorting network, whose
// O(M log² M) comparators beat a per-point O(M log M) sort for ensembles of this size; larger ensembles
// are sorted point by point.
const networkMaxMembers = 128

// crpsColumnsBySort is crpsColumns for large ensembles: each column is copied out, sorted with an
// O(M log M) sort and scored.
func crpsColumnsBySort(rows []float64, stride, m, n int, y []float64, est Estimator, out, column []float64) {
	for j := 0; j < n; j++ {
		for k := 0; k < m; k++ {
			column[k] = rows[k*stride+j]
		}
		slices.Sort(column)
		out[j] = CRPSSorted(column, y[j], est)
	}
}

// CRPS returns, for each lead l, the CRPS averaged over the field points (weighted by w_p) and over cases:
//
//	CRPS_l = (1/C) Σ_c [ Σ_p w_p crps(x_{c,·,l,p}, y_{c,l,p}) / Σ_p w_p ]
//
// with crps the per-point estimator chosen in opt. Work is O(C·L·P·M log M): ensembles of up to 128
// members are sorted many points at a time by a vectorised sorting network, larger ones point by point.
func CRPS[F, O Float](f *Fields[F], o *Fields[O], opt CRPSOptions) ([]float64, error) {
	perCase, err := CRPSPerCase(f, o, opt)
	if err != nil {
		return nil, err
	}
	return meanOverCases(perCase, f.Leads)
}

// meanOverCases averages [case][lead] values over the cases where they are defined (not NaN).
func meanOverCases(perCase [][]float64, leads int) ([]float64, error) {
	out := make([]float64, leads)
	for l := range out {
		var s float64
		n := 0
		for _, row := range perCase {
			if !math.IsNaN(row[l]) {
				s += row[l]
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("lead %d: no point has truth ≥ 0 to score", l+1)
		}
		out[l] = s / float64(n)
	}
	return out, nil
}

// CRPSPerCase is CRPS before the mean over cases: [case][lead] the weighted mean over the field points,
// NaN where no point qualifies (NonNegativeTruthOnly). The bootstrap intervals resample its rows.
func CRPSPerCase[F, O Float](f *Fields[F], o *Fields[O], opt CRPSOptions) ([][]float64, error) {
	if err := Match(f, o); err != nil {
		return nil, err
	}
	if f.Members < opt.Estimator.minMembers() {
		return nil, fmt.Errorf("%v needs at least %d members; the forecast has %d", opt.Estimator, opt.Estimator.minMembers(), f.Members)
	}
	if opt.Weights != nil && len(opt.Weights) != f.Points() {
		return nil, fmt.Errorf("%d weights for a field of %d points", len(opt.Weights), f.Points())
	}
	if opt.Pool != nil && opt.Weights != nil {
		return nil, fmt.Errorf("pooled CRPS takes no point weights")
	}
	src, err := newMemberSource(f, o, opt.Pool)
	if err != nil {
		return nil, err
	}
	var net [][2]int
	if f.Members <= networkMaxMembers {
		net = sortingNetwork(f.Members)
	}
	type part struct{ sum, weight float64 }
	parts := make([]part, f.Cases*f.Leads)
	scratch := make([]*memberScratch, numWorkers(len(parts)))
	parallelFor(len(parts), func(w, i int) {
		if scratch[w] == nil {
			scratch[w] = src.newScratch()
		}
		s := scratch[w]
		c, l := i/f.Leads, i%f.Leads
		src.load(s, c, l)
		var sum, wsum float64
		for p0 := 0; p0 < src.points; p0 += chunkPoints {
			n := src.gather(s, p0)
			copy(s.yChunk, s.y[p0:p0+n])
			if net != nil {
				sortColumns(s.chunk, chunkPoints, n, net)
				crpsColumns(s.chunk, chunkPoints, f.Members, n, s.yChunk, opt.Estimator, s.out)
			} else {
				crpsColumnsBySort(s.chunk, chunkPoints, f.Members, n, s.yChunk, opt.Estimator, s.out, s.column)
			}
			for j, v := range s.out[:n] {
				if opt.NonNegativeTruthOnly && s.yMin[p0+j] < 0 {
					continue
				}
				wp := weightAt(opt.Weights, p0+j)
				sum += wp * v
				wsum += wp
			}
		}
		parts[i] = part{sum, wsum}
	})
	out := make([][]float64, f.Cases)
	for c := range out {
		out[c] = make([]float64, f.Leads)
		for l := range out[c] {
			out[c][l] = math.NaN()
			if p := parts[c*f.Leads+l]; p.weight > 0 {
				out[c][l] = p.sum / p.weight
			}
		}
	}
	return out, nil
}
