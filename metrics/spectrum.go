package metrics

import (
	"fmt"
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/dsp/fourier"
)

// ShellAverage says how the isotropic spectrum combines the power of the modes in one wavenumber shell.
type ShellAverage int

const (
	// ShellMean averages over the shell: the radially averaged power spectral density (pysteps' rapsd,
	// DyDiff's rapsd).
	ShellMean ShellAverage = iota
	// ShellSum adds the shell up, so that Σ_r S(r) = Σ_x x² (Parseval) for fields with no power beyond
	// radius max(H,W)/2: the energy per wavenumber.
	ShellSum
)

// IsotropicSpectrum returns the isotropic spectrum of the h×w image x for wavenumbers r = 0..max(h,w)/2:
// with X̂ the unnormalised 2-D DFT, the power of mode (k_y, k_x) is P = |X̂|²/(h·w), modes are grouped into
// shells by r = round(√(k_x² + k_y²)) with k the signed integer wavenumbers (−n/2..n/2−1), and each shell's
// power is averaged (ShellMean) or summed (ShellSum). Modes beyond r = max(h,w)/2 (the corners) are left
// out, as in pysteps and DyDiff. For vorticity ζ on a 2π-periodic domain, the kinetic energy spectrum is
// ShellSum(ζ)/(2 r²) for r ≥ 1.
func IsotropicSpectrum(x []float64, h, w int, avg ShellAverage) ([]float64, error) {
	if len(x) != h*w || h < 1 || w < 1 {
		return nil, fmt.Errorf("spectrum: %d values for a %d×%d image", len(x), h, w)
	}
	spec := fft2(x, h, w)
	nr := max(h, w)/2 + 1
	sum := make([]float64, nr)
	count := make([]int, nr)
	for i := 0; i < h; i++ {
		ky := signedFreq(i, h)
		for j := 0; j < w; j++ {
			kx := signedFreq(j, w)
			r := int(math.Round(math.Sqrt(float64(kx*kx + ky*ky))))
			if r >= nr {
				continue
			}
			a := cmplx.Abs(spec[i*w+j])
			sum[r] += a * a / float64(h*w)
			count[r]++
		}
	}
	if avg == ShellMean {
		for r := range sum {
			if count[r] > 0 {
				sum[r] /= float64(count[r])
			}
		}
	}
	return sum, nil
}

// signedFreq is the signed integer wavenumber of DFT index i of n points (NumPy's fftfreq(n)·n).
func signedFreq(i, n int) int {
	if i < (n+1)/2 {
		return i
	}
	return i - n
}

// fft2 is the unnormalised 2-D DFT of the real h×w image x, row-major.
func fft2(x []float64, h, w int) []complex128 {
	out := make([]complex128, h*w)
	row := fourier.NewCmplxFFT(w)
	buf := make([]complex128, w)
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			buf[j] = complex(x[i*w+j], 0)
		}
		row.Coefficients(out[i*w:(i+1)*w], buf)
	}
	col := fourier.NewCmplxFFT(h)
	cin, cout := make([]complex128, h), make([]complex128, h)
	for j := 0; j < w; j++ {
		for i := 0; i < h; i++ {
			cin[i] = out[i*w+j]
		}
		col.Coefficients(cout, cin)
		for i := 0; i < h; i++ {
			out[i*w+j] = cout[i]
		}
	}
	return out
}

// ZonalSpectrum returns the zonal power spectrum of a field x on a regular latitude-longitude grid, h
// latitude rows of w longitudes each (row-major), for zonal wavenumbers k = 0..w/2 (cycles around the
// latitude circle): each row is Fourier transformed along longitude, with X̂ its unnormalised DFT,
//
//	S_row(k) = c_k·|X̂_k|²/w²,  c_k = 1 for k = 0 and k = w/2 (w even), 2 otherwise (the ±k pair),
//
// so that Σ_k S_row(k) is the row's mean square (Parseval), and the rows' spectra are averaged with
// the weights rowWeights (h of them, ≥ 0, e.g. cos(latitude): the area each row represents; nil weighs
// rows equally). A row sin(k·λ) has all its power, ½, at wavenumber k. On a sphere this replaces the
// isotropic spectrum of a flat periodic domain (IsotropicSpectrum), whose wavenumbers mix latitude,
// where the field is not periodic, with longitude.
func ZonalSpectrum(x []float64, h, w int, rowWeights []float64) ([]float64, error) {
	if len(x) != h*w || h < 1 || w < 1 {
		return nil, fmt.Errorf("zonal spectrum: %d values for a %d×%d lat-lon grid", len(x), h, w)
	}
	if rowWeights != nil && len(rowWeights) != h {
		return nil, fmt.Errorf("zonal spectrum: %d row weights for %d latitude rows", len(rowWeights), h)
	}
	total := 0.0
	for i := range h {
		wt := 1.0
		if rowWeights != nil {
			wt = rowWeights[i]
		}
		if math.IsNaN(wt) || math.IsInf(wt, 0) || wt < 0 {
			return nil, fmt.Errorf("zonal spectrum: row weight %v at row %d: expected finite and ≥ 0", wt, i)
		}
		total += wt
	}
	if !(total > 0) {
		return nil, fmt.Errorf("zonal spectrum: the row weights sum to %v: expected a positive sum", total)
	}
	nk := w/2 + 1
	out := make([]float64, nk)
	fft := fourier.NewFFT(w)
	coef := make([]complex128, nk)
	for i := range h {
		wt := 1.0
		if rowWeights != nil {
			wt = rowWeights[i]
		}
		if wt == 0 {
			continue
		}
		fft.Coefficients(coef, x[i*w:(i+1)*w])
		for k, c := range coef {
			p := real(c)*real(c) + imag(c)*imag(c)
			if k != 0 && !(w%2 == 0 && k == w/2) {
				p *= 2
			}
			out[k] += wt / total * p / float64(w*w)
		}
	}
	return out, nil
}
