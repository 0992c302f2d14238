package report

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/tidal-forecast/tidal/metrics"
)

// figure is one image of the report: its file name, heading, caption and bytes.
type figure struct {
	File, Title, Caption string
	Width, Height        int
	Wide                 bool // a row of its own (animations)
	data                 []byte
}

// colours gives every model one colour for all the report's plots. A label's model is the label without a
// trailing " rollout" or " forecast", so "guided rollout" is drawn in the colour of the "guided" scores. The
// scores' labels are coloured first (newColours), in order, so the skill plots, which hold the most lines,
// get distinct colours whenever they have no more lines than Palette has colours.
type colours map[string]color.NRGBA

// newColours assigns the colours in order of first appearance over the scores, the rollouts and the runs.
func newColours(in Inputs) colours {
	c := colours{}
	for _, s := range in.Scores {
		c.of(s.Label)
	}
	for _, r := range in.Rollouts {
		c.of(r.Label)
	}
	for _, r := range in.Runs {
		c.of(r.Label)
	}
	return c
}

func modelOf(label string) string {
	for _, suffix := range []string{" rollout", " forecast"} {
		if m, ok := strings.CutSuffix(label, suffix); ok && m != "" {
			return m
		}
	}
	return label
}

func (c colours) of(label string) color.NRGBA {
	m := modelOf(label)
	if v, ok := c[m]; ok {
		return v
	}
	v := Palette[len(c)%len(Palette)]
	c[m] = v
	return v
}

// linePalette hands out the colours of one plot's lines: a label keeps its report-wide colour unless
// another line of the plot already has it, and then gets the first Palette colour none of them has (the
// report-wide palette wraps round once a report has more models than colours).
type linePalette struct {
	col  colours
	used map[color.NRGBA]bool
}

func (c colours) plot() *linePalette { return &linePalette{c, map[color.NRGBA]bool{}} }

func (p *linePalette) of(label string) color.NRGBA {
	v := p.col.of(label)
	if p.used[v] {
		for _, free := range Palette {
			if !p.used[free] {
				v = free
				break
			}
		}
	}
	p.used[v] = true
	return v
}

// leadAxis is 1..n.
func leadAxis(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(i + 1)
	}
	return x
}

func floats[V ~float64](v []V) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// plottedMetric reports whether a per-lead metric gets its own plot: CRPS, CSI, the spread-skill ratio,
// and RMSE (docs/REPORT.md).
func plottedMetric(name string) bool {
	base, _, _ := strings.Cut(name, "@")
	switch base {
	case "crps", "crps-fair", "csi", "ssr", "rmse":
		return true
	}
	return false
}

