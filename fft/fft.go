// Package fft computes discrete Fourier transforms of many columns at once, the shape of work that 2D
// pseudo-spectral solvers do: the columns of a row-major matrix are transformed together, so the inner
// loop of every butterfly runs over contiguous memory with a single twiddle factor.
//
// The algorithm is Stockham's self-sorting mixed-radix FFT (radix 4, then 2, 3, 5 and a generic odd
// radix), out of place, with natural order on both sides, so no bit-reversal pass is needed. Any length
// n ≥ 1 works; lengths made of 2, 3 and 5 are the fast ones.
//
// Conventions (NumPy's and gonum's): the forward transform is X[k] = Σ_j x[j] exp(−2πi jk/n) and the
// inverse is x[j] = Σ_k X[k] exp(+2πi jk/n), both unnormalised, so Inverse(Forward(x)) = n·x.
package fft

import (
	"fmt"
	"math"
)

// Direction says which transform to compute.
type Direction int

const (
	// Forward is X[k] = Σ_j x[j] exp(−2πi jk/n).
	Forward Direction = iota
	// Inverse is x[j] = Σ_k X[k] exp(+2πi jk/n), unnormalised.
	Inverse
)

// Plan holds the factorisation and twiddle factors of an n-point transform. A Plan is read-only after
// NewPlan, so many goroutines may use one Plan at the same time on different data.
type Plan struct {
	n      int
	stages []stage
}

// stage is one Stockham pass of radix r over sub-transforms of length span (span = r·m).
type stage struct {
	r, span, m, s int
	// fwd[p*(r-1)+j-1] = exp(−2πi p·j/span) for p < m, 1 ≤ j < r; inv holds the conjugates.
	fwd, inv []complex128
	// root[j] = exp(−2πi j/r), the radix-r DFT's roots (generic odd radices only); rootInv conjugates.
	root, rootInv []complex128
}

// NewPlan prepares an n-point transform.
func NewPlan(n int) (*Plan, error) {
	if n < 1 {
		return nil, fmt.Errorf("fft: length %d, expected n ≥ 1", n)
	}
	p := &Plan{n: n}
	span, s := n, 1
	for _, r := range factorize(n) {
		m := span / r
		st := stage{r: r, span: span, m: m, s: s}
		st.fwd = make([]complex128, m*(r-1))
		st.inv = make([]complex128, m*(r-1))
		for q := 0; q < m; q++ {
			for j := 1; j < r; j++ {
				w := cis(-2 * math.Pi * float64(q*j) / float64(span))
				st.fwd[q*(r-1)+j-1] = w
				st.inv[q*(r-1)+j-1] = conj(w)
			}
		}
		if r != 2 && r != 4 {
			st.root = make([]complex128, r)
			st.rootInv = make([]complex128, r)
			for j := range st.root {
				st.root[j] = cis(-2 * math.Pi * float64(j) / float64(r))
				st.rootInv[j] = conj(st.root[j])
			}
		}
		p.stages = append(p.stages, st)
		span, s = m, s*r
	}
	return p, nil
}

// Len is the transform length n.
func (p *Plan) Len() int { return p.n }

// factorize splits n into radices, 4s first (fewest passes over memory), then 2, 3, 5 and any other primes.
func factorize(n int) []int {
	var f []int
	for n%4 == 0 {
		f = append(f, 4)
		n /= 4
	}
	for _, r := range []int{2, 3, 5} {
		for n%r == 0 {
			f = append(f, r)
			n /= r
		}
	}
	for r := 7; r*r <= n; r += 2 {
		for n%r == 0 {
			f = append(f, r)
			n /= r
		}
	}
	if n > 1 {
		f = append(f, n)
	}
	return f
}

// Columns transforms the columns c0 ≤ c < c1 of src, an n × stride row-major matrix whose rows are the
// transform index, into the same columns of dst. work is scratch of the same size. src is only read; dst,
// src and work must be three different buffers (they may be shared with other goroutines working on
// other columns). Columns panics on buffers that are too short, a programming error.
func (p *Plan) Columns(dst, src, work []complex128, stride, c0, c1 int, dir Direction) {
	if c0 < 0 || c1 > stride || c0 > c1 {
		panic(fmt.Sprintf("fft: columns [%d,%d) outside stride %d", c0, c1, stride))
	}
	if need := (p.n-1)*stride + c1; len(dst) < need || len(src) < need || len(work) < need {
		panic(fmt.Sprintf("fft: buffers of %d, %d, %d values; %d×%d needs %d", len(dst), len(src), len(work), p.n, stride, need))
	}
	if c0 == c1 {
		return
	}
	if len(p.stages) == 0 { // n = 1
		copy(dst[c0:c1], src[c0:c1])
		return
	}
	// Stockham passes alternate between work and dst, arranged so that the last one writes dst.
	in := src
	last := len(p.stages) - 1
	for i := range p.stages {
		out := dst
		if (last-i)%2 == 1 {
			out = work
		}
		p.stages[i].pass(out, in, stride, c0, c1, dir)
		in = out
	}
}

// Transform computes one n-point transform of x into dst (len n each); work is scratch of length n.
func (p *Plan) Transform(dst, x, work []complex128, dir Direction) {
	p.Columns(dst, x, work, 1, 0, 1, dir)
}

