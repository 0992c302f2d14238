//go:build goexperiment.simd

package metrics

import "simd"

// vectorLanes is the number of float64 lanes of a hardware vector, or 0 where SIMD is emulated.
var vectorLanes = func() int {
	if simd.Emulated() {
		return 0
	}
	return simd.VectorBitSize() / 64
}()

// sortColumns is sortColumnsScalar with one vector lane per column. Columns past n up to the next whole
// vector are sorted too; stride must be a multiple of the vector length.
func sortColumns(rows []float64, stride, n int, net [][2]int) {
	lanes := vectorLanes
	if lanes == 0 || stride%lanes != 0 {
		sortColumnsScalar(rows, stride, n, net)
		return
	}
	for _, c := range net {
		a := rows[c[0]*stride : c[0]*stride+stride]
		b := rows[c[1]*stride : c[1]*stride+stride]
		for i := 0; i < n; i += lanes {
			x, y := simd.LoadFloat64s(a[i:]), simd.LoadFloat64s(b[i:])
			x.Min(y).Store(a[i:])
			x.Max(y).Store(b[i:])
		}
	}
}

// crpsColumns is crpsColumnsScalar with one vector lane per column; out and y need room for n rounded up to
// whole vectors.
func crpsColumns(rows []float64, stride, m, n int, y []float64, est Estimator, out []float64) {
	lanes := vectorLanes
	if lanes == 0 || stride%lanes != 0 || len(y) < (n+lanes-1)/lanes*lanes || len(out) < len(y) {
		crpsColumnsScalar(rows, stride, m, n, y, est, out)
		return
	}
	var absS, sumS, rankS [16]float64
	for j := 0; j < n; j += lanes {
		yv := simd.LoadFloat64s(y[j:])
		var absSum, sum, rankSum simd.Float64s
		for k := 0; k < m; k++ {
			v := simd.LoadFloat64s(rows[k*stride+j:])
			absSum = absSum.Add(v.Sub(yv).Abs())
			sum = sum.Add(v)
			rankSum = v.MulAdd(simd.BroadcastFloat64s(float64(k)), rankSum)
		}
		absSum.Store(absS[:])
		sum.Store(sumS[:])
		rankSum.Store(rankS[:])
		for i := 0; i < lanes; i++ {
			out[j+i] = crpsFromSums(absS[i], sumS[i], rankS[i], m, est)
		}
	}
}
