package navierstokes

import (
	"fmt"
	"sync"

	"github.com/tidal-forecast/tidal/fft"
)

// Solver integrates the forced vorticity equation of Params with the ETDRK4 scheme (see etdCoeffs):
// the linear terms (viscosity and drag) exactly, the advection and the forcing to fourth order, the
// forcing held fixed over each step (white in time).
//
// Spectral layout. ζ̂ is the unnormalised DFT of ζ (NumPy's fft2 convention,
// ζ̂(k) = Σ_x ζ(x) e^(−ik·x), k integer). A real field is kept as its half plane kx ≥ 0, and only the
// columns kx = 0..M that the 2/3 rule keeps are stored: a spectral array is N rows (ky in FFT order:
// row r holds ky = r for r ≤ N/2 and r − N above) by W = M+1 columns (kx). Rows with M < |ky| are always
// zero. Grids are [y][x] row-major, x the last axis, as in the NPY files.
//
// A Solver is not safe for concurrent use; each Step uses Params.Workers goroutines internally.
type Solver struct {
	p       Params
	n, m, w int
	plan    *fft.Plan
	rows    []int // the rows |ky| ≤ M, where spectral arrays may be non-zero

	k2         []float64 // |k|² per mode
	fx, fy     []float64 // kx/(|k|²N²) and ky/(|k|²N²): velocity from vorticity, with the inverse DFT's 1/N²
	kxky, kxx  []float64 // kx·ky and kx² − ky²: the nonlinear term in Basdevant's form
	etd        []etdCoeffs
	dissipRate []float64 // ν|k|^(2nν) per mode
	force      *forcing

	zh, fh, nk, acc, nu, a, st         []complex128 // state, forcing, stage N̂, and the ETDRK4 stages (N×W)
	uh, vh, uy, vy, ay, by, ah, bh, wk []complex128 // transform buffers (N×W)
	z, g, w1, w2                       []complex128 // N×N: packed half-plane along x, grid, and FFT scratch

	t     float64
	steps int64
}

// New returns a solver at rest (ζ = 0, t = 0) for the resolved parameters.
func New(p Params) (*Solver, error) {
	p, err := p.Resolved()
	if err != nil {
		return nil, err
	}
	n, m := p.N, Cutoff(p.N)
	plan, err := fft.NewPlan(n)
	if err != nil {
		return nil, err
	}
	s := &Solver{p: p, n: n, m: m, w: m + 1, plan: plan}
	for r := 0; r < n; r++ {
		if ky := s.kyOf(r); ky >= -m && ky <= m {
			s.rows = append(s.rows, r)
		}
	}
	spec := func() []complex128 { return make([]complex128, n*s.w) }
	for _, b := range []*[]complex128{&s.zh, &s.fh, &s.nk, &s.acc, &s.nu, &s.a, &s.st,
		&s.uh, &s.vh, &s.uy, &s.vy, &s.ay, &s.by, &s.ah, &s.bh, &s.wk} {
		*b = spec()
	}
	for _, b := range []*[]complex128{&s.z, &s.g, &s.w1, &s.w2} {
		*b = make([]complex128, n*n)
	}
	s.initOperators()
	if s.force, err = newForcing(s); err != nil {
		return nil, err
	}
	return s, nil
}

// kyOf is the signed wavenumber of FFT-order row r.
func (s *Solver) kyOf(r int) int {
	if r > s.n/2 {
		return r - s.n
	}
	return r
}

// initOperators fills the per-mode factors and ETDRK4 weights (memoised by |k|², which fixes L).
func (s *Solver) initOperators() {
	n, w := s.n, s.w
	size := n * w
	s.k2, s.fx, s.fy = make([]float64, size), make([]float64, size), make([]float64, size)
	s.kxky, s.kxx = make([]float64, size), make([]float64, size)
	s.etd, s.dissipRate = make([]etdCoeffs, size), make([]float64, size)
	norm := float64(n) * float64(n)
	memo := map[int]etdCoeffs{}
	for _, r := range s.rows {
		ky := s.kyOf(r)
		for kx := 0; kx < w; kx++ {
			i := r*w + kx
			k2 := kx*kx + ky*ky
			s.k2[i] = float64(k2)
			s.kxky[i] = float64(kx * ky)
			s.kxx[i] = float64(kx*kx - ky*ky)
			s.dissipRate[i] = s.p.Nu * ipow(float64(k2), s.p.NuOrder)
			if k2 > 0 {
				s.fx[i] = float64(kx) / (float64(k2) * norm)
				s.fy[i] = float64(ky) / (float64(k2) * norm)
			}
			c, ok := memo[k2]
			if !ok {
				c = newETDCoeffs(s.linearRate(k2), s.p.Dt)
				memo[k2] = c
			}
			s.etd[i] = c
		}
	}
}

