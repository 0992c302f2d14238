package metrics

import (
	"fmt"
	"math"
)

// EnergyScore is the energy score (Gneiting & Raftery 2007, eq. 22) of the ensemble's fields as
// vectors: for each case c and lead l, with x_m the members' fields and y the truth's (the field
// points, e.g. the N series of a time step, as the vector's components),
//
//	ES = (1/M) Σ_m ‖x_m − y‖ − (1/(2M²)) Σ_{m,k} ‖x_m − x_k‖
//
// (scoringRules' es_sample), averaged over cases per lead. With one field point it is the empirical
// ensemble CRPS. It is O(M²·points) per case and lead.
func EnergyScore[F, O Float](f *Fields[F], o *Fields[O]) ([]float64, error) {
	if err := Match(f, o); err != nil {
		return nil, err
	}
	P, M := f.Points(), f.Members
	out := make([]float64, f.Leads)
	xs := make([][]float64, M)
	for m := range xs {
		xs[m] = make([]float64, P)
	}
	y := make([]float64, P)
	for c := range f.Cases {
		for l := range f.Leads {
			o.CopyField(y, c, 0, l)
			for m := range M {
				f.CopyField(xs[m], c, m, l)
			}
			var toTruth, pairs float64
			for m := range M {
				toTruth += distance(xs[m], y)
				for k := m + 1; k < M; k++ {
					pairs += 2 * distance(xs[m], xs[k])
				}
			}
			out[l] += toTruth/float64(M) - pairs/(2*float64(M)*float64(M))
		}
	}
	for l := range out {
		out[l] /= float64(f.Cases)
	}
	return out, nil
}

// VariogramScore is the variogram score of order p with unit weights (Scheuerer & Hamill 2015,
// eq. 2): for each case and lead, over every ordered pair (i, j) of field points,
//
//	VS_p = Σ_{i,j} ( |y_i − y_j|^p − (1/M) Σ_m |x_{m,i} − x_{m,j}|^p )²
//
// (scoringRules' vs_sample with unit weights), averaged over cases per lead. Order p = 0.5 is the
// paper's recommendation. It is O(M·points²) per case and lead.
func VariogramScore[F, O Float](f *Fields[F], o *Fields[O], p float64) ([]float64, error) {
	if err := Match(f, o); err != nil {
		return nil, err
	}
	if !(p > 0) || math.IsInf(p, 0) {
		return nil, fmt.Errorf("variogram order p = %v: expected a finite p > 0", p)
	}
	P, M := f.Points(), f.Members
	out := make([]float64, f.Leads)
	x := make([]float64, P)
	y := make([]float64, P)
	vx := make([]float64, P*P)
	for c := range f.Cases {
		for l := range f.Leads {
			o.CopyField(y, c, 0, l)
			clear(vx)
			for m := range M {
				f.CopyField(x, c, m, l)
				for i := range P {
					for j := i + 1; j < P; j++ {
						vx[i*P+j] += math.Pow(math.Abs(x[i]-x[j]), p)
					}
				}
			}
			var s float64
			for i := range P {
				for j := i + 1; j < P; j++ {
					d := math.Pow(math.Abs(y[i]-y[j]), p) - vx[i*P+j]/float64(M)
					s += 2 * d * d // the pairs (i, j) and (j, i)
				}
			}
			out[l] += s
		}
	}
	for l := range out {
		out[l] /= float64(f.Cases)
	}
	return out, nil
}

// DefaultVariogramOrder is the variogram score's order p, Scheuerer & Hamill's recommendation.
const DefaultVariogramOrder = 0.5

func distance(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}
