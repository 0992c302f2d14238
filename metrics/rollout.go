package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// RolloutOptions configures ScoreRollout. Zero values pick the defaults given per field.
type RolloutOptions struct {
	MaxLag  int       // ACF lags 0..MaxLag; 0 means 9 (the paper's)
	Season  []int     // ACF seasonal labels per truth frame and per forecast frame (see ACFOptions); nil: none
	Weights []float64 // point weights (mean 1) of one image; nil: unweighted
	Band    *HovmollerBand
	// Bins is the number of bins of the W1 histograms, spanning the range of both rollouts' W1; 0 means 50.
	Bins int
	// Window is the running-mean window of the drift series, in frames; 0 means max(1, T/20).
	Window int
	// Channel picks the image when frames are [T, channels, H, W].
	Channel int
	// ZonalRows, when set, says the images are on a regular lat-lon grid (rows are latitudes, columns
	// longitudes) and holds one weight per row, e.g. cos(latitude): the spectrum is then the zonal
	// spectrum averaged over latitudes with these weights (ZonalSpectrum) instead of the isotropic one.
	ZonalRows []float64
}

// Diagnostics holds one rollout's time-consistency diagnostics.
type Diagnostics struct {
	ACF         []Value `json:"acf"`              // lags 0..MaxLag
	W1PDF       []Value `json:"hovmoller_w1_pdf"` // density of consecutive-row W1 over the report's bins
	W1Mean      Value   `json:"hovmoller_w1_mean"`
	Mean        Value   `json:"spatial_mean"`       // time mean of the spatial mean
	DriftSlope  Value   `json:"drift_per_frame"`    // least-squares slope of the spatial mean, per frame
	RunningMean []Value `json:"running_mean"`       // running mean of the spatial mean
	Spectrum    []Value `json:"isotropic_spectrum"` // time mean of the radially averaged power spectrum, or of the zonal one (SpectrumKind)
	// SpectrumKind is "zonal" when Spectrum is the zonal spectrum of a lat-lon grid (ZonalSpectrum, by
	// zonal wavenumber), empty for the isotropic spectrum.
	SpectrumKind string `json:"spectrum_kind,omitempty"`
}

// RolloutReport compares the time-consistency diagnostics of a forecast rollout with the truth's
// (Hess et al. 2025, App. D: ACF, Hovmöller W1, drift) plus the isotropic spectrum (the zonal spectrum on a
// lat-lon grid: RolloutOptions.ZonalRows).
type RolloutReport struct {
	Frames   [2]int      `json:"frames"` // forecast, truth
	Image    [2]int      `json:"image"`  // H, W
	W1Bins   [2]float64  `json:"hovmoller_w1_range"`
	Forecast Diagnostics `json:"forecast"`
	Truth    Diagnostics `json:"truth"`
	ACFError []Value     `json:"acf_abs_error"`        // |ACF_forecast − ACF_truth| per lag
	W1PDFL1  Value       `json:"hovmoller_w1_pdf_l1"`  // ∫ |pdf_forecast − pdf_truth|
	MeanBias Value       `json:"spatial_mean_bias"`    // time-mean spatial mean, forecast − truth
	Spectrum []Value     `json:"log10_spectrum_ratio"` // log10(S_forecast / S_truth) per wavenumber; NaN (null) where the truth is unresolved
}

// unresolvedPower is the share of the truth's largest shell power below which a wavenumber counts as
// holding no power: a pseudo-spectral solver's 2/3-rule dealiasing leaves the shells above its cutoff at
// rounding level, and a ratio against rounding noise (10¹² and more) would swamp the summary.
const unresolvedPower = 1e-10

// rollout is one rollout's frames reduced to the chosen channel: nt images of h×w.
type rollout struct {
	frames   []float64
	nt, h, w int
}

