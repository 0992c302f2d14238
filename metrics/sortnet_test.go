package metrics

import (
	"math/rand/v2"
	"testing"
)

// TestSortingNetworkZeroOnePrinciple proves the pruned network correct for every ensemble size up to 18: by
// the 0-1 principle, a comparator network sorts every input iff it sorts every input of zeros and ones, and
// all 2^M of them are tried. Sizes up to 130 are checked on random inputs with ties.
func TestSortingNetworkZeroOnePrinciple(t *testing.T) {
	for m := 1; m <= 18; m++ {
		net := sortingNetwork(m)
		x := make([]float64, m)
		for bits := 0; bits < 1<<m; bits++ {
			for i := range x {
				x[i] = float64(bits >> i & 1)
			}
			sortColumnsScalar(x, 1, 1, net)
			for i := 1; i < m; i++ {
				if x[i-1] > x[i] {
					t.Fatalf("M=%d: input %b not sorted: %v", m, bits, x)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for m := 19; m <= 130; m++ {
		net := sortingNetwork(m)
		x := make([]float64, m)
		for trial := 0; trial < 20; trial++ {
			for i := range x {
				x[i] = float64(rng.IntN(m / 2))
			}
			sortColumnsScalar(x, 1, 1, net)
			for i := 1; i < m; i++ {
				if x[i-1] > x[i] {
					t.Fatalf("M=%d: not sorted: %v", m, x)
				}
			}
		}
	}
	if n := len(sortingNetwork(50)); n != 403 {
		t.Errorf("M=50: %d comparators, expected 403", n)
	}
}
