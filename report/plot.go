package report

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Palette holds the line colours of the plots, in order: Okabe and Ito's colour-blind-safe set
// (vermillion, blue, bluish green, orange, reddish purple, sky blue, yellow), then Paul Tol's wine and
// olive, so that the demo's nine models (seven scores, the image model and the discriminator) each keep
// one colour across all plots; black is the truth's.
var Palette = []color.NRGBA{
	{213, 94, 0, 255}, {0, 114, 178, 255}, {0, 158, 115, 255}, {230, 159, 0, 255},
	{204, 121, 167, 255}, {86, 180, 233, 255}, {240, 228, 66, 255}, {136, 34, 85, 255}, {153, 153, 51, 255},
}

// TruthColor is the colour of the truth's line in every comparison plot.
var TruthColor = color.NRGBA{0, 0, 0, 255}

// Series is one labelled line of a LinePlot; NaN points are left out.
type Series struct {
	Label  string
	X, Y   []float64
	Color  color.NRGBA
	Dashed bool
	// Lo and Hi, when set, are the ends of an interval about each Y (a bootstrap interval), drawn as
	// error bars in the line's colour; NaN ends are left out.
	Lo, Hi []float64
}

// errorBars is a Series' intervals as gonum's XYer and YErrorer.
type errorBars struct {
	plotter.XYs
	lo, hi []float64 // distances below and above each point
}

func (e errorBars) YError(i int) (float64, float64) { return e.lo[i], e.hi[i] }

// LinePlot is a plot of labelled lines against a common x axis.
type LinePlot struct {
	Title, XLabel, YLabel string
	Series                []Series
	LogY                  bool     // logarithmic y axis (needs positive values)
	HLine                 *float64 // a dashed grey reference line, e.g. 1 for the spread-skill ratio
	Width, Height         int      // pixels; 0 means 640 × 400
}

// plotDPI is the resolution of the rendered plots; sizes are given in pixels.
const plotDPI = 96

