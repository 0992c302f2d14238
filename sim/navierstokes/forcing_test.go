package navierstokes

import (
	"fmt"
	"math"
	"testing"
)

// TestForcingNormalisation: the expected injection rate of the forcing spectrum, summed over the whole
// plane from the amplitudes the solver draws with, is ε to 1e-6 (it is exact up to round-off); and the
// flow-independent part of the injection of the solver's actual steps, ½|Δζ̂_F|²/|k|² with Δζ̂_F =
// (f1 + 4f2 + f3)·F̂ the forcing's increment, averaged over 2000 draws, is within 3% of ε.
func TestForcingNormalisation(t *testing.T) {
	for _, c := range []struct {
		n               int
		kf, df, eps, dt float64
	}{{64, 6, 1.5, 0.1, 0.005}, {128, 14, 1.5, 0.3, 0.002}, {48, 4, 0.8, 1, 0.01}} {
		t.Run(fmt.Sprintf("n=%d,kf=%g", c.n, c.kf), func(t *testing.T) {
			p := DefaultParams(c.n)
			p.Kf, p.DeltaF, p.Eps, p.Dt, p.Seed = c.kf, c.df, c.eps, c.dt, 42
			s := mustSolver(t, p)
			n4 := math.Pow(float64(c.n), 4)
			// Expected rate: every mode k ≠ 0 of the whole plane gets E|F̂|² = amp², conjugate pairs alike.
			var expected float64
			for j, i := range s.force.idx {
				expected += 2 * s.force.amp[j] * s.force.amp[j] * c.dt / s.k2[i] / (2 * n4)
			}
			if rel := math.Abs(expected/c.eps - 1); rel > 1e-6 {
				t.Errorf("expected injection %.9g, want ε = %g", expected, c.eps)
			}
			// The ring is where it should be: the forcing-weighted mean |k| is near k_f.
			var kMean, wSum float64
			for j, i := range s.force.idx {
				kMean += s.force.amp[j] * s.force.amp[j] * math.Sqrt(s.k2[i])
				wSum += s.force.amp[j] * s.force.amp[j]
			}
			if kMean /= wSum; math.Abs(kMean-c.kf) > c.df {
				t.Errorf("forcing centred at |k| = %.3g, want k_f = %g", kMean, c.kf)
			}
			const draws = 2000
			var mean float64
			for d := 0; d < draws; d++ {
				s.force.draw(s.fh)
				mean += s.sum(func(i int) float64 {
					e := s.etd[i]
					return sqAbs(scale(e.f1+4*e.f2+e.f3, s.fh[i])) / s.k2[i]
				}) / 2 / c.dt / draws
			}
			if rel := math.Abs(mean/c.eps - 1); rel > 0.03 {
				t.Errorf("flow-independent injection over %d steps %.4g, want ε = %g within 3%%", draws, mean, c.eps)
			}
			t.Logf("expected %.12g, sample mean over %d steps %.5g (ε = %g)", expected, draws, mean, c.eps)
		})
	}
}
