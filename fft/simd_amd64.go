//go:build goexperiment.simd

package fft

import (
	"simd/archsimd"
	"unsafe"
)

// With GOEXPERIMENT=simd on a CPU with AVX2 and FMA, the radix-2 and radix-4 passes process two
// complex columns per 256-bit vector (interleaved re, im, re, im); an odd last column goes through the
// scalar pass. Results equal the scalar passes' to round-off (FMA rounds once where they round twice).
var vectorPasses = archsimd.X86.AVX2() && archsimd.X86.FMA()

type vec = archsimd.Float64x4

// floats views complex values as their interleaved real and imaginary parts.
func floats(c []complex128) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(c))), 2*len(c))
}

// swapPairs exchanges the real and imaginary parts of both complex values.
func swapPairs(v vec) vec { return v.ConcatPermuteScalarsGrouped(1, 0, v) }

// cmul multiplies both complex values of t by w = wr + i·wi (wr, wi broadcast):
// (tr·wr − ti·wi, ti·wr + tr·wi).
func cmul(t, wr, wi vec) vec { return t.MulAddEvenSubOdd(wr, swapPairs(t).Mul(wi)) }

// rotation returns the vector that turns swapPairs(d) into −i·d (forward) or +i·d (inverse).
func rotation(dir Direction) vec {
	if dir == Forward {
		return archsimd.LoadFloat64x4([]float64{1, -1, 1, -1})
	}
	return archsimd.LoadFloat64x4([]float64{-1, 1, -1, 1})
}

// vectorPass runs st over the columns c0..c1-1 with vectors where it can and returns the first column
// it left for the scalar pass (c1 when it did them all).
func (st *stage) vectorPass(y, x, tw []complex128, stride, c0, c1 int, dir Direction) int {
	if !vectorPasses || (st.r != 4 && st.r != 2) {
		return c0
	}
	cv := c0 + (c1-c0)&^1
	if cv == c0 {
		return c0
	}
	if st.r == 4 {
		st.radix4Vec(floats(y), floats(x), tw, stride, c0, cv, dir)
	} else {
		st.radix2Vec(floats(y), floats(x), tw, stride, c0, cv)
	}
	return cv
}

func (st *stage) radix4Vec(y, x []float64, tw []complex128, stride, c0, c1 int, dir Direction) {
	m, s := st.m, st.s
	w := 2 * (c1 - c0)
	rot := rotation(dir)
	for p := 0; p < m; p++ {
		w1r, w1i := archsimd.BroadcastFloat64x4(real(tw[3*p])), archsimd.BroadcastFloat64x4(imag(tw[3*p]))
		w2r, w2i := archsimd.BroadcastFloat64x4(real(tw[3*p+1])), archsimd.BroadcastFloat64x4(imag(tw[3*p+1]))
		w3r, w3i := archsimd.BroadcastFloat64x4(real(tw[3*p+2])), archsimd.BroadcastFloat64x4(imag(tw[3*p+2]))
		for q := 0; q < s; q++ {
			x0 := x[2*((q+s*p)*stride+c0):][:w]
			x1 := x[2*((q+s*(p+m))*stride+c0):][:w]
			x2 := x[2*((q+s*(p+2*m))*stride+c0):][:w]
			x3 := x[2*((q+s*(p+3*m))*stride+c0):][:w]
			y0 := y[2*((q+s*4*p)*stride+c0):][:w]
			y1 := y[2*((q+s*(4*p+1))*stride+c0):][:w]
			y2 := y[2*((q+s*(4*p+2))*stride+c0):][:w]
			y3 := y[2*((q+s*(4*p+3))*stride+c0):][:w]
			for j := 0; j+4 <= w; j += 4 {
				a0 := archsimd.LoadFloat64x4(x0[j : j+4])
				a1 := archsimd.LoadFloat64x4(x1[j : j+4])
				a2 := archsimd.LoadFloat64x4(x2[j : j+4])
				a3 := archsimd.LoadFloat64x4(x3[j : j+4])
				b0, b1, b2 := a0.Add(a2), a0.Sub(a2), a1.Add(a3)
				b3 := swapPairs(a1.Sub(a3)).Mul(rot)
				b0.Add(b2).Store(y0[j : j+4])
				if p == 0 {
					b1.Add(b3).Store(y1[j : j+4])
					b0.Sub(b2).Store(y2[j : j+4])
					b1.Sub(b3).Store(y3[j : j+4])
					continue
				}
				cmul(b1.Add(b3), w1r, w1i).Store(y1[j : j+4])
				cmul(b0.Sub(b2), w2r, w2i).Store(y2[j : j+4])
				cmul(b1.Sub(b3), w3r, w3i).Store(y3[j : j+4])
			}
		}
	}
}

func (st *stage) radix2Vec(y, x []float64, tw []complex128, stride, c0, c1 int) {
	m, s := st.m, st.s
	w := 2 * (c1 - c0)
	for p := 0; p < m; p++ {
		wr, wi := archsimd.BroadcastFloat64x4(real(tw[p])), archsimd.BroadcastFloat64x4(imag(tw[p]))
		for q := 0; q < s; q++ {
			x0 := x[2*((q+s*p)*stride+c0):][:w]
			x1 := x[2*((q+s*(p+m))*stride+c0):][:w]
			y0 := y[2*((q+s*2*p)*stride+c0):][:w]
			y1 := y[2*((q+s*(2*p+1))*stride+c0):][:w]
			for j := 0; j+4 <= w; j += 4 {
				a := archsimd.LoadFloat64x4(x0[j : j+4])
				b := archsimd.LoadFloat64x4(x1[j : j+4])
				a.Add(b).Store(y0[j : j+4])
				cmul(a.Sub(b), wr, wi).Store(y1[j : j+4])
			}
		}
	}
}
