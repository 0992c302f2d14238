package metrics

import (
	"fmt"
	"math"
)

// HovmollerBand picks the band a Hovmöller diagram averages over in an H×W image: Axis 1 averages columns
// From..To−1, giving one value per row (the vorticity diagram: a vertical band of 10 columns at the centre);
// Axis 0 averages rows From..To−1, giving one value per column (ERA5: the rows between 10°S and 10°N).
type HovmollerBand struct {
	Axis     int
	From, To int
}

// CentreColumns is the paper's vorticity band: the 10 columns at the centre of a w-wide image.
func CentreColumns(w int) HovmollerBand {
	return HovmollerBand{Axis: 1, From: max(0, w/2-5), To: min(w, w/2+5)}
}

// Hovmoller returns the Hovmöller diagram of a rollout of nt frames of h×w images: one row per frame, the
// band mean along the band's axis (Hess et al. 2025, App. D, eq. 20).
func Hovmoller[T Float](frames []T, nt, h, w int, band HovmollerBand) ([][]float64, error) {
	if len(frames) != nt*h*w {
		return nil, fmt.Errorf("Hovmöller: %d values are not %d frames of %d×%d", len(frames), nt, h, w)
	}
	if band.Axis != 0 && band.Axis != 1 {
		return nil, fmt.Errorf("Hovmöller band axis %d: expected 0 (average rows) or 1 (average columns)", band.Axis)
	}
	extent := []int{h, w}[band.Axis]
	if band.From < 0 || band.To > extent || band.From >= band.To {
		return nil, fmt.Errorf("Hovmöller band %+v does not fit a %d×%d image (axis 0 or 1, 0 ≤ from < to ≤ %d)", band, h, w, extent)
	}
	rows := make([][]float64, nt)
	for n := range rows {
		img := frames[n*h*w : (n+1)*h*w]
		if band.Axis == 1 {
			r := make([]float64, h)
			for i := range r {
				for j := band.From; j < band.To; j++ {
					r[i] += float64(img[i*w+j])
				}
				r[i] /= float64(band.To - band.From)
			}
			rows[n] = r
		} else {
			r := make([]float64, w)
			for i := band.From; i < band.To; i++ {
				for j := range r {
					r[j] += float64(img[i*w+j])
				}
			}
			for j := range r {
				r[j] /= float64(band.To - band.From)
			}
			rows[n] = r
		}
	}
	return rows, nil
}

// HovmollerW1 returns the Wasserstein-1 distance between each pair of consecutive Hovmöller rows (Hess
// et al. 2025, App. D, eq. 20): each row is taken in absolute value and normalised to sum 1, F_p and F_q are the
// cumulative sums of rows p and p+1 along the row (length K), and
//
//	W1 = (1/K) Σ_i |F_p(i) − F_q(i)|
//
// Its distribution over all pairs (see Histogram) measures how much the field moves per step. A row that is
// zero everywhere has no distribution and is an error.
func HovmollerW1(rows [][]float64) ([]float64, error) {
	if len(rows) < 2 {
		return nil, fmt.Errorf("Hovmöller W1 needs at least 2 rows; got %d", len(rows))
	}
	cdf := func(r []float64, n int) ([]float64, error) {
		var s float64
		for _, v := range r {
			s += math.Abs(v)
		}
		if s == 0 {
			return nil, fmt.Errorf("Hovmöller row %d is zero everywhere", n)
		}
		out := make([]float64, len(r))
		var acc float64
		for i, v := range r {
			acc += math.Abs(v) / s
			out[i] = acc
		}
		return out, nil
	}
	prev, err := cdf(rows[0], 0)
	if err != nil {
		return nil, err
	}
	w1 := make([]float64, len(rows)-1)
	for n := 1; n < len(rows); n++ {
		cur, err := cdf(rows[n], n)
		if err != nil {
			return nil, err
		}
		var d float64
		for i := range cur {
			d += math.Abs(cur[i] - prev[i])
		}
		w1[n-1] = d / float64(len(cur))
		prev = cur
	}
	return w1, nil
}

// Histogram returns the probability density of values over bins equal-width bins spanning [lo, hi]:
// density_b = count_b / (N · width). Values outside [lo, hi] are counted in no bin (so the density then
// integrates to less than 1); hi itself falls in the last bin.
func Histogram(values []float64, bins int, lo, hi float64) ([]float64, error) {
	if bins < 1 || !(hi > lo) {
		return nil, fmt.Errorf("histogram: %d bins over [%v, %v]; expected ≥ 1 bin and hi > lo", bins, lo, hi)
	}
	width := (hi - lo) / float64(bins)
	d := make([]float64, bins)
	for _, v := range values {
		if v < lo || v > hi {
			continue
		}
		b := min(int((v-lo)/width), bins-1)
		d[b]++
	}
	for b := range d {
		d[b] /= float64(len(values)) * width
	}
	return d, nil
}
