package dydiff

import (
	"testing"

	gm "github.com/tidal-forecast/tidal/internal/testref/gaussian"
)

func mustSchedule(t *testing.T, eta float64, opt ScheduleOptions) Schedule {
	t.Helper()
	s, err := NewSchedule(eta, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dynMatrix is Dynamics along L frames as an L×L matrix: Dyn(x) = A x.
func dynMatrix(L int, g float64) gm.Mat {
	a := gm.NewMat(L)
	for j := range L {
		e := make([]float64, L)
		e[j] = 1
		col, err := DynamicsFloat64(e, L, g)
		if err != nil {
			panic(err)
		}
		for i := range L {
			a[i][j] = col[i]
		}
	}
	return a
}