// newRollout picks the images of a rollout [T, H, W] or [T, channels, H, W] (channel ch).
func newRollout[T Float](data []T, shape []int, ch int) (rollout, error) {
	switch len(shape) {
	case 3:
		ch = 0
		shape = []int{shape[0], 1, shape[1], shape[2]}
	case 4:
	default:
		return rollout{}, fmt.Errorf("rollout of shape %v: expected [T, H, W] or [T, channels, H, W]", shape)
	}
	nt, nc, h, w := shape[0], shape[1], shape[2], shape[3]
	if ch < 0 || ch >= nc {
		return rollout{}, fmt.Errorf("channel %d not in 0..%d", ch, nc-1)
	}
	if len(data) != nt*nc*h*w {
		return rollout{}, fmt.Errorf("%d values do not fill shape %v", len(data), shape)
	}
	r := rollout{frames: make([]float64, nt*h*w), nt: nt, h: h, w: w}
	for n := 0; n < nt; n++ {
		src := data[(n*nc+ch)*h*w : (n*nc+ch+1)*h*w]
		for i, v := range src {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return rollout{}, fmt.Errorf("value %v at frame %d, channel %d, pixel %d", v, n, ch, i)
			}
			r.frames[n*h*w+i] = float64(v)
		}
	}
	return r, nil
}

// ScoreRollout computes the time-consistency diagnostics of a forecast rollout and of the truth, each of
// shape [T, H, W] or [T, channels, H, W] (their lengths may differ), and compares them.
func ScoreRollout[F, O Float](forecast []F, fshape []int, truth []O, oshape []int, opt RolloutOptions) (*RolloutReport, error) {
	fr, err := newRollout(forecast, fshape, opt.Channel)
	if err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	or, err := newRollout(truth, oshape, opt.Channel)
	if err != nil {
		return nil, fmt.Errorf("truth: %w", err)
	}
	if fr.h != or.h || fr.w != or.w {
		return nil, fmt.Errorf("forecast images are %d×%d but truth images are %d×%d", fr.h, fr.w, or.h, or.w)
	}
	if opt.MaxLag == 0 {
		opt.MaxLag = 9
	}
	if opt.Bins == 0 {
		opt.Bins = 50
	}
	band := CentreColumns(fr.w)
	if opt.Band != nil {
		band = *opt.Band
	}
	rep := &RolloutReport{Frames: [2]int{fr.nt, or.nt}, Image: [2]int{fr.h, fr.w}}
	w1 := make([][]float64, 2)
	for i, r := range []rollout{fr, or} {
		d := &rep.Forecast
		if i == 1 {
			d = &rep.Truth
		}
		if w1[i], err = r.diagnose(d, opt, band); err != nil {
			return nil, fmt.Errorf("%s: %w", []string{"forecast", "truth"}[i], err)
		}
	}
	lo := math.Min(slices.Min(w1[0]), slices.Min(w1[1]))
	hi := math.Max(slices.Max(w1[0]), slices.Max(w1[1]))
	if hi == lo {
		hi = lo + 1e-12
	}
	rep.W1Bins = [2]float64{lo, hi}
	pdfs := make([][]float64, 2)
	for i := range pdfs {
		if pdfs[i], err = Histogram(w1[i], opt.Bins, lo, hi); err != nil {
			return nil, err
		}
	}
	rep.Forecast.W1PDF, rep.Truth.W1PDF = values(pdfs[0]), values(pdfs[1])
	var l1 float64
	for b := range pdfs[0] {
		l1 += math.Abs(pdfs[0][b]-pdfs[1][b]) * (hi - lo) / float64(opt.Bins)
	}
	rep.W1PDFL1 = Value(l1)
	for j := range rep.Forecast.ACF {
		rep.ACFError = append(rep.ACFError, Value(math.Abs(float64(rep.Forecast.ACF[j]-rep.Truth.ACF[j]))))
	}
	rep.MeanBias = rep.Forecast.Mean - rep.Truth.Mean
	floor := unresolvedPower * float64(slices.Max(rep.Truth.Spectrum))
	for k := range rep.Forecast.Spectrum {
		ratio := Value(math.NaN()) // a wavenumber the truth holds no power at (above a solver's dealiasing cutoff)
		if float64(rep.Truth.Spectrum[k]) > floor {
			ratio = Value(math.Log10(float64(rep.Forecast.Spectrum[k] / rep.Truth.Spectrum[k])))
		}
		rep.Spectrum = append(rep.Spectrum, ratio)
	}
	return rep, nil
}

