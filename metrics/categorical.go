package metrics

import (
	"fmt"
	"math"
)

// EventOptions describes the binary events and neighbourhoods of CSI and FSS.
type EventOptions struct {
	Threshold float64 // an event is a value ≥ Threshold (DyDiff's convention)
	// Window is the neighbourhood side in cells: for CSI, events are max-pooled over Window×Window windows
	// moved by Window/2 (DyDiff's windowed CSI; 1 means per grid cell); for FSS, event fractions are averaged
	// over Window×Window windows centred on each cell (zero padding outside the image).
	Window int
	// Stride moves the FSS window; 0 means 1 (Roberts & Lean). DyDiff's code uses (Window+2)/4.
	Stride int
	// EnsembleMean scores the ensemble mean as a deterministic forecast. By default every member is scored
	// and the counts are pooled over members, as DyDiff's evaluation does.
	EnsembleMean bool
}

func (e EventOptions) csiPooling() Pooling {
	if e.Window <= 1 {
		return Pooling{Kind: "max", Size: 1, Stride: 1}
	}
	return CSIPooling(e.Window)
}

func (e EventOptions) fssPooling() Pooling {
	return Pooling{Kind: "avg", Size: e.Window, Stride: max(1, e.Stride), Pad: e.Window / 2}
}

// CSI is the critical success index of events x ≥ threshold (Guo et al. 2025's evaluation code, per_grid_cell_csi):
//
//	CSI_l = TP / (TP + FP + FN)
//
// with hits TP, false alarms FP and misses FN counted over cases, members (or the ensemble mean) and grid
// cells (after max-pooling the event fields when Window > 1). Pooled sums the counts over every lead. A lead
// with no event in forecast or truth gives NaN (0/0).
func CSI[F, O Float](f *Fields[F], o *Fields[O], opt EventOptions) (Ratio, error) {
	pool := opt.csiPooling()
	return eventScore(f, o, opt, pool, func(fx, ox []float64) (num, den float64) {
		var tp, fpn float64
		for i, a := range fx {
			pe, oe := a > 0, ox[i] > 0 // pooled events are 0 or 1
			switch {
			case pe && oe:
				tp++
			case pe || oe:
				fpn++
			}
		}
		return tp, tp + fpn
	})
}

// FSS is the fractions skill score (Roberts & Lean 2008; DyDiff's fss): with P_f and P_o the fractions of
// event cells (x ≥ threshold) in the Window×Window neighbourhood of each cell of forecast and truth,
//
//	FSS_l = 1 − Σ (P_f − P_o)² / Σ (P_f² + P_o²)
//
// summed over cases, members (or the ensemble mean) and cells. 1 is perfect, 0 no skill. A lead with no event
// anywhere gives NaN (0/0).
func FSS[F, O Float](f *Fields[F], o *Fields[O], opt EventOptions) (Ratio, error) {
	if opt.Window < 1 {
		return Ratio{}, fmt.Errorf("FSS window %d: expected ≥ 1 cells", opt.Window)
	}
	r, err := eventScore(f, o, opt, opt.fssPooling(), func(fx, ox []float64) (num, den float64) {
		for i, a := range fx {
			d := a - ox[i]
			num += d * d
			den += a*a + ox[i]*ox[i]
		}
		return num, den
	})
	if err != nil {
		return r, err
	}
	r.Pooled = 1 - r.Pooled
	for l := range r.PerLead {
		r.PerLead[l] = 1 - r.PerLead[l]
	}
	return r, nil
}

// eventScore pools the event fields of forecast and truth and sums score(forecast, truth) = (num, den) per
// (case, lead) over members, returning num/den per lead and pooled.
func eventScore[F, O Float](f *Fields[F], o *Fields[O], opt EventOptions, pool Pooling,
	score func(fx, ox []float64) (num, den float64)) (Ratio, error) {
	if err := Match(f, o); err != nil {
		return Ratio{}, err
	}
	pshape, err := pool.pooledShape(f.Field)
	if err != nil {
		return Ratio{}, err
	}
	np, pp := f.Points(), NumPoints(pshape)
	nums := make([]float64, f.Cases*f.Leads)
	dens := make([]float64, f.Cases*f.Leads)
	parallelFor(len(nums), func(_, i int) {
		c, l := i/f.Leads, i%f.Leads
		raw, ev := make([]float64, np), make([]float64, np)
		fx, ox := make([]float64, pp), make([]float64, pp)
		events := func(dst []float64) {
			for p, v := range raw {
				ev[p] = 0
				if v >= opt.Threshold {
					ev[p] = 1
				}
			}
			pool.poolField(dst, ev, f.Field)
		}
		o.CopyField(raw, c, 0, l)
		events(ox)
		if opt.EnsembleMean {
			EnsembleMean(f, c, l, raw)
			events(fx)
			nums[i], dens[i] = score(fx, ox)
			return
		}
		for m := 0; m < f.Members; m++ {
			f.CopyField(raw, c, m, l)
			events(fx)
			n, d := score(fx, ox)
			nums[i] += n
			dens[i] += d
		}
	})
	r := Ratio{PerLead: make([]float64, f.Leads)}
	var tn, td float64
	for l := range r.PerLead {
		var n, d float64
		for c := 0; c < f.Cases; c++ {
			n += nums[c*f.Leads+l]
			d += dens[c*f.Leads+l]
		}
		r.PerLead[l] = safeDiv(n, d)
		tn, td = tn+n, td+d
	}
	r.Pooled = safeDiv(tn, td)
	return r, nil
}

// safeDiv is n/d, or NaN when both are 0.
func safeDiv(n, d float64) float64 {
	if d == 0 {
		return math.NaN()
	}
	return n / d
}
