package report

import (
	"fmt"
	"image/color"
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
		lp := LinePlot{Title: "training of " + r.Label, XLabel: "step", YLabel: "loss", Series: series, LogY: positive}
		f, err := render(fmt.Sprintf("train-%02d-%s.png", i, slug(r.Label)), lp,
			fmt.Sprintf("Loss of %s (%s) per logged step; the validation loss where it was computed.", r.Label, r.Dir))
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// skillFigures draws one plot per metric with a line per score (references dashed).
func skillFigures(scores []Score, refs map[string]bool, col colours) ([]figure, error) {
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
		lp := LinePlot{Title: name + " per lead", XLabel: "lead", YLabel: name}
		pal := col.plot()
		if OrientationOf(name) == NearOneBetter {
			one := 1.0
			lp.HLine = &one
		}
		for _, s := range scores {
			if m := findMetric(s, name); m != nil {
				lp.Series = append(lp.Series, Series{Label: s.Label, X: leadAxis(len(m.PerLead)), Y: floats(m.PerLead), Color: pal.of(s.Label), Dashed: refs[s.Label]})
			}
		}
		f, err := render(fmt.Sprintf("skill-%02d-%s.png", i, slug(name)), lp, skillCaption(name))
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func skillCaption(name string) string {
	o := map[Orientation]string{LowerIsBetter: "lower is better", HigherIsBetter: "higher is better", NearOneBetter: "1 is calibrated, below 1 under-dispersed"}[OrientationOf(name)]
	return fmt.Sprintf("%s of every model and baseline at each lead (%s); references dashed. docs/METRICS.md defines it.", name, o)
}

// rolloutPanel is one comparison plot of the rollout diagnostics.
type rolloutPanel struct {
	name, title, x, y, caption string
	curve                      func(d metrics.Diagnostics) []metrics.Value
	logY                       bool
}

var rolloutPanels = []rolloutPanel{
	{"acf", "autocorrelation", "lag (frames)", "ACF", "Autocorrelation of the standardised grid-point series against lag.",
		func(d metrics.Diagnostics) []metrics.Value { return d.ACF }, false},
	{"hovmoller", "Hovmöller W1 between consecutive rows", "W1", "density", "Density of the Wasserstein-1 distance between consecutive Hovmöller rows.",
		func(d metrics.Diagnostics) []metrics.Value { return d.W1PDF }, false},
	{"drift", "drift of the spatial mean", "frame", "running mean of the spatial mean", "Running mean of the spatial mean over the rollout: a model that drifts leaves the truth's band.",
		func(d metrics.Diagnostics) []metrics.Value { return d.RunningMean }, false},
	{"spectrum", "isotropic power spectrum", "wavenumber", "power", "Time-mean radially averaged power spectrum (log scale).",
		func(d metrics.Diagnostics) []metrics.Value { return d.Spectrum }, true},
}

// rolloutFigures draws the ACF, the Hovmöller W1 density, the drift of the spatial mean and the
// spectrum: one line per rollout and the truth of the first rollout in black.
func rolloutFigures(rolls []Rollout, col colours) ([]figure, error) {
	if len(rolls) == 0 {
		return nil, nil
	}
	var out []figure
	for _, p := range rolloutPanels {
		lp := LinePlot{Title: p.title, XLabel: p.x, YLabel: p.y, LogY: p.logY}
		pal := col.plot()
		line := func(r Rollout, d metrics.Diagnostics, label string, c color.NRGBA) Series {
			y := floats(p.curve(d))
			x := axis(len(y), 0, 1)
			if p.name == "hovmoller" { // bin centres over the report's W1 range
				step := (r.W1Bins[1] - r.W1Bins[0]) / float64(max(1, len(y)))
				x = axis(len(y), r.W1Bins[0]+step/2, step)
			}
			return Series{Label: label, X: x, Y: y, Color: c}
		}
		lp.Series = append(lp.Series, line(rolls[0], rolls[0].Truth, "truth", TruthColor))
		for _, r := range rolls {
			lp.Series = append(lp.Series, line(r, r.Forecast, r.Label, pal.of(r.Label)))
		}
		f, err := render("rollout-"+p.name+".png", lp, p.caption)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
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
func animationFigures(fcs []Forecast, opt AnimationOptions) ([]figure, error) {
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
		out = append(out, figure{
			File:  fmt.Sprintf("anim-%02d-%s.gif", i, slug(fc.Label)),
			Title: "forecast of " + fc.Label,
			Caption: fmt.Sprintf("Case %d, channel %d of %s, one frame per lead. Left to right: %s. The colours are the truth's range, fixed over the frames.",
				fc.Case, fc.Channel, fc.File, panels),
			Wide: true, data: b,
		})
	}
	return out, nil
}

// render draws lp into a figure named file.
func render(file string, lp LinePlot, caption string) (figure, error) {
	b, err := lp.PNG()
	if err != nil {
		return figure{}, err
	}
	w, h := lp.Width, lp.Height
	if w == 0 {
		w, h = 680, 400
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