// linearRate is L(k) = −ν|k|^(2nν) − μ, and 0 for the mean mode.
func (s *Solver) linearRate(k2 int) float64 {
	if k2 == 0 {
		return 0
	}
	return -s.p.Nu*ipow(float64(k2), s.p.NuOrder) - s.p.Mu
}

func ipow(x float64, k int) float64 {
	r := 1.0
	for ; k > 0; k-- {
		r *= x
	}
	return r
}

// Params returns the resolved parameters (ν after NuAuto, Workers set).
func (s *Solver) Params() Params { return s.p }

// Time is the simulated time.
func (s *Solver) Time() float64 { return s.t }

// Steps is the number of steps taken.
func (s *Solver) Steps() int64 { return s.steps }

// Step advances the flow by one time step dt, drawing a fresh forcing realisation.
func (s *Solver) Step() {
	s.force.draw(s.fh)
	s.advance()
}

// advance takes one ETDRK4 step with the forcing in s.fh (the stage formulas are at etdCoeffs). Each
// stage's N̂ comes from three parallel phases: prepare (per kx column block), products (per y grid
// column block), nonlinear (per kx column block), and the stage updates run in the last phase of one
// evaluation and the first of the next, so a step has nine barriers.
func (s *Solver) advance() {
	s.parallel(s.w, func(c0, c1 int) { s.prepare(s.zh, c0, c1) })
	s.parallel(s.n, s.products)
	s.parallel(s.w, func(c0, c1 int) {
		s.nonlinear(s.nu, c0, c1)
		s.segments(c0, c1, func(lo, hi int) {
			zh, nu, acc, a := s.zh[lo:hi], s.nu[lo:hi], s.acc[lo:hi], s.a[lo:hi]
			for j, e := range s.etd[lo:hi] {
				acc[j] = scale(e.e, zh[j]) + scale(e.f1, nu[j])
				a[j] = scale(e.e2, zh[j]) + scale(e.q, nu[j])
			}
		})
		s.prepare(s.a, c0, c1)
	})
	s.parallel(s.n, s.products)
	s.parallel(s.w, func(c0, c1 int) {
		s.nonlinear(s.nk, c0, c1)
		s.segments(c0, c1, func(lo, hi int) {
			zh, na, acc, b := s.zh[lo:hi], s.nk[lo:hi], s.acc[lo:hi], s.st[lo:hi]
			for j, e := range s.etd[lo:hi] {
				acc[j] += scale(2*e.f2, na[j])
				b[j] = scale(e.e2, zh[j]) + scale(e.q, na[j])
			}
		})
		s.prepare(s.st, c0, c1)
	})
	s.parallel(s.n, s.products)
	s.parallel(s.w, func(c0, c1 int) {
		s.nonlinear(s.nk, c0, c1)
		s.segments(c0, c1, func(lo, hi int) {
			a, nu, nb, acc, c := s.a[lo:hi], s.nu[lo:hi], s.nk[lo:hi], s.acc[lo:hi], s.st[lo:hi]
			for j, e := range s.etd[lo:hi] {
				acc[j] += scale(2*e.f2, nb[j])
				c[j] = scale(e.e2, a[j]) + scale(e.q, 2*nb[j]-nu[j])
			}
		})
		s.prepare(s.st, c0, c1)
	})
	s.parallel(s.n, s.products)
	s.parallel(s.w, func(c0, c1 int) {
		s.nonlinear(s.nk, c0, c1)
		s.segments(c0, c1, func(lo, hi int) {
			zh, nc, acc := s.zh[lo:hi], s.nk[lo:hi], s.acc[lo:hi]
			for j, e := range s.etd[lo:hi] {
				zh[j] = acc[j] + scale(e.f3, nc[j])
			}
		})
	})
	s.t += s.p.Dt
	s.steps++
}

func scale(a float64, z complex128) complex128 { return complex(a*real(z), a*imag(z)) }

// segments calls f with the index range of columns c0..c1-1 in every kept row.
func (s *Solver) segments(c0, c1 int, f func(lo, hi int)) {
	for _, r := range s.rows {
		f(r*s.w+c0, r*s.w+c1)
	}
}

