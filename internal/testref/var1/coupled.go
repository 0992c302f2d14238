package var1

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Coupled4 is the 4-series VAR(1) that tidal's tests and closed-form checks use: cross-series coupling
// (eigenvalues of modulus ≤ 0.9) and correlated innovations of unequal scales (standard deviations 1,
// 0.5, 2, 1.5, correlation 0.5^|i−j|), with mean 0.
func Coupled4() (*Process, error) {
	a := mat.NewDense(4, 4, []float64{
		0.7, 0.2, 0, 0,
		-0.1, 0.6, 0.1, 0,
		0, 0.2, 0.5, 0.2,
		0.1, 0, -0.2, 0.8,
	})
	sd := []float64{1, 0.5, 2, 1.5}
	s := mat.NewSymDense(4, nil)
	for i := range 4 {
		for j := i; j < 4; j++ {
			s.SetSym(i, j, math.Pow(0.5, float64(j-i))*sd[i]*sd[j])
		}
	}
	return New(a, s)
}
