package metrics

import "testing"

// BenchmarkCRPS scores one case of the benchmark size: 50 members × 10 leads × 128×128, float32.
func BenchmarkCRPS(b *testing.B) {
	const m, l, hw = 50, 10, 128 * 128
	f, _ := NewEnsemble(toFloat32(randomArray(1, m*l*hw, 0)), []int{1, m, l, 128, 128}, DefaultLayout)
	o, _ := NewTruth(toFloat32(randomArray(2, l*hw, 0)), []int{1, l, 128, 128}, DefaultLayout)
	b.SetBytes(int64(4 * m * l * hw))
	for _, est := range []Estimator{Empirical, Fair} {
		b.Run(est.String(), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := CRPS(f, o, CRPSOptions{Estimator: est}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
