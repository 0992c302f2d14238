package metrics_test

import (
	"fmt"

	"github.com/tidal-forecast/tidal/metrics"
)

// The three ensemble estimators on one point: members 1, 2, 4 against the observation 3.
func ExampleCRPSEnsemble() {
	members := []float64{4, 1, 2}
	for _, est := range []metrics.Estimator{metrics.Empirical, metrics.Fair, metrics.PWM} {
		fmt.Printf("%-9s %.6f\n", est, metrics.CRPSEnsemble(members, 3, est))
	}
	fmt.Printf("gaussian  %.6f\n", metrics.CRPSGaussian(0, 1, 0))
	// Output:
	// crps      0.666667
	// crps-fair 0.333333
	// crps-pwm  0.333333
	// gaussian  0.233695
}

// Scoring a forecast laid out as tidal writes it: [cases, members, lead, H, W].
func ExampleScore() {
	// 1 case, 2 members, 1 lead, a 1×2 field.
	f, _ := metrics.NewEnsemble([]float64{0, 1, 2, 3}, []int{1, 2, 1, 1, 2}, metrics.DefaultLayout)
	o, _ := metrics.NewTruth([]float64{1, 1}, []int{1, 1, 1, 2}, metrics.DefaultLayout)
	r, _ := metrics.Score(f, o, metrics.ScoreOptions{Metrics: []string{"crps", "rmse"}})
	for _, m := range r.Metrics {
		fmt.Printf("%s %.4f\n", m.Name, float64(m.Mean))
	}
	// Output:
	// crps 0.5000
	// rmse 0.7071
}
