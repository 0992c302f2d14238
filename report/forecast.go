package report

import (
	"fmt"
	"math"

	"github.com/tidal-forecast/tidal/data"
)

// Forecast is an ensemble forecast and its truth, read for animation.
type Forecast struct {
	Label, File, TruthFile string
	Case, Channel          int // which case and channel are animated
	Panels                 Panels
	// Sidecar and TruthSidecar hold the metadata files beside the arrays (see ReadSidecar), if any.
	Sidecar, TruthSidecar map[string]string
}

// ForecastOptions picks what ReadForecast animates; zero values pick case 0, channel 0, 3 members.
type ForecastOptions struct {
	Case, Channel int
	Members       int // members shown beside the truth (the spread uses them all)
}

// ReadForecast reads a forecast NPY [cases, members, lead, C, H, W] and its truth [cases, lead, C, H, W]
// and lays out one case and channel for Animate. Errors name the file and the shape found.
func ReadForecast(label, file, truthFile string, opt ForecastOptions) (Forecast, error) {
	fc := Forecast{Label: label, File: file, TruthFile: truthFile, Case: opt.Case, Channel: opt.Channel}
	fa, err := data.ReadNPY(file)
	if err != nil {
		return fc, err
	}
	ta, err := data.ReadNPY(truthFile)
	if err != nil {
		return fc, err
	}
	p, err := PanelsOf(fa.Float64(), fa.Shape, ta.Float64(), ta.Shape, opt)
	if err != nil {
		return fc, fmt.Errorf("forecast %s (shape %v), truth %s (shape %v): %w", file, fa.Shape, truthFile, ta.Shape, err)
	}
	fc.Panels = p
	if fc.Sidecar, err = ReadSidecar(file); err != nil {
		return fc, err
	}
	if fc.TruthSidecar, err = ReadSidecar(truthFile); err != nil {
		return fc, err
	}
	return fc, nil
}

// PanelsOf cuts one case and channel out of a forecast [cases, members, lead, C, H, W] and its truth
// [cases, lead, C, H, W]: the truth, the first opt.Members members and the ensemble spread per lead, the
// spread being the unbiased standard deviation over all members at each point (nil for one member).
func PanelsOf(f []float64, fshape []int, t []float64, tshape []int, opt ForecastOptions) (Panels, error) {
	if len(fshape) != 6 || len(tshape) != 5 {
		return Panels{}, fmt.Errorf("want a forecast of rank 6 [cases, members, lead, C, H, W] and a truth of rank 5 [cases, lead, C, H, W]")
	}
	cases, m, leads, c, h, w := fshape[0], fshape[1], fshape[2], fshape[3], fshape[4], fshape[5]
	for _, n := range fshape {
		if n < 1 {
			return Panels{}, fmt.Errorf("the forecast has an empty axis")
		}
	}
	if len(f) != data.NumElements(fshape) || len(t) != data.NumElements(tshape) {
		return Panels{}, fmt.Errorf("%d forecast and %d truth values for shapes of %d and %d", len(f), len(t), data.NumElements(fshape), data.NumElements(tshape))
	}
	if tshape[0] != cases || tshape[1] != leads || tshape[2] != c || tshape[3] != h || tshape[4] != w {
		return Panels{}, fmt.Errorf("the truth's shape is not the forecast's without the member axis")
	}
	if opt.Case < 0 || opt.Case >= cases || opt.Channel < 0 || opt.Channel >= c {
		return Panels{}, fmt.Errorf("case %d, channel %d outside the %d cases and %d channels", opt.Case, opt.Channel, cases, c)
	}
	shown := opt.Members
	if shown == 0 {
		shown = 3
	}
	shown = min(shown, m)
	hw := h * w
	field := func(base []float64, off int) ([]float64, error) {
		out := base[off : off+hw]
		for _, v := range out {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("case %d, channel %d holds %g", opt.Case, opt.Channel, v)
			}
		}
		return out, nil
	}
	p := Panels{H: h, W: w, Members: make([][][]float64, shown)}
	for l := range leads {
		tv, err := field(t, ((opt.Case*leads+l)*c+opt.Channel)*hw)
		if err != nil {
			return Panels{}, fmt.Errorf("truth: %w", err)
		}
		p.Truth = append(p.Truth, tv)
		members := make([][]float64, m)
		for k := range m {
			if members[k], err = field(f, (((opt.Case*m+k)*leads+l)*c+opt.Channel)*hw); err != nil {
				return Panels{}, fmt.Errorf("forecast member %d, lead %d: %w", k, l, err)
			}
		}
		for k := range shown {
			p.Members[k] = append(p.Members[k], members[k])
		}
		if m > 1 {
			p.Spread = append(p.Spread, spread(members))
		}
		p.Error = append(p.Error, meanError(members, tv))
	}
	return p, nil
}

// spread is the unbiased standard deviation over the members at each point.
func spread(members [][]float64) []float64 {
	out := make([]float64, len(members[0]))
	n := float64(len(members))
	for i := range out {
		var s, s2 float64
		for _, x := range members {
			s += x[i]
		}
		mean := s / n
		for _, x := range members {
			d := x[i] - mean
			s2 += d * d
		}
		out[i] = math.Sqrt(s2 / (n - 1))
	}
	return out
}

// meanError is the ensemble mean minus the truth at each point.
func meanError(members [][]float64, truth []float64) []float64 {
	out := make([]float64, len(truth))
	for i := range out {
		var s float64
		for _, x := range members {
			s += x[i]
		}
		out[i] = s/float64(len(members)) - truth[i]
	}
	return out
}
