package seriesscore

import (
	"math"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// Hand-computed CRPS-sums of a two-member forecast of one window, one lead, two series: the members sum
// to 1 and 3, the truth to 2. Empirical CRPS = mean|x − y| − ½·mean|x − x'| = 1 − ½·1 = 0.5; fair
// = 1 − ½·2 = 0; normalised by |z| = 2. A one-member forecast scores its absolute error in every form.
func TestCRPSSum(t *testing.T) {
	f := data.FromFloat32([]float32{0.5, 0.5, 1, 2}, 1, 2, 1, 2)
	truth := data.FromFloat64([]float64{1.5, 0.5}, 1, 1, 2)
	s, err := CRPSSum(f, truth)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(s.Empirical-0.25) > 1e-12 || math.Abs(s.Fair) > 1e-12 {
		t.Errorf("empirical %v, fair %v; expected 0.25 and 0", s.Empirical, s.Fair)
	}
	// Quantiles of {1, 3} at q: 1 + 2q; loss 2|(1+2q−2)(1{2 ≤ 1+2q} − q)| averaged over q = 0.05 … 0.95.
	var want float64
	for i := 1; i <= 19; i++ {
		q := float64(i) / 20
		ind := 0.0
		if 2 <= 1+2*q {
			ind = 1
		}
		want += 2 * math.Abs((2*q-1)*(ind-q)) / 19
	}
	if math.Abs(s.Quantile-want/2) > 1e-12 {
		t.Errorf("quantile form %v, expected %v", s.Quantile, want/2)
	}
	// Energy: members (0.5, 0.5) and (1, 2), truth (1.5, 0.5): (‖(−1, 0)‖ + ‖(−0.5, 1.5)‖)/2 − 2‖(0.5, 1.5)‖/8.
	// Variogram (p = 0.5): truth |1.5 − 0.5|^½ = 1, members 0 and 1, mean ½: 2·(1 − ½)² = 0.5.
	if want := (1+math.Sqrt(2.5))/2 - math.Sqrt(2.5)/4; math.Abs(s.Energy-want) > 1e-7 {
		t.Errorf("energy %v, expected %v", s.Energy, want)
	}
	if math.Abs(s.Variogram-0.5) > 1e-7 {
		t.Errorf("variogram %v, expected 0.5", s.Variogram)
	}
	if !(s.WQL > 0) {
		t.Errorf("weighted quantile loss %v, expected > 0", s.WQL)
	}
	one, err := CRPSSum(data.FromFloat32([]float32{1, 2}, 1, 1, 1, 2), truth)
	if err != nil {
		t.Fatal(err)
	}
	if one.Quantile != 0.5 || one.Empirical != 0.5 || !math.IsNaN(one.Fair) {
		t.Errorf("one member: %+v, expected 0.5, 0.5 and NaN", one)
	}
	if _, err := CRPSSum(f, data.FromFloat64([]float64{1, 2, 3}, 1, 1, 3)); err == nil {
		t.Error("truth of 3 series for a forecast of 2 accepted")
	}
	if _, err := CRPSSum(data.FromFloat32([]float32{1, 2}, 1, 2), truth); err == nil || !strings.Contains(err.Error(), "forecast") {
		t.Errorf("a rank-2 forecast: error %v", err)
	}
}
