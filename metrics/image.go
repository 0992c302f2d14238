package metrics

import (
	"fmt"
	"math"
)

// SSIM constants (Wang et al. 2004) and window: a Gaussian of σ = 1.5 truncated at radius 5 (11 taps), as
// scikit-image's structural_similarity(gaussian_weights=True, sigma=1.5) and DyDiff's piqa.SSIM(11, 1.5) use.
const (
	ssimK1     = 0.01
	ssimK2     = 0.03
	ssimSigma  = 1.5
	ssimRadius = 5
)

// ssimWindow is the normalised 1-D Gaussian window; the 2-D window is its outer product.
var ssimWindow = func() []float64 {
	w := make([]float64, 2*ssimRadius+1)
	var s float64
	for i := range w {
		d := float64(i - ssimRadius)
		w[i] = math.Exp(-0.5 * d * d / (ssimSigma * ssimSigma))
		s += w[i]
	}
	for i := range w {
		w[i] /= s
	}
	return w
}()

// PSNR is the peak signal-to-noise ratio of image x against reference y, in dB, for values spanning
// dataRange: PSNR = 10 log10(R² / MSE), MSE = mean (x − y)². Identical images give +Inf.
func PSNR(x, y []float64, dataRange float64) float64 {
	var s float64
	for i := range x {
		d := x[i] - y[i]
		s += d * d
	}
	return 10 * math.Log10(dataRange*dataRange/(s/float64(len(x))))
}

// SSIM is the mean structural similarity of the h×w image x against y (Wang et al. 2004): with local means
// μ, variances σ² and covariance σ_xy taken under the 11×11 Gaussian window (σ = 1.5, population moments,
// i.e. no N/(N−1) correction), C1 = (0.01 R)², C2 = (0.03 R)² and R = dataRange,
//
//	SSIM(i,j) = (2 μ_x μ_y + C1)(2 σ_xy + C2) / ((μ_x² + μ_y² + C1)(σ_x² + σ_y² + C2))
//
// averaged over the pixels whose window lies inside the image ((h−10)×(w−10) of them). This equals
// scikit-image's structural_similarity(x, y, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
// data_range=R), which filters the whole image and then crops 5 pixels from each side. Images must be at
// least 11×11.
func SSIM(x, y []float64, h, w int, dataRange float64) (float64, error) {
	if h < 2*ssimRadius+1 || w < 2*ssimRadius+1 {
		return 0, fmt.Errorf("SSIM needs images of at least %d×%d; got %d×%d", 2*ssimRadius+1, 2*ssimRadius+1, h, w)
	}
	if len(x) != h*w || len(y) != h*w {
		return 0, fmt.Errorf("SSIM: images of %d and %d values for %d×%d", len(x), len(y), h, w)
	}
	if !(dataRange > 0) {
		return 0, fmt.Errorf("SSIM: data range %v; expected > 0", dataRange)
	}
	c1 := (ssimK1 * dataRange) * (ssimK1 * dataRange)
	c2 := (ssimK2 * dataRange) * (ssimK2 * dataRange)
	ow := w - 2*ssimRadius
	oh := h - 2*ssimRadius
	// Horizontal pass: five moments filtered along rows, valid columns only.
	hp := make([][]float64, 5)
	for k := range hp {
		hp[k] = make([]float64, h*ow)
	}
	for i := 0; i < h; i++ {
		xr, yr := x[i*w:(i+1)*w], y[i*w:(i+1)*w]
		for j := 0; j < ow; j++ {
			var sx, sy, sxx, syy, sxy float64
			for t, g := range ssimWindow {
				a, b := xr[j+t], yr[j+t]
				sx += g * a
				sy += g * b
				sxx += g * a * a
				syy += g * b * b
				sxy += g * a * b
			}
			o := i*ow + j
			hp[0][o], hp[1][o], hp[2][o], hp[3][o], hp[4][o] = sx, sy, sxx, syy, sxy
		}
	}
	// Vertical pass and the SSIM map, summed.
	var total float64
	for i := 0; i < oh; i++ {
		for j := 0; j < ow; j++ {
			var m [5]float64
			for t, g := range ssimWindow {
				o := (i+t)*ow + j
				for k := range m {
					m[k] += g * hp[k][o]
				}
			}
			mx, my := m[0], m[1]
			vx, vy, cxy := m[2]-mx*mx, m[3]-my*my, m[4]-mx*my
			total += (2*mx*my + c1) * (2*cxy + c2) / ((mx*mx + my*my + c1) * (vx + vy + c2))
		}
	}
	return total / float64(oh*ow), nil
}

// ImageOptions configures PSNR and SSIM over fields.
type ImageOptions struct {
	DataRange float64 // R, the span of possible values (e.g. 1 for images in [0,1], 2 for [−1,1])
	// Best keeps, per case and lead, the best member (highest PSNR/SSIM), as DyDiff's video evaluation does;
	// otherwise the members' scores are averaged.
	Best bool
}

// PSNRFields returns per lead the PSNR of each member's field against the truth (over all field points),
// reduced over members by ImageOptions.Best (max) or the mean, then averaged over cases.
func PSNRFields[F, O Float](f *Fields[F], o *Fields[O], opt ImageOptions) ([]float64, error) {
	if !(opt.DataRange > 0) {
		return nil, fmt.Errorf("PSNR: data range %v; expected > 0", opt.DataRange)
	}
	return imageScore(f, o, opt, func(x, y []float64) (float64, error) { return PSNR(x, y, opt.DataRange), nil })
}

// SSIMFields returns per lead the SSIM of each member's field against the truth (the mean over the field's
// images, its last two axes being H and W, e.g. over channels), reduced over members by ImageOptions.Best
// (max) or the mean, then averaged over cases.
func SSIMFields[F, O Float](f *Fields[F], o *Fields[O], opt ImageOptions) ([]float64, error) {
	count, h, w, err := imageLayout(f.Field)
	if err != nil {
		return nil, err
	}
	return imageScore(f, o, opt, func(x, y []float64) (float64, error) {
		var s float64
		for k := 0; k < count; k++ {
			v, err := SSIM(x[k*h*w:(k+1)*h*w], y[k*h*w:(k+1)*h*w], h, w, opt.DataRange)
			if err != nil {
				return 0, err
			}
			s += v
		}
		return s / float64(count), nil
	})
}

func imageScore[F, O Float](f *Fields[F], o *Fields[O], opt ImageOptions, score func(x, y []float64) (float64, error)) ([]float64, error) {
	if err := Match(f, o); err != nil {
		return nil, err
	}
	vals := make([]float64, f.Cases*f.Leads)
	errs := make([]error, len(vals))
	parallelFor(len(vals), func(_, i int) {
		c, l := i/f.Leads, i%f.Leads
		x, y := make([]float64, f.Points()), o.CopyField(make([]float64, f.Points()), c, 0, l)
		best := math.Inf(-1)
		var sum float64
		for m := 0; m < f.Members; m++ {
			v, err := score(f.CopyField(x, c, m, l), y)
			if err != nil {
				errs[i] = err
				return
			}
			best = math.Max(best, v)
			sum += v
		}
		vals[i] = sum / float64(f.Members)
		if opt.Best {
			vals[i] = best
		}
	})
	out := make([]float64, f.Leads)
	for i, v := range vals {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out[i%f.Leads] += v / float64(f.Cases)
	}
	return out, nil
}