// pass is one Stockham pass: for every p < m and q < s it reads the r values x[q + s(p + l·m)],
// computes their r-point DFT, multiplies output j by the twiddle ω_span^(p·j), and writes it to
// y[q + s(r·p + j)]. Each index stands for a row; the work runs over columns c0..c1-1.
func (st *stage) pass(y, x []complex128, stride, c0, c1 int, dir Direction) {
	tw := st.fwd
	if dir == Inverse {
		tw = st.inv
	}
	if c0 = st.vectorPass(y, x, tw, stride, c0, c1, dir); c0 == c1 {
		return
	}
	switch st.r {
	case 4:
		st.radix4(y, x, tw, stride, c0, c1, dir)
	case 2:
		st.radix2(y, x, tw, stride, c0, c1)
	default:
		st.radixOdd(y, x, tw, stride, c0, c1, dir)
	}
}

func (st *stage) radix2(y, x, tw []complex128, stride, c0, c1 int) {
	m, s := st.m, st.s
	w := c1 - c0
	for p := 0; p < m; p++ {
		w1 := tw[p]
		for q := 0; q < s; q++ {
			x0 := x[(q+s*p)*stride+c0:][:w]
			x1 := x[(q+s*(p+m))*stride+c0:][:w]
			y0 := y[(q+s*2*p)*stride+c0:][:w]
			y1 := y[(q+s*(2*p+1))*stride+c0:][:w]
			if p == 0 {
				for j, a := range x0 {
					b := x1[j]
					y0[j] = a + b
					y1[j] = a - b
				}
				continue
			}
			for j, a := range x0 {
				b := x1[j]
				y0[j] = a + b
				y1[j] = mul(a-b, w1)
			}
		}
	}
}

func (st *stage) radix4(y, x, tw []complex128, stride, c0, c1 int, dir Direction) {
	m, s := st.m, st.s
	w := c1 - c0
	for p := 0; p < m; p++ {
		w1, w2, w3 := tw[3*p], tw[3*p+1], tw[3*p+2]
		for q := 0; q < s; q++ {
			x0 := x[(q+s*p)*stride+c0:][:w]
			x1 := x[(q+s*(p+m))*stride+c0:][:w]
			x2 := x[(q+s*(p+2*m))*stride+c0:][:w]
			x3 := x[(q+s*(p+3*m))*stride+c0:][:w]
			y0 := y[(q+s*4*p)*stride+c0:][:w]
			y1 := y[(q+s*(4*p+1))*stride+c0:][:w]
			y2 := y[(q+s*(4*p+2))*stride+c0:][:w]
			y3 := y[(q+s*(4*p+3))*stride+c0:][:w]
			switch {
			case p == 0 && dir == Forward:
				for j, a0 := range x0 {
					a1, a2, a3 := x1[j], x2[j], x3[j]
					b0, b1, b2 := a0+a2, a0-a2, a1+a3
					b3 := mulNegI(a1 - a3)
					y0[j], y1[j], y2[j], y3[j] = b0+b2, b1+b3, b0-b2, b1-b3
				}
			case p == 0:
				for j, a0 := range x0 {
					a1, a2, a3 := x1[j], x2[j], x3[j]
					b0, b1, b2 := a0+a2, a0-a2, a1+a3
					b3 := mulI(a1 - a3)
					y0[j], y1[j], y2[j], y3[j] = b0+b2, b1+b3, b0-b2, b1-b3
				}
			case dir == Forward:
				for j, a0 := range x0 {
					a1, a2, a3 := x1[j], x2[j], x3[j]
					b0, b1, b2 := a0+a2, a0-a2, a1+a3
					b3 := mulNegI(a1 - a3)
					y0[j] = b0 + b2
					y1[j] = mul(b1+b3, w1)
					y2[j] = mul(b0-b2, w2)
					y3[j] = mul(b1-b3, w3)
				}
			default:
				for j, a0 := range x0 {
					a1, a2, a3 := x1[j], x2[j], x3[j]
					b0, b1, b2 := a0+a2, a0-a2, a1+a3
					b3 := mulI(a1 - a3)
					y0[j] = b0 + b2
					y1[j] = mul(b1+b3, w1)
					y2[j] = mul(b0-b2, w2)
					y3[j] = mul(b1-b3, w3)
				}
			}
		}
	}
}

// radixOdd is the generic pass for radix 3, 5 and other primes: a direct r-point DFT, O(r²) per output.
func (st *stage) radixOdd(y, x, tw []complex128, stride, c0, c1 int, dir Direction) {
	r, m, s := st.r, st.m, st.s
	w := c1 - c0
	root := st.root
	if dir == Inverse {
		root = st.rootInv
	}
	rows := make([][]complex128, r)
	for p := 0; p < m; p++ {
		for q := 0; q < s; q++ {
			for l := range rows {
				rows[l] = x[(q+s*(p+l*m))*stride+c0:][:w]
			}
			for j := 0; j < r; j++ {
				yj := y[(q+s*(r*p+j))*stride+c0:][:w]
				copy(yj, rows[0])
				for l := 1; l < r; l++ {
					wl := root[(l*j)%r]
					for c, v := range rows[l] {
						yj[c] += mul(v, wl)
					}
				}
				if j > 0 {
					t := tw[p*(r-1)+j-1]
					for c, v := range yj {
						yj[c] = mul(v, t)
					}
				}
			}
		}
	}
}

// mul is the complex product written out, which the compiler keeps in registers.
func mul(a, b complex128) complex128 {
	ar, ai, br, bi := real(a), imag(a), real(b), imag(b)
	return complex(ar*br-ai*bi, ar*bi+ai*br)
}

func mulI(a complex128) complex128    { return complex(-imag(a), real(a)) }
func mulNegI(a complex128) complex128 { return complex(imag(a), -real(a)) }
func conj(a complex128) complex128    { return complex(real(a), -imag(a)) }

func cis(theta float64) complex128 {
	s, c := math.Sincos(theta)
	return complex(c, s)
}