// parallel splits [0, n) into Params.Workers contiguous blocks and runs f on each. Block edges are even,
// so that every column pair goes through the same (vector or scalar) FFT code whatever the number of
// workers, which keeps results bit-for-bit independent of it.
func (s *Solver) parallel(n int, f func(lo, hi int)) {
	k := min(s.p.Workers, n/2)
	if k <= 1 {
		f(0, n)
		return
	}
	edge := func(j int) int {
		if j == k {
			return n
		}
		return (j * n / k) &^ 1
	}
	var wg sync.WaitGroup
	for j := 1; j < k; j++ {
		wg.Go(func() { f(edge(j), edge(j+1)) })
	}
	f(0, edge(1))
	wg.Wait()
}

// prepare computes, for columns c0..c1-1 of the spectral vorticity src, the velocity spectra
// û = i ky ζ̂/|k|², v̂ = −i kx ζ̂/|k|² (ψ̂ = −ζ̂/|k|², u = −∂ψ/∂y, v = ∂ψ/∂x), transforms them along y,
// and packs u + iv along x into the rows kx and N−kx of s.z.
func (s *Solver) prepare(src []complex128, c0, c1 int) {
	for _, r := range s.rows {
		for i := r*s.w + c0; i < r*s.w+c1; i++ {
			re, im := real(src[i]), imag(src[i])
			s.uh[i] = complex(-s.fy[i]*im, s.fy[i]*re)
			s.vh[i] = complex(s.fx[i]*im, -s.fx[i]*re)
		}
	}
	s.toGridColumns(c0, c1)
}

// toGridColumns transforms s.uh and s.vh (already scaled by 1/N²) along y and packs the half-plane
// rows of the complex field a + ib, whose x-transform is the grid, into s.z.
func (s *Solver) toGridColumns(c0, c1 int) {
	n, w := s.n, s.w
	s.plan.Columns(s.uy, s.uh, s.wk, w, c0, c1, fft.Inverse)
	s.plan.Columns(s.vy, s.vh, s.wk, w, c0, c1, fft.Inverse)
	for kx := c0; kx < c1; kx++ {
		pos := s.z[kx*n:][:n]
		if kx == 0 {
			// Column kx = 0 of a real field is Hermitian in ky, so its y-transform is real.
			for y := range pos {
				pos[y] = complex(real(s.uy[y*w]), real(s.vy[y*w]))
			}
			continue
		}
		neg := s.z[(n-kx)*n:][:n]
		for y := range pos {
			a, b := s.uy[y*w+kx], s.vy[y*w+kx]
			pos[y] = complex(real(a)-imag(b), imag(a)+real(b)) // a + ib
			neg[y] = complex(real(a)+imag(b), real(b)-imag(a)) // conj(a) + i conj(b)
		}
	}
}

// products is the grid-space part of the nonlinear term for grid columns y0..y1-1: it transforms s.z
// along x to the grid (u + iv), forms v² − u² and uv, transforms them back along x and unpacks the two
// real fields' half planes into s.ay and s.by.
func (s *Solver) products(y0, y1 int) {
	n := s.n
	s.plan.Columns(s.g, s.z, s.w1, n, y0, y1, fft.Inverse)
	for x := 0; x < n; x++ {
		row := s.g[x*n+y0 : x*n+y1]
		for j, c := range row {
			u, v := real(c), imag(c)
			row[j] = complex(v*v-u*u, u*v)
		}
	}
	s.fromGridColumns(y0, y1)
}

// fromGridColumns transforms the packed grid s.g (two real fields a + ib, laid out [x][y]) along x for
// grid columns y0..y1-1 and unpacks the kept half-plane columns of â and b̂ into s.ay and s.by.
func (s *Solver) fromGridColumns(y0, y1 int) {
	n, w := s.n, s.w
	s.plan.Columns(s.w2, s.g, s.w1, n, y0, y1, fft.Forward)
	for kx := 0; kx < w; kx++ {
		pos := s.w2[kx*n:][:n]
		neg := s.w2[((n-kx)%n)*n:][:n]
		for y := y0; y < y1; y++ {
			p, q := pos[y], neg[y]
			// â = (P + conj Q)/2, b̂ = (P − conj Q)/(2i).
			s.ay[y*w+kx] = complex((real(p)+real(q))/2, (imag(p)-imag(q))/2)
			s.by[y*w+kx] = complex((imag(p)+imag(q))/2, (real(q)-real(p))/2)
		}
	}
}

