package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Panels is one case of an ensemble forecast laid out for animation: per lead, the truth, the members
// shown and the ensemble spread, each an H×W field (row-major).
type Panels struct {
	H, W    int
	Truth   [][]float64   // [lead][H*W]
	Members [][][]float64 // [member][lead][H*W]
	Spread  [][]float64   // [lead][H*W]; nil when the ensemble has one member
	Error   [][]float64   // [lead][H*W] ensemble mean − truth; nil: no error panel
}

// Palette layout of the animations: white background, 127 diverging levels, 127 sequential levels, black.
const (
	gifHeader     = 16 // pixels of the label strip above the panels
	gifFooter     = 24 // pixels of the colour-bar strip below the panels: a 7-pixel bar, its end values below
	gifBackground = 0
	gifDiverging  = 1
	gifSequential = 128
	gifLevels     = 127
)

// gifPalette is the 256-colour palette every animation uses.
func gifPalette() color.Palette {
	p := make(color.Palette, 0, 256)
	p = append(p, color.White)
	for _, c := range CoolWarm().Levels(gifLevels) {
		p = append(p, c)
	}
	for _, c := range Viridis().Levels(gifLevels) {
		p = append(p, c)
	}
	return append(p, color.Black)
}

// AnimationOptions sets the look of an animation; zero values pick the defaults.
type AnimationOptions struct {
	Scale int // pixels per grid cell; 0 picks the largest of 1..8 that keeps each panel ≤ 192 pixels
	Delay int // time per frame, hundredths of a second; 0 means 50
	Gap   int // white pixels between panels; 0 means 4
}

// Scales are the value ranges an animation's colours stand for.
type Scales struct {
	FieldLo, FieldHi float64 // the field maps' ends (−m, m for the diverging map)
	Diverging        bool
	SpreadHi         float64 // the spread map runs from 0 to this
	ErrorHi          float64 // the error map runs from −ErrorHi to ErrorHi (0 without an error panel)
}

// Animate renders p as a GIF with one frame per lead: the truth, the members and the spread side by side,
// each under a label ("truth, lead 3", "member 1", "spread").
// The colour scale is the truth's, fixed over all frames (members beyond it saturate): the diverging map
// symmetric about 0 when the truth has a negative value (vorticity), else the sequential one from 0. The
// spread always uses the sequential map from 0 to its largest value.
func Animate(p Panels, opt AnimationOptions) ([]byte, Scales, error) {
	var sc Scales
	if err := p.check(); err != nil {
		return nil, sc, err
	}
	scale := opt.Scale
	if scale == 0 {
		scale = max(1, min(8, 192/max(p.H, p.W)))
	}
	delay, gap := cmp0(opt.Delay, 50), cmp0(opt.Gap, 4)
	fields := append([][][]float64{p.Truth}, p.Members...)
	n := len(fields)
	if p.Spread != nil {
		n++
	}
	if p.Error != nil {
		n++
	}
	width, height := n*p.W*scale+(n-1)*gap, p.H*scale+gifHeader+gifFooter
	if width > 8192 || height > 8192 || scale < 1 {
		return nil, sc, fmt.Errorf("animation: %d panels of %d×%d cells at scale %d make %d×%d pixels, more than 8192", n, p.H, p.W, scale, width, height)
	}
	lo, hi := extent(fields[:1])
	sc.FieldHi = hi
	fieldMap := func(v float64) uint8 { return level(gifSequential, v/hi) }
	if lo < 0 {
		m := math.Max(-lo, hi)
		sc.FieldLo, sc.FieldHi, sc.Diverging = -m, m, true
		fieldMap = func(v float64) uint8 { return level(gifDiverging, 0.5+0.5*v/m) }
	}
	_, smax := extent([][][]float64{p.Spread})
	if p.Spread != nil {
		sc.SpreadHi = smax
	}
	elo, ehi := extent([][][]float64{p.Error})
	emax := math.Max(-elo, ehi)
	if p.Error != nil {
		sc.ErrorHi = emax
	}
	pal := gifPalette()
	anim := &gif.GIF{}
	labels := [][]string{nil} // per panel, from the longest to the shortest form
	for k := range p.Members {
		labels = append(labels, []string{fmt.Sprintf("member %d", k+1), fmt.Sprintf("m%d", k+1)})
	}
	if p.Spread != nil {
		labels = append(labels, []string{"spread", "sd"})
	}
	if p.Error != nil {
		labels = append(labels, []string{"mean - truth", "error", "err"}) // basicfont has ASCII only
	}
	// The colour bar under each panel: the field's map under the truth and the members, then the spread's
	// and the error's, each with the values of its ends.
	type bar struct {
		base   int
		lo, hi float64
		signed bool
	}
	fieldBar := bar{gifSequential, 0, hi, false}
	if sc.Diverging {
		fieldBar = bar{gifDiverging, sc.FieldLo, sc.FieldHi, true}
	}
	bars := make([]bar, 0, n)
	for range fields {
		bars = append(bars, fieldBar)
	}
	if p.Spread != nil {
		bars = append(bars, bar{gifSequential, 0, smax, false})
	}
	if p.Error != nil {
		bars = append(bars, bar{gifDiverging, -emax, emax, true})
	}
	pw := p.W*scale + gap
	for lead := range p.Truth {
		img := image.NewPaletted(image.Rect(0, 0, width, height), pal)
		for i, f := range fields {
			paint(img, f[lead], p.W, scale, i*pw, fieldMap)
		}
		k := len(fields)
		if p.Spread != nil {
			paint(img, p.Spread[lead], p.W, scale, k*pw, func(v float64) uint8 { return level(gifSequential, v/smax) })
			k++
		}
		if p.Error != nil {
			paint(img, p.Error[lead], p.W, scale, k*pw, func(v float64) uint8 { return level(gifDiverging, 0.5+0.5*v/emax) })
		}
		for i, b := range bars {
			colourBar(img, i*pw, p.W*scale, p.H*scale+gifHeader, b.base, b.lo, b.hi)
		}
		labels[0] = []string{fmt.Sprintf("truth, lead %d", lead+1), fmt.Sprintf("lead %d", lead+1), fmt.Sprint(lead + 1)}
		for i, l := range labels {
			label(img, l, i*pw, p.W*scale)
		}
		anim.Image = append(anim.Image, img)
		anim.Delay = append(anim.Delay, delay)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, anim); err != nil {
		return nil, sc, fmt.Errorf("animation: %w", err)
	}
	return buf.Bytes(), sc, nil
}

