package fft

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/dsp/fourier"
)

// naiveDFT is the O(n²) definition, the reference of last resort.
func naiveDFT(x []complex128, dir Direction) []complex128 {
	n := len(x)
	sign := -1.0
	if dir == Inverse {
		sign = 1
	}
	out := make([]complex128, n)
	for k := range out {
		var s complex128
		for j, v := range x {
			s += v * cmplx.Rect(1, sign*2*math.Pi*float64(j*k%n)/float64(n))
		}
		out[k] = s
	}
	return out
}

func randomVec(rng *rand.Rand, n int) []complex128 {
	x := make([]complex128, n)
	for i := range x {
		x[i] = complex(rng.NormFloat64(), rng.NormFloat64())
	}
	return x
}

func maxDiff(a, b []complex128) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, cmplx.Abs(a[i]-b[i]))
	}
	return d
}

// bothPaths runs f with the vector passes (where the build and CPU have them) and with scalar passes only.
func bothPaths(t *testing.T, f func(t *testing.T)) {
	saved := vectorPasses
	defer func() { vectorPasses = saved }()
	for _, v := range []bool{saved, false} {
		vectorPasses = v
		t.Run(fmt.Sprintf("vector=%v", v), f)
		if !saved {
			break
		}
	}
}

// TestAgainstGonum checks single transforms of many lengths (powers of two, mixed radices, primes)
// against gonum's FFTPACK port and, for small n, the O(n²) definition.
func TestAgainstGonum(t *testing.T) { bothPaths(t, testAgainstGonum) }

func testAgainstGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 30, 32, 48, 49, 64, 96, 100, 128, 11 * 13, 256, 512} {
		p, err := NewPlan(n)
		if err != nil {
			t.Fatal(err)
		}
		g := fourier.NewCmplxFFT(n)
		x := randomVec(rng, n)
		keep := append([]complex128(nil), x...)
		dst, work := make([]complex128, n), make([]complex128, n)
		tol := 1e-13 * math.Sqrt(float64(n)) * math.Log2(float64(n)+1) * 4
		for _, dir := range []Direction{Forward, Inverse} {
			p.Transform(dst, x, work, dir)
			var want []complex128
			if dir == Forward {
				want = g.Coefficients(nil, x)
			} else {
				want = g.Sequence(nil, x)
			}
			if d := maxDiff(dst, want); d > tol {
				t.Errorf("n=%d dir=%d: max |Δ| vs gonum %.3g > %.3g", n, dir, d, tol)
			}
			if n <= 64 {
				if d := maxDiff(dst, naiveDFT(x, dir)); d > tol {
					t.Errorf("n=%d dir=%d: max |Δ| vs the definition %.3g", n, dir, d)
				}
			}
			if maxDiff(x, keep) != 0 {
				t.Fatalf("n=%d: the source was modified", n)
			}
		}
	}
}

// TestColumns checks the batched form on a column range of a wider matrix: every column in range equals
// its own 1D transform, columns out of range are not written, and Inverse(Forward(x)) = n·x.
func TestColumns(t *testing.T) { bothPaths(t, testColumns) }

func testColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{2, 4, 8, 12, 32, 64, 90, 128, 256} {
		const stride, c0, c1 = 11, 2, 9
		p, _ := NewPlan(n)
		src := randomVec(rng, n*stride)
		dst := make([]complex128, n*stride)
		work := make([]complex128, n*stride)
		const sentinel = complex(123, -456)
		for i := range dst {
			dst[i] = sentinel
		}
		p.Columns(dst, src, work, stride, c0, c1, Forward)
		col := make([]complex128, n)
		for c := 0; c < stride; c++ {
			for r := 0; r < n; r++ {
				col[r] = src[r*stride+c]
			}
			want := naiveDFT(col, Forward)
			for r := 0; r < n; r++ {
				got := dst[r*stride+c]
				if c < c0 || c >= c1 {
					if got != sentinel {
						t.Fatalf("n=%d: column %d outside [%d,%d) was written", n, c, c0, c1)
					}
				} else if cmplx.Abs(got-want[r]) > 1e-11 {
					t.Fatalf("n=%d column %d row %d: got %v want %v", n, c, r, got, want[r])
				}
			}
		}
		back := make([]complex128, n*stride)
		p.Columns(back, dst, work, stride, c0, c1, Inverse)
		for r := 0; r < n; r++ {
			for c := c0; c < c1; c++ {
				if d := cmplx.Abs(back[r*stride+c]/complex(float64(n), 0) - src[r*stride+c]); d > 1e-13 {
					t.Fatalf("n=%d: round trip off by %.3g", n, d)
				}
			}
		}
	}
}

func TestNewPlanRefusesBadLength(t *testing.T) {
	if _, err := NewPlan(0); err == nil {
		t.Fatal("NewPlan(0) should fail")
	}
}

// BenchmarkColumns times a batch of n-point transforms over n/3 columns (the dealiased half-plane
// width of the Navier–Stokes solver), next to gonum transforming the same columns one by one.
func BenchmarkColumns(b *testing.B) {
	for _, n := range []int{64, 128, 256} {
		w := n/3 + 1
		src := randomVec(rand.New(rand.NewPCG(5, 6)), n*w)
		dst, work := make([]complex128, n*w), make([]complex128, n*w)
		b.Run(fmt.Sprintf("tidal/n=%d", n), func(b *testing.B) {
			p, _ := NewPlan(n)
			for b.Loop() {
				p.Columns(dst, src, work, w, 0, w, Forward)
			}
		})
		b.Run(fmt.Sprintf("gonum/n=%d", n), func(b *testing.B) {
			g := fourier.NewCmplxFFT(n)
			col, out := make([]complex128, n), make([]complex128, n)
			for b.Loop() {
				for c := 0; c < w; c++ {
					for r := 0; r < n; r++ {
						col[r] = src[r*w+c]
					}
					g.Coefficients(out, col)
					for r := 0; r < n; r++ {
						dst[r*w+c] = out[r]
					}
				}
			}
		})
	}
}
