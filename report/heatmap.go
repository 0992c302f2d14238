package report

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// rangedMap is one of the report's colour maps over [lo, hi], as gonum's palette.ColorMap, so that
// plotter.HeatMap and plotter.ColorBar draw with it.
type rangedMap struct {
	m      *ColorMap
	lo, hi float64
}

func (r *rangedMap) At(v float64) (color.Color, error) {
	if v < r.lo || v > r.hi || math.IsNaN(v) {
		return nil, fmt.Errorf("%g outside [%g, %g]", v, r.lo, r.hi)
	}
	return r.m.At((v - r.lo) / (r.hi - r.lo)), nil
}
func (r *rangedMap) Max() float64       { return r.hi }
func (r *rangedMap) SetMax(v float64)   { r.hi = v }
func (r *rangedMap) Min() float64       { return r.lo }
func (r *rangedMap) SetMin(v float64)   { r.lo = v }
func (r *rangedMap) Alpha() float64     { return 1 }
func (r *rangedMap) SetAlpha(a float64) {}
func (r *rangedMap) Palette(n int) palette.Palette {
	p := make(levels, n)
	for i, c := range r.m.Levels(max(2, n)) {
		p[i] = c
	}
	return p
}

type levels []color.Color

func (l levels) Colors() []color.Color { return l }

// grid is an H×W field (row-major, row 0 at the top of the image) as gonum's GridXYZ: column c is x = c,
// row r is y = H−1−r, so the heat map shows the field the way the animation does.
type grid struct {
	v    []float64
	h, w int
}

func (g grid) Dims() (c, r int)   { return g.w, g.h }
func (g grid) Z(c, r int) float64 { return g.v[(g.h-1-r)*g.w+c] }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

func symmetricMax(fields ...[]float64) float64 {
	m := 0.0
	for _, f := range fields {
		for _, v := range f {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				m = math.Max(m, math.Abs(v))
			}
		}
	}
	if m == 0 {
		return 1
	}
	return m
}

// heatPanel is one field of a snapshot with its title, colour-bar label and range.
type heatPanel struct {
	title, unit string
	field       []float64
	lo, hi      float64
	cmap        *ColorMap
}

// snapshotPNG draws the panels side by side as gonum heat maps, each with a horizontal colour bar
// labelled with its unit below it; axes in grid cells.
func snapshotPNG(panels []heatPanel, h, w int, width, height int) ([]byte, error) {
	maps := make([]*plot.Plot, len(panels))
	bars := make([]*plot.Plot, len(panels))
	for i, p := range panels {
		cm := &rangedMap{p.cmap, p.lo, p.hi}
		hm := plotter.NewHeatMap(grid{p.field, h, w}, cm.Palette(255))
		hm.Min, hm.Max = p.lo, p.hi
		hm.Underflow, hm.Overflow = p.cmap.At(0), p.cmap.At(1)
		pl := plot.New()
		pl.Title.Text = p.title
		pl.X.Label.Text = "x (grid cells)"
		pl.Y.Label.Text = "y (grid cells)"
		pl.Add(hm)
		pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = -0.5, float64(w)-0.5, -0.5, float64(h)-0.5
		maps[i] = pl
		bp := plot.New()
		bp.Add(&plotter.ColorBar{ColorMap: cm})
		bp.HideY()
		bp.X.Label.Text = p.unit
		bars[i] = bp
	}
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(width)*vg.Inch/plotDPI, vg.Length(height)*vg.Inch/plotDPI),
		vgimg.UseDPI(plotDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(c)
	barH := vg.Points(60)
	top := draw.Crop(dc, 0, 0, barH, 0)
	bottom := draw.Crop(dc, 0, 0, 0, -(dc.Size().Y - barH))
	t := draw.Tiles{Rows: 1, Cols: len(panels), PadX: vg.Points(12), PadLeft: vg.Points(4), PadRight: vg.Points(4), PadTop: vg.Points(4)}
	for i, cv := range plot.Align([][]*plot.Plot{maps}, t, top)[0] {
		maps[i].Draw(cv)
	}
	for i, cv := range plot.Align([][]*plot.Plot{bars}, t, bottom)[0] {
		bars[i].Draw(cv)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, c.Image()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