// trainingFigures draws one loss plot per run: training loss and, where logged, validation loss.
func trainingFigures(runs []Run, col colours) ([]figure, error) {
	var out []figure
	for i, r := range runs {
		var xs, ys, vx, vy []float64
		positive := true
		for _, s := range r.Stats {
			xs, ys = append(xs, float64(s.Step)), append(ys, s.Loss)
			positive = positive && s.Loss > 0
			if s.ValLoss != nil {
				vx, vy = append(vx, float64(s.Step)), append(vy, *s.ValLoss)
				positive = positive && *s.ValLoss > 0
			}
		}
		c := col.of(r.Label)
		series := []Series{{Label: "training loss", X: xs, Y: ys, Color: c}}
		if len(vx) > 0 {
			series = append(series, Series{Label: "validation loss", X: vx, Y: vy, Color: TruthColor, Dashed: true})
		}
		lp := LinePlot{Title: "training of " + r.Label, XLabel: "optimiser step", YLabel: "loss (dimensionless; data normalised)", Series: series, LogY: positive}
		f, err := render(fmt.Sprintf("train-%02d-%s.png", i, slug(r.Label)), lp,
			fmt.Sprintf("Loss of %s (%s) per logged step; the validation loss where it was computed.", r.Label, r.Dir))
		if err != nil {
			return nil, err
		}
		out = append(out, f)
		if acc := accuracyPlot(r); acc != nil {
			f, err := render(fmt.Sprintf("train-%02d-%s-accuracy.png", i, slug(r.Label)), *acc,
				fmt.Sprintf("Held-out accuracy of %s per noise level σ of the candidate, at each check: 0.5 (dashed) is chance. "+
					"Guidance can only help where the discriminator tells real successors from others.", r.Label))
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// accuracyPlot draws a discriminator's held-out accuracy per noise-level bin against the step, from the
// "preview" entries of its stats.jsonl; nil when the run records none.
func accuracyPlot(r Run) *LinePlot {
	type bin struct {
		key, label string
		lo         float64
		x, y       []float64
	}
	bins := map[string]*bin{}
	for _, s := range r.Stats {
		for k, v := range s.Preview {
			f, ok := v.(float64)
			if !ok || !strings.HasPrefix(k, "accuracy") {
				continue
			}
			b := bins[k]
			if b == nil {
				b = &bin{key: k, label: "all σ", lo: math.Inf(-1)}
				if rest, ok := strings.CutPrefix(k, "accuracy_sigma_"); ok {
					lo, hi, _ := strings.Cut(rest, "_")
					b.lo, _ = strconv.ParseFloat(lo, 64)
					if hi == "up" {
						b.label = "σ ≥ " + lo
					} else {
						b.label = fmt.Sprintf("σ in [%s, %s)", lo, hi)
					}
				}
				bins[k] = b
			}
			b.x, b.y = append(b.x, float64(s.Step)), append(b.y, f)
		}
	}
	if len(bins) == 0 {
		return nil
	}
	var list []*bin
	for _, b := range bins {
		list = append(list, b)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].lo < list[j].lo })
	half := 0.5
	lp := &LinePlot{Title: "held-out accuracy of " + r.Label + " per noise level", XLabel: "optimiser step",
		YLabel: "accuracy (fraction correct)", HLine: &half}
	levels := Viridis().Levels(max(2, len(list)))
	for i, b := range list {
		c, dashed := levels[max(0, i-1)], false
		if math.IsInf(b.lo, -1) {
			c, dashed = TruthColor, true
		} else if len(list) > 1 {
			c = Viridis().At(0.85 * float64(i-1) / float64(max(1, len(list)-2)))
		}
		lp.Series = append(lp.Series, Series{Label: b.label, X: b.x, Y: b.y, Color: c, Dashed: dashed})
	}
	return lp
}

// skillFigures draws one plot per metric with a line per score (references dashed), leads on the data's
// time axis where the sidecar records the time between frames, and the value's unit on the y axis.
func skillFigures(scores []Score, refs map[string]bool, col colours, info *DataInfo) ([]figure, error) {
	var names []string
	seen := map[string]bool{}
	for _, s := range scores {
		for _, m := range s.Metrics {
			if plottedMetric(m.Name) && !seen[m.Name] && len(m.PerLead) > 0 {
				seen[m.Name] = true
				names = append(names, m.Name)
			}
		}
	}
	var out []figure
	for i, name := range names {
		lp := LinePlot{Title: name + " per lead", XLabel: info.leadAxisLabel(), YLabel: metricAxisLabel(name, info)}
		pal := col.plot()
		withCI := 0.0
		if OrientationOf(name) == NearOneBetter {
			one := 1.0
			lp.HLine = &one
		}
		for _, s := range scores {
			if m := findMetric(s, name); m != nil {
				x := make([]float64, len(m.PerLead))
				for l := range x {
					x[l] = info.leadX(l + 1)
				}
				ser := Series{Label: s.Label, X: x, Y: floats(m.PerLead), Color: pal.of(s.Label), Dashed: refs[s.Label]}
				if len(m.CI) == len(m.PerLead) {
					for _, iv := range m.CI {
						ser.Lo, ser.Hi = append(ser.Lo, float64(iv.Lo)), append(ser.Hi, float64(iv.Hi))
					}
					withCI = m.CI[0].Level
				}
				lp.Series = append(lp.Series, ser)
			}
		}
		caption := skillCaption(name)
		if withCI > 0 {
			caption += fmt.Sprintf(" Bars: %.0f %% bootstrap intervals over cases of each value (tidal score --ci); for a difference between two models see the scorecard's paired intervals.", 100*withCI)
		}
		f, err := render(fmt.Sprintf("skill-%02d-%s.png", i, slug(name)), lp, caption)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// metricAxisLabel is the y label of a per-lead metric with its unit.
func metricAxisLabel(name string, info *DataInfo) string {
	base, _, _ := strings.Cut(name, "@")
	switch base {
	case "crps", "crps-fair", "crps-pwm", "rmse", "spread", "skill", "bias", "abs-bias":
		return fmt.Sprintf("%s (%s)", name, info.fieldUnit())
	case "ssr":
		return "spread-skill ratio (dimensionless)"
	case "csi", "fss", "ssim":
		return name + " (dimensionless, 0 to 1)"
	case "psnr":
		return name + " (dB)"
	case "crps-sum", "crps-sum-fair", "crps-sum-ql", "crps-ql":
		return name + " (dimensionless, normalised)"
	}
	return name
}

func skillCaption(name string) string {
	o := map[Orientation]string{LowerIsBetter: "lower is better", HigherIsBetter: "higher is better", NearOneBetter: "1 is calibrated, below 1 under-dispersed"}[OrientationOf(name)]
	return fmt.Sprintf("%s of every model and baseline at each lead (%s); references dashed. docs/METRICS.md defines it.", name, o)
}

// rankFigures draws the rank histograms: the frequency of the truth's rank among the members, pooled over
// cases and leads, one line per score; a calibrated ensemble is flat at 1/(M+1) (dashed).
func rankFigures(scores []Score, refs map[string]bool, col colours) ([]figure, error) {
	lp := LinePlot{Title: "rank histogram (all leads)", XLabel: "rank of the truth among the members (0 = below all)",
		YLabel: "frequency (fraction of cases × points)"}
	pal := col.plot()
	flat := math.NaN()
	for _, s := range scores {
		m := findMetric(s, "rank-hist")
		if m == nil || len(m.Histogram) == 0 {
			continue
		}
		counts := make([]float64, len(m.Histogram[0]))
		var total float64
		for _, h := range m.Histogram {
			for k, c := range h {
				if k < len(counts) {
					counts[k] += float64(c)
					total += float64(c)
				}
			}
		}
		if total == 0 {
			continue
		}
		var x, y []float64
		for k, c := range counts { // steps: each bin a flat segment from k-0.5 to k+0.5
			x, y = append(x, float64(k)-0.5, float64(k)+0.5), append(y, c/total, c/total)
		}
		lp.Series = append(lp.Series, Series{Label: s.Label, X: x, Y: y, Color: pal.of(s.Label), Dashed: refs[s.Label]})
		if math.IsNaN(flat) {
			flat = 1 / float64(len(counts))
		}
	}
	if len(lp.Series) == 0 {
		return nil, nil
	}
	lp.HLine = &flat
	f, err := render("skill-ranks.png", lp, fmt.Sprintf("Rank histograms: how often the truth falls at each rank among the sorted members. "+
		"Flat (dashed, %s for the first model's ensemble size) is calibrated; U-shaped is under-dispersed, a dome over-dispersed, a slope biased.", FormatNumber(flat)))
	if err != nil {
		return nil, err
	}
	return []figure{f}, nil
}

// rolloutPanel is one comparison plot of the rollout diagnostics.
type rolloutPanel struct {
	name, title, x, y, caption string
	curve                      func(d metrics.Diagnostics) []metrics.Value
	logY                       bool
}

// rolloutPanels are the rollout plots; their axis labels take the field's unit (%[1]s) and the time
// axis its unit (%[2]s) from the data's sidecar.
var rolloutPanels = []rolloutPanel{
	{"acf", "autocorrelation", "lag (%[2]s)", "ACF (dimensionless)", "Autocorrelation of the standardised grid-point series against lag.",
		func(d metrics.Diagnostics) []metrics.Value { return d.ACF }, false},
	{"hovmoller", "Hovmöller W1 between consecutive rows", "W1 (%[1]s)", "probability density (1 / (%[1]s))", "Density of the Wasserstein-1 distance between consecutive Hovmöller rows.",
		func(d metrics.Diagnostics) []metrics.Value { return d.W1PDF }, false},
	{"drift", "drift of the spatial mean", "time (%[2]s)", "running mean of the spatial mean (%[1]s)", "Running mean of the spatial mean over the rollout: a model that drifts leaves the truth's band.",
		func(d metrics.Diagnostics) []metrics.Value { return d.RunningMean }, false},
	{"spectrum", "isotropic power spectrum", "wavenumber k (cycles per domain)", "power ((%[1]s)²)", "Time-mean radially averaged power spectrum from k = 1 to the cut-off (the largest k where the truth holds power), log scale.",
		func(d metrics.Diagnostics) []metrics.Value { return d.Spectrum }, true},
}

// rolloutFigures draws the ACF, the Hovmöller W1 density, the drift of the spatial mean and the
// spectrum: one line per rollout and the truth of the first rollout in black.
func rolloutFigures(rolls []Rollout, col colours, info *DataInfo) ([]figure, error) {
	if len(rolls) == 0 {
		return nil, nil
	}
	dt, tunit := 1.0, "frames"
	if info != nil && info.FrameDT > 0 {
		dt, tunit = info.FrameDT, info.timeUnit()
	}
	var out []figure
	for _, p := range rolloutPanels {
		title, xl, caption := p.title, p.x, p.caption
		if p.name == "spectrum" && rolls[0].Truth.SpectrumKind == "zonal" { // a lat-lon grid
			title, xl = "zonal power spectrum", "zonal wavenumber k (cycles around a latitude circle)"
			caption = "Time-mean zonal power spectrum (FFT along longitude, averaged over latitudes with cos-latitude weights) from k = 1 to the cut-off, log scale."
		}
		lp := LinePlot{Title: title, XLabel: withUnits(xl, info.fieldUnit(), tunit), YLabel: withUnits(p.y, info.fieldUnit(), tunit), LogY: p.logY}
		pal := col.plot()
		cut := spectrumCutoff(rolls[0].Truth.Spectrum)
		line := func(r Rollout, d metrics.Diagnostics, label string, c color.NRGBA) Series {
			y := floats(p.curve(d))
			x := axis(len(y), 0, 1)
			switch p.name {
			case "hovmoller": // bin centres over the report's W1 range
				step := (r.W1Bins[1] - r.W1Bins[0]) / float64(max(1, len(y)))
				x = axis(len(y), r.W1Bins[0]+step/2, step)
			case "acf", "drift":
				x = axis(len(y), 0, dt)
			case "spectrum": // k = 1 .. cut-off: k = 0 is the mean, beyond the cut-off rounding noise
				hi := min(len(y), cut+1)
				if hi > 1 {
					x, y = x[1:hi], y[1:hi]
				}
			}
			return Series{Label: label, X: x, Y: y, Color: c}
		}
		lp.Series = append(lp.Series, line(rolls[0], rolls[0].Truth, "truth", TruthColor))
		for _, r := range rolls {
			lp.Series = append(lp.Series, line(r, r.Forecast, r.Label, pal.of(r.Label)))
		}
		f, err := render("rollout-"+p.name+".png", lp, caption)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// withUnits fills the %[1]s (field unit) and %[2]s (time unit) of a rollout panel's axis label.
func withUnits(label, field, time string) string {
	return strings.NewReplacer("%[1]s", field, "%[2]s", time).Replace(label)
}

// spectrumCutoff is the largest wavenumber where the truth's power exceeds 10⁻¹⁰ of its largest shell
// (the dealiasing cut-off of a pseudo-spectral solver; metrics' unresolved-power threshold).
func spectrumCutoff(s []metrics.Value) int {
	var top float64
	for k := 1; k < len(s); k++ {
		top = math.Max(top, float64(s[k]))
	}
	cut := len(s) - 1
	for cut > 1 && !(float64(s[cut]) > 1e-10*top) {
		cut--
	}
	return cut
}

// axis is start, start+step, ... (n values).
func axis(n int, start, step float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = start + float64(i)*step
	}
	return x
}

// animationFigures renders one GIF per forecast.
func animationFigures(fcs []Forecast, opt AnimationOptions, info *DataInfo) ([]figure, error) {
	var out []figure
	for i, fc := range fcs {
		b, sc, err := Animate(fc.Panels, opt)
		if err != nil {
			return nil, fmt.Errorf("forecast %s: %w", fc.File, err)
		}
		panels := fmt.Sprintf("truth, %d member(s)", len(fc.Panels.Members))
		if sc.Diverging {
			panels += fmt.Sprintf(" (cool-warm: blue %s, white 0, red %s)", FormatNumber(sc.FieldLo), FormatNumber(sc.FieldHi))
		} else {
			panels += fmt.Sprintf(" (viridis: purple 0, yellow %s)", FormatNumber(sc.FieldHi))
		}
		if fc.Panels.Spread != nil {
			panels += fmt.Sprintf(", ensemble spread (viridis: purple 0, yellow %s)", FormatNumber(sc.SpreadHi))
		}
		if fc.Panels.Error != nil {
			panels += fmt.Sprintf(", error of the ensemble mean, forecast − truth (cool-warm: blue %s, red %s)", FormatNumber(-sc.ErrorHi), FormatNumber(sc.ErrorHi))
		}
		out = append(out, figure{
			File:  fmt.Sprintf("anim-%02d-%s.gif", i, slug(fc.Label)),
			Title: "forecast of " + fc.Label,
			Caption: fmt.Sprintf("Case %d, channel %d of %s, one frame per lead. Left to right: %s. The colours are the truth's range, fixed over the frames; a colour bar with its end values is under each panel.",
				fc.Case, fc.Channel, fc.File, panels),
			Wide: true, data: b,
		})
		if fc.Panels.Error != nil {
			f, err := snapshotFigure(i, fc, info)
			if err != nil {
				return nil, fmt.Errorf("forecast %s: %w", fc.File, err)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// snapshotFigure draws the last lead of an animated forecast as heat maps with colour bars: the truth,
// the ensemble mean (on the truth's scale) and the error of the mean, forecast − truth (on its own
// symmetric scale).
func snapshotFigure(i int, fc Forecast, info *DataInfo) (figure, error) {
	p := fc.Panels
	last := len(p.Truth) - 1
	truth, errf := p.Truth[last], p.Error[last]
	mean := make([]float64, len(truth))
	for k := range mean {
		mean[k] = truth[k] + errf[k]
	}
	unit := info.fieldUnit()
	m, e := symmetricMax(truth), symmetricMax(errf)
	lo, cmap := -m, CoolWarm()
	if tl, _ := extent([][][]float64{p.Truth}); tl >= 0 {
		lo, cmap = 0, Viridis()
	}
	panels := []heatPanel{
		{"truth", unit, truth, lo, m, cmap},
		{"ensemble mean", unit, mean, lo, m, cmap},
		{"error: mean − truth", "error (" + unit + ")", errf, -e, e, CoolWarm()},
	}
	const w, h = 960, 380
	b, err := snapshotPNG(panels, p.H, p.W, w, h)
	if err != nil {
		return figure{}, err
	}
	return figure{File: fmt.Sprintf("snapshot-%02d-%s.png", i, slug(fc.Label)), Title: "last lead of " + fc.Label,
		Caption: fmt.Sprintf("Case %d, channel %d at %s: the truth, the ensemble mean on the truth's colour scale, and the error of the mean (forecast − truth) on its own scale, blue where the forecast is too low. gonum heat maps; the colour bars give the values.",
			fc.Case, fc.Channel, info.leadName(last+1)),
		Width: w, Height: h, Wide: true, data: b}, nil
}

// render draws lp into a figure named file.
func render(file string, lp LinePlot, caption string) (figure, error) {
	b, err := lp.PNG()
	if err != nil {
		return figure{}, err
	}
	w, h := lp.Width, lp.Height
	if w == 0 {
		w, h = 640, 400
	}
	return figure{File: file, Title: lp.Title, Caption: caption, Width: w, Height: h, data: b}, nil
}

// slug keeps letters, digits and '-' of s (others become '-'), for file names.
func slug(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}
