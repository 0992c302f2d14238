//go:build !goexperiment.simd

package metrics

// vectorLanes is 0: this build has no SIMD (GOEXPERIMENT=simd unset), so the scalar kernels run.
const vectorLanes = 0

func sortColumns(rows []float64, stride, n int, net [][2]int) {
	sortColumnsScalar(rows, stride, n, net)
}

func crpsColumns(rows []float64, stride, m, n int, y []float64, est Estimator, out []float64) {
	crpsColumnsScalar(rows, stride, m, n, y, est, out)
}
