package dymodel

import (
	"fmt"
	"hash/fnv"
	"math"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
)

// videoCases are the cases of a forecast over videos [videos, T, ...] laid end to end (frame f of video
// v at v·T + f): case v forecasts video v from its frame Context on, Lead frames (0: Predict), for the
// first o.Cases videos (0: all of them). Starts, which index one series, are refused.
func (t *Trained) videoCases(V, T int, o ForecastOptions) (forecast.Cases, error) {
	c := t.Model.Config
	lead := o.Lead
	if lead == 0 {
		lead = c.Predict
	}
	n := o.Cases
	if n == 0 {
		n = V
	}
	switch {
	case len(o.Starts) > 0:
		return forecast.Cases{}, fmt.Errorf("starts %v: a forecast of videos forecasts each video from its frame %d (the model's context); give the number of videos as cases instead", o.Starts, c.Context)
	case n < 1 || n > V:
		return forecast.Cases{}, fmt.Errorf("cases %d: expected 1 to the %d videos (0: all)", o.Cases, V)
	case lead < 1 || lead > T-c.Context:
		return forecast.Cases{}, fmt.Errorf("lead %d: a video of %d frames holds the model's %d context frames and at most %d lead frames", lead, T, c.Context, T-c.Context)
	}
	cs := forecast.Cases{Context: c.Context, Lead: lead}
	for v := range n {
		cs.Starts = append(cs.Starts, v*T+c.Context)
	}
	return cs, nil
}

// caseActions are the action rows (dataset.PadActions's layout) of every case of cs, from its first
// observed frame on, as EnsembleOptions.Actions takes them. acts are the actions of the observed data in
// the BAIR layout: [n, A] for a series (row t the action between frames t and t + 1; n may exceed the
// frames − 1 observed, for windows that reach past the data), or, for videos of T frames each
// (videoT > 0), [videos, n, A] per video or [n, A] for every video alike. Each case needs
// ActionRows(lead) rows from its first observed frame.
func (t *Trained) caseActions(acts *data.Array, cs forecast.Cases, videoT int) ([][]float32, error) {
	m := t.Model
	A := m.Config.Actions
	switch {
	case A == 0 && acts != nil:
		return nil, fmt.Errorf("actions of shape %v given, but the model was trained without actions", acts.Shape)
	case A == 0:
		return nil, nil
	case acts == nil:
		return nil, fmt.Errorf("the model takes %d-component actions; none given (the data file's, or a file of [frames − 1, %d] rows)", A, A)
	}
	r := len(acts.Shape)
	if (r != 2 && !(r == 3 && videoT > 0)) || acts.Shape[r-1] != A || acts.Shape[r-2] < 1 {
		want := fmt.Sprintf("[rows, %d]", A)
		if videoT > 0 {
			want = fmt.Sprintf("[rows, %d] (every video alike) or [videos, rows, %d]", A, A)
		}
		return nil, fmt.Errorf("actions of shape %v: expected %s, the model's %d components per row", acts.Shape, want, A)
	}
	v := acts.Float32()
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("actions: value %v at row %d component %d: expected finite values", x, i/A%acts.Shape[r-2], i%A)
		}
	}
	n := acts.Shape[r-2]
	need := m.ActionRows(cs.Lead)
	out := make([][]float32, len(cs.Starts))
	for i, s := range cs.Starts {
		first, rows := s-cs.Context, v // the case's first observed frame in its series, and that series' rows
		if videoT > 0 {
			video := s / videoT
			first = s - video*videoT - cs.Context
			if r == 3 {
				if video >= acts.Shape[0] {
					return nil, fmt.Errorf("actions of shape %v: %d videos, the forecast has case %d of video %d", acts.Shape, acts.Shape[0], i, video)
				}
				rows = v[video*n*A : (video+1)*n*A]
			}
		}
		// Padded rows: row 0 zero (nothing led into the series' first frame), row f = given row f − 1.
		if first+need > n+1 {
			return nil, fmt.Errorf("actions: %d rows, but case %d (start frame %d) needs actions through frame %d, %d rows (the last window of a %d-frame forecast ends there)",
				n, i, s, first+need-1, first+need-1, cs.Lead)
		}
		ca := make([]float32, need*A)
		for f := range need {
			if g := first + f; g > 0 {
				copy(ca[f*A:(f+1)*A], rows[(g-1)*A:g*A])
			}
		}
		out[i] = ca
	}
	return out, nil
}

// actionsHash identifies a forecast's actions in a resumable forecast's identity.
func actionsHash(a [][]float32) uint64 {
	h := fnv.New64a()
	var b [4]byte
	for _, row := range a {
		for _, x := range row {
			u := math.Float32bits(x)
			b[0], b[1], b[2], b[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
			h.Write(b[:])
		}
	}
	return h.Sum64()
}