// nonlinear finishes the transforms along y for columns c0..c1-1 and writes dst = N̂ + F̂ on the kept
// modes, with N̂ = −FFT(u·∇ζ) = kx·ky·FFT(v² − u²) + (kx² − ky²)·FFT(uv) (Basdevant 1983, exact for
// divergence-free u).
func (s *Solver) nonlinear(dst []complex128, c0, c1 int) {
	s.plan.Columns(s.ah, s.ay, s.wk, s.w, c0, c1, fft.Forward)
	s.plan.Columns(s.bh, s.by, s.wk, s.w, c0, c1, fft.Forward)
	for _, r := range s.rows {
		for i := r*s.w + c0; i < r*s.w+c1; i++ {
			dst[i] = scale(s.kxky[i], s.ah[i]) + scale(s.kxx[i], s.bh[i]) + s.fh[i]
		}
	}
}

// SetVorticity sets the flow to the grid vorticity zeta ([y][x], N² values). The field is projected onto
// the modes the 2/3 rule keeps, and its mean (which a periodic velocity field cannot have) is removed.
func (s *Solver) SetVorticity(zeta []float64) error {
	n := s.n
	if len(zeta) != n*n {
		return fmt.Errorf("vorticity: %d values, expected N² = %d", len(zeta), n*n)
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			s.g[x*n+y] = complex(zeta[y*n+x], 0)
		}
	}
	s.parallel(n, s.fromGridColumns)
	s.parallel(s.w, func(c0, c1 int) {
		s.plan.Columns(s.ah, s.ay, s.wk, s.w, c0, c1, fft.Forward)
	})
	clear(s.zh)
	for _, r := range s.rows {
		copy(s.zh[r*s.w:(r+1)*s.w], s.ah[r*s.w:(r+1)*s.w])
	}
	s.zh[0] = 0
	return nil
}

// SetVorticitySpectrum sets ζ̂ directly from a function of the integer wavenumber (kx ≥ 0 half plane;
// the kx = 0 column is made Hermitian from its ky > 0 half). Modes outside the 2/3 rule, and the mean,
// are set to zero.
func (s *Solver) SetVorticitySpectrum(f func(kx, ky int) complex128) {
	clear(s.zh)
	for _, r := range s.rows {
		ky := s.kyOf(r)
		for kx := 0; kx < s.w; kx++ {
			if kx == 0 && ky <= 0 {
				continue
			}
			v := f(kx, ky)
			s.zh[r*s.w+kx] = v
			if kx == 0 {
				s.zh[(s.n-r)*s.w] = complex(real(v), -imag(v))
			}
		}
	}
}

// Vorticity writes the grid vorticity ζ ([y][x]) into dst (allocated when nil or short) and returns it.
func (s *Solver) Vorticity(dst []float64) []float64 {
	s.toGrid(func(i int) (complex128, complex128) {
		return scale(1/(float64(s.n)*float64(s.n)), s.zh[i]), 0
	})
	return s.gridPart(dst, true)
}

// Velocity writes the grid velocity (u, v) ([y][x] each) into u and v (allocated when nil or short).
func (s *Solver) Velocity(u, v []float64) ([]float64, []float64) {
	s.parallel(s.w, func(c0, c1 int) { s.prepare(s.zh, c0, c1) })
	s.parallel(s.n, func(y0, y1 int) { s.plan.Columns(s.g, s.z, s.w1, s.n, y0, y1, fft.Inverse) })
	return s.gridPart(u, true), s.gridPart(v, false)
}

// toGrid transforms the two spectral fields given per mode by f (already scaled by 1/N²) into s.g.
func (s *Solver) toGrid(f func(i int) (a, b complex128)) {
	for _, r := range s.rows {
		for i := r * s.w; i < (r+1)*s.w; i++ {
			s.uh[i], s.vh[i] = f(i)
		}
	}
	s.parallel(s.w, s.toGridColumns)
	s.parallel(s.n, func(y0, y1 int) { s.plan.Columns(s.g, s.z, s.w1, s.n, y0, y1, fft.Inverse) })
}

// gridPart copies the real (or imaginary) part of s.g, laid out [x][y], into dst as [y][x].
func (s *Solver) gridPart(dst []float64, re bool) []float64 {
	n := s.n
	if len(dst) < n*n {
		dst = make([]float64, n*n)
	}
	for x := 0; x < n; x++ {
		for y, c := range s.g[x*n : (x+1)*n] {
			if re {
				dst[y*n+x] = real(c)
			} else {
				dst[y*n+x] = imag(c)
			}
		}
	}
	return dst[:n*n]
}
