// Package seriesscore scores series forecasts held as data arrays, forecasts [windows, members, predict, N]
// against truth [windows, predict, N], with the CRPS-sum in the forms docs/SERIES.md reports (GluonTS's
// quantile-loss form and the exact ensemble CRPS of the sum with the fair and empirical estimators) and
// the scores that CRPS-sum alone leaves out: the per-series weighted quantile loss, the energy score and
// the variogram score (Koochali et al. 2022 show CRPS-sum rewarding forecasts with wrong marginals).
package seriesscore

import (
	"fmt"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
)

// Sums are the pooled CRPS-sum of one forecast in three forms.
type Sums struct {
	// Quantile is metrics.CRPSSumQuantile at the default 19 levels, the number papers quote as "CRPS-sum".
	Quantile float64
	// Fair and Empirical are metrics.CRPSSum with the fair (unbiased) and empirical estimators; Fair is
	// NaN for a one-member forecast.
	Fair, Empirical float64
	// WQL is metrics.QuantileCRPS pooled (GluonTS's mean_wQuantileLoss, the per-series "CRPS").
	WQL float64
	// Energy and Variogram are metrics.EnergyScore and metrics.VariogramScore (order 0.5) of each
	// window's and step's N series as a vector, averaged over windows and steps (series' units).
	Energy, Variogram float64
}

// CRPSSum scores forecast f [windows, members, predict, N] against truth [windows, predict, N].
func CRPSSum(f, truth *data.Array) (Sums, error) {
	fe, err := metrics.NewEnsemble(f.Float32(), f.Shape, metrics.DefaultLayout)
	if err != nil {
		return Sums{}, fmt.Errorf("forecast: %w", err)
	}
	te, err := metrics.NewTruth(truth.Float32(), truth.Shape, metrics.DefaultLayout)
	if err != nil {
		return Sums{}, fmt.Errorf("truth: %w", err)
	}
	q, err := metrics.CRPSSumQuantile(fe, te, nil)
	if err != nil {
		return Sums{}, err
	}
	emp, err := metrics.CRPSSum(fe, te, metrics.Empirical)
	if err != nil {
		return Sums{}, err
	}
	wql, err := metrics.QuantileCRPS(fe, te, nil)
	if err != nil {
		return Sums{}, err
	}
	es, err := metrics.EnergyScore(fe, te)
	if err != nil {
		return Sums{}, err
	}
	vs, err := metrics.VariogramScore(fe, te, metrics.DefaultVariogramOrder)
	if err != nil {
		return Sums{}, err
	}
	s := Sums{Quantile: q.Pooled, Empirical: emp.Pooled, Fair: nan(), WQL: wql.Pooled, Energy: mean(es), Variogram: mean(vs)}
	if fe.Members > 1 {
		fair, err := metrics.CRPSSum(fe, te, metrics.Fair)
		if err != nil {
			return Sums{}, err
		}
		s.Fair = fair.Pooled
	}
	return s, nil
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func nan() float64 { var z float64; return z / z }