func cmp0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// level is the palette index of t in [0, 1] within the 127 levels starting at base (NaN: the middle).
func level(base int, t float64) uint8 {
	if math.IsNaN(t) {
		t = 0.5
	}
	return uint8(base + int(math.Round(clip01(t)*(gifLevels-1))))
}

// extent is the smallest and largest finite value of the fields (1 for an all-zero maximum).
func extent(fields [][][]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, f := range fields {
		for _, frame := range f {
			for _, v := range frame {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
	}
	if math.IsInf(lo, 1) {
		return 0, 1
	}
	if hi <= 0 && lo >= 0 {
		hi = 1
	}
	return lo, hi
}

// label writes the longest of forms that fits the panel's width (else the shortest, clipped) in black in
// the strip above the panel at x0.
func label(img *image.Paletted, forms []string, x0, width int) {
	s := forms[len(forms)-1]
	for _, f := range forms {
		if 7*len(f)+2 <= width { // Face7x13 advances 7 pixels a character
			s = f
			break
		}
	}
	clip := img.SubImage(image.Rect(x0, 0, x0+width, gifHeader)).(*image.Paletted)
	d := font.Drawer{Dst: clip, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13,
		Dot: fixed.P(x0+2, gifHeader-4)}
	d.DrawString(s)
}

// colourBar draws, in the strip starting at row y0 below a panel at x0 of the given width, the 127 levels
// of the map at base from left to right and, under it in black, the values of its two ends (and 0 at the
// centre of a diverging map when it fits).
func colourBar(img *image.Paletted, x0, width, y0, base int, lo, hi float64) {
	for x := range width {
		c := uint8(base + int(math.Round(float64(x)/float64(max(1, width-1))*(gifLevels-1))))
		for y := y0 + 2; y < y0+9; y++ {
			img.Pix[y*img.Stride+x0+x] = c
		}
	}
	clip := img.SubImage(image.Rect(x0, y0, x0+width, y0+gifFooter)).(*image.Paletted)
	d := font.Drawer{Dst: clip, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13}
	los, his := short(lo), short(hi)
	d.Dot = fixed.P(x0, y0+gifFooter-3)
	d.DrawString(los)
	d.Dot = fixed.P(x0+width-7*len(his), y0+gifFooter-3)
	d.DrawString(his)
	if lo < 0 && 7*(len(los)+len(his)+3) <= width {
		d.Dot = fixed.P(x0+width/2-3, y0+gifFooter-3)
		d.DrawString("0")
	}
}

// short prints a colour-bar end in at most about six characters.
func short(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// paint draws one field, each cell a scale×scale block, at horizontal offset x0 below the label strip.
func paint(img *image.Paletted, f []float64, w, scale, x0 int, idx func(float64) uint8) {
	for i, v := range f {
		c := idx(v)
		r, col := i/w, i%w
		for dy := range scale {
			row := (gifHeader+r*scale+dy)*img.Stride + x0 + col*scale
			for dx := range scale {
				img.Pix[row+dx] = c
			}
		}
	}
}

// check validates the panel shapes.
func (p Panels) check() error {
	if p.H < 1 || p.W < 1 {
		return fmt.Errorf("animation: field %d×%d, want at least 1×1", p.H, p.W)
	}
	leads := len(p.Truth)
	if leads == 0 {
		return fmt.Errorf("animation: no lead to animate")
	}
	all := append([][][]float64{p.Truth}, p.Members...)
	if p.Spread != nil {
		all = append(all, p.Spread)
	}
	if p.Error != nil {
		all = append(all, p.Error)
	}
	for i, f := range all {
		if len(f) != leads {
			return fmt.Errorf("animation: panel %d has %d leads, the truth %d", i, len(f), leads)
		}
		for l, frame := range f {
			if len(frame) != p.H*p.W {
				return fmt.Errorf("animation: panel %d, lead %d has %d values, want %d×%d", i, l, len(frame), p.H, p.W)
			}
		}
	}
	return nil
}
