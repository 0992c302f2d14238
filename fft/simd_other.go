//go:build !goexperiment.simd || !amd64

package fft

// Without GOEXPERIMENT=simd (or off amd64) every pass runs the scalar loops.
var vectorPasses = false

// vectorPass does nothing here: it returns c0, leaving every column to the scalar pass.
func (st *stage) vectorPass(y, x, tw []complex128, stride, c0, c1 int, dir Direction) int { return c0 }