// PNG draws the plot and encodes it as PNG.
func (lp LinePlot) PNG() ([]byte, error) {
	w, h := lp.Width, lp.Height
	if w == 0 {
		w, h = 640, 400
	}
	if w < 100 || h < 100 || w > 4000 || h > 4000 {
		return nil, fmt.Errorf("plot %q: size %d×%d pixels outside 100..4000", lp.Title, w, h)
	}
	p := plot.New()
	p.Title.Text = lp.Title
	p.X.Label.Text = lp.XLabel
	p.Y.Label.Text = lp.YLabel
	p.Add(plotter.NewGrid())
	leg := plot.NewLegend()
	leg.Top = true
	n := 0
	for _, s := range lp.Series {
		xys := points(s, lp.LogY)
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("plot %q, line %q: %w", lp.Title, s.Label, err)
		}
		l.Color = s.Color
		l.Width = vg.Points(2)
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		p.Add(l)
		leg.Add(s.Label, l)
		n++
		if s.Lo != nil && s.Hi != nil {
			var eb errorBars
			for i := range min(len(s.X), len(s.Y), len(s.Lo), len(s.Hi)) {
				x, y, lo, hi := s.X[i], s.Y[i], s.Lo[i], s.Hi[i]
				if !finite(x, y, lo, hi) || lo > y || hi < y || (lp.LogY && lo <= 0) {
					continue
				}
				eb.XYs = append(eb.XYs, plotter.XY{X: x, Y: y})
				eb.lo, eb.hi = append(eb.lo, y-lo), append(eb.hi, hi-y)
			}
			if len(eb.XYs) > 0 {
				bars, err := plotter.NewYErrorBars(eb)
				if err != nil {
					return nil, fmt.Errorf("plot %q, intervals of %q: %w", lp.Title, s.Label, err)
				}
				bars.Color = s.Color
				bars.Width = vg.Points(1.5)
				bars.CapWidth = vg.Points(6)
				p.Add(bars)
			}
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("plot %q: no finite point to draw", lp.Title)
	}
	if lp.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = decadeTicks{}
	}
	if lp.HLine != nil {
		y := *lp.HLine
		ref := plotter.NewFunction(func(float64) float64 { return y })
		ref.Color = color.NRGBA{128, 128, 128, 255}
		ref.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
		p.Add(ref)
		p.Y.Min, p.Y.Max = math.Min(p.Y.Min, y), math.Max(p.Y.Max, y)
	}
	widen(&p.X, false)
	widen(&p.Y, lp.LogY)
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(w)*vg.Inch/plotDPI, vg.Length(h)*vg.Inch/plotDPI),
		vgimg.UseDPI(plotDPI), vgimg.UseBackgroundColor(color.White))
	// The legend gets its own strip right of the axes, so it never hides a line.
	dc := draw.New(c)
	strip := leg.Rectangle(dc).Size().X + vg.Points(10)
	p.Draw(draw.Crop(dc, 0, -strip, 0, 0))
	leg.Draw(draw.Crop(dc, dc.Size().X-strip, 0, 0, -vg.Points(24)))
	var buf bytes.Buffer
	if err := png.Encode(&buf, c.Image()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// widen gives an axis of one value (a run with one logged step) a range around it: gonum's tickers
// need Min < Max, and with Min == Max the default one does not return.
func widen(a *plot.Axis, log bool) {
	if a.Min < a.Max {
		return
	}
	if log {
		a.Min, a.Max = a.Min/2, a.Max*2
		return
	}
	d := math.Max(0.5, 0.05*math.Abs(a.Min))
	a.Min, a.Max = a.Min-d, a.Max+d
}

// points keeps the finite points of s (positive ones on a log axis).
func points(s Series, logY bool) plotter.XYs {
	var xys plotter.XYs
	for i := range min(len(s.X), len(s.Y)) {
		x, y := s.X[i], s.Y[i]
		if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) || (logY && y <= 0) {
			continue
		}
		xys = append(xys, plotter.XY{X: x, Y: y})
	}
	return xys
}

// decadeTicks marks the powers of ten of a log axis, labelling at most seven of them (every k-th decade)
// with exact names ("1e-05", "0.01", "1", "100"). An axis of less than two decades, where powers of ten
// alone would leave one label or none, also marks 2..9 times each power, labelling 2 and 5 (and every
// mantissa below 0.7 decades); where that still labels fewer than three values, gonum's evenly spaced
// ticks are used, so every log axis reads with at least two labelled values.
type decadeTicks struct{}

// Ticks implements plot.Ticker.
func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	a, b := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	span := math.Log10(hi / lo)
	var ticks []plot.Tick
	if span < 2 {
		for k := a; k <= b; k++ {
			for m := 1; m <= 9; m++ {
				v, _ := strconv.ParseFloat(strconv.Itoa(m)+"e"+strconv.Itoa(k), 64)
				if v < lo || v > hi {
					continue
				}
				t := plot.Tick{Value: v}
				if m == 1 || m == 2 || m == 5 || span < 0.7 {
					t.Label = strconv.FormatFloat(v, 'g', -1, 64)
				}
				ticks = append(ticks, t)
			}
		}
		labelled := 0
		for _, t := range ticks {
			if t.Label != "" {
				labelled++
			}
		}
		if labelled < 3 { // e.g. 0.85 to 1.8: gonum's evenly spaced ticks (1, 1.2, 1.4, ...) read better
			return plot.DefaultTicks{}.Ticks(lo, hi)
		}
		return ticks
	}
	step := max(1, (b-a+6)/7)
	for k := a; k <= b; k++ {
		v, _ := strconv.ParseFloat("1e"+strconv.Itoa(k), 64)
		if v < lo || v > hi {
			continue
		}
		t := plot.Tick{Value: v}
		if (k-a)%step == 0 {
			t.Label = strconv.FormatFloat(v, 'g', -1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// finite reports whether every value is a finite number.
func finite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