// diagnose fills d and returns the consecutive-row W1 values.
func (r rollout) diagnose(d *Diagnostics, opt RolloutOptions, band HovmollerBand) ([]float64, error) {
	var season []int
	if opt.Season != nil {
		if len(opt.Season) < r.nt {
			return nil, fmt.Errorf("%d season labels for %d frames", len(opt.Season), r.nt)
		}
		season = opt.Season[:r.nt]
	}
	acf, err := ACF(r.frames, r.nt, ACFOptions{MaxLag: min(opt.MaxLag, r.nt-1), Weights: opt.Weights, Season: season})
	if err != nil {
		return nil, err
	}
	d.ACF = values(acf)
	rows, err := Hovmoller(r.frames, r.nt, r.h, r.w, band)
	if err != nil {
		return nil, err
	}
	w1, err := HovmollerW1(rows)
	if err != nil {
		return nil, err
	}
	var s float64
	for _, v := range w1 {
		s += v
	}
	d.W1Mean = Value(s / float64(len(w1)))
	means, err := SpatialMean(r.frames, r.nt, opt.Weights)
	if err != nil {
		return nil, err
	}
	var mean float64
	for _, v := range means {
		mean += v
	}
	d.Mean = Value(mean / float64(r.nt))
	slope, _, err := LinearTrend(means)
	if err != nil {
		return nil, err
	}
	d.DriftSlope = Value(slope)
	window := opt.Window
	if window == 0 {
		window = max(1, r.nt/20)
	}
	rm, err := RunningMean(means, min(window, r.nt))
	if err != nil {
		return nil, err
	}
	d.RunningMean = values(rm)
	specs := make([][]float64, r.nt)
	errs := make([]error, r.nt)
	hw := r.h * r.w
	parallelFor(r.nt, func(_, n int) {
		if opt.ZonalRows != nil {
			specs[n], errs[n] = ZonalSpectrum(r.frames[n*hw:(n+1)*hw], r.h, r.w, opt.ZonalRows)
			return
		}
		specs[n], errs[n] = IsotropicSpectrum(r.frames[n*hw:(n+1)*hw], r.h, r.w, ShellMean)
	})
	if opt.ZonalRows != nil {
		d.SpectrumKind = "zonal"
	}
	mean2 := make([]float64, len(specs[0]))
	for n, sp := range specs {
		if errs[n] != nil {
			return nil, errs[n]
		}
		for k, v := range sp {
			mean2[k] += v / float64(r.nt)
		}
	}
	d.Spectrum = values(mean2)
	return w1, nil
}

func values(v []float64) []Value {
	out := make([]Value, len(v))
	for i, x := range v {
		out[i] = Value(x)
	}
	return out
}

// JSON is the report as indented JSON.
func (r *RolloutReport) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

// Table summarises the report as text: the ACF of both per lag, the W1 and drift figures, and the mean
// absolute log10 spectrum ratio over wavenumbers ≥ 1.
func (r *RolloutReport) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "frames: forecast %d, truth %d; images %d×%d\n", r.Frames[0], r.Frames[1], r.Image[0], r.Image[1])
	fmt.Fprintf(&b, "%-10s", "ACF lag")
	for j := range r.Forecast.ACF {
		fmt.Fprintf(&b, "%8d", j)
	}
	b.WriteString("\n")
	for _, row := range []struct {
		name string
		v    []Value
	}{{"forecast", r.Forecast.ACF}, {"truth", r.Truth.ACF}, {"|error|", r.ACFError}} {
		fmt.Fprintf(&b, "%-10s", row.name)
		for _, v := range row.v {
			fmt.Fprintf(&b, "%8.4f", float64(v))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Hovmöller W1 mean: forecast %.6g, truth %.6g; PDF L1 error %.4f over [%.4g, %.4g]\n",
		float64(r.Forecast.W1Mean), float64(r.Truth.W1Mean), float64(r.W1PDFL1), r.W1Bins[0], r.W1Bins[1])
	fmt.Fprintf(&b, "spatial mean: forecast %.6g (drift %.3g/frame), truth %.6g (drift %.3g/frame), bias %.6g\n",
		float64(r.Forecast.Mean), float64(r.Forecast.DriftSlope), float64(r.Truth.Mean), float64(r.Truth.DriftSlope), float64(r.MeanBias))
	var s float64
	n := 0
	for k, v := range r.Spectrum {
		if k >= 1 && !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
			s += math.Abs(float64(v))
			n++
		}
	}
	if n > 0 {
		kind := "spectrum"
		if r.Truth.SpectrumKind == "zonal" {
			kind = "zonal spectrum"
		}
		fmt.Fprintf(&b, "%s: mean |log10(forecast/truth)| over %d resolved wavenumbers ≥ 1: %.4f\n", kind, n, s/float64(n))
	}
	return b.String()
}
