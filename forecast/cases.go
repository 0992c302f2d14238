// Package forecast turns a series of frames into forecast cases and makes forecasts in tidal's layout:
// forecasts [cases, members, lead, frame...] and truth [cases, lead, frame...], the layout `tidal score`
// reads. It holds the reference forecasts every probabilistic forecaster should beat (persistence, a
// climatological ensemble, a Gaussian random walk and seasonal naive) and the rolling test protocol of the
// multivariate time-series benchmarks (docs/SERIES.md); the diffusion models' ensembles and rollouts write
// the same layout.
package forecast

import (
	"fmt"

	"github.com/tidal-forecast/tidal/data"
)

// Cases are forecast start points in a series of frames: case i observes frames
// Starts[i]-Context .. Starts[i]-1 and predicts frames Starts[i] .. Starts[i]+Lead-1.
type Cases struct {
	Context, Lead int
	Starts        []int
}

// EvenCases spreads n cases evenly over a series of `frames` frames, each with `context` observed frames and
// `lead` frames to predict, as far apart as the series allows (cases may overlap when it is short).
func EvenCases(frames, context, lead, n int) (Cases, error) {
	switch {
	case context < 1:
		return Cases{}, fmt.Errorf("context %d: expected at least 1 observed frame", context)
	case lead < 1:
		return Cases{}, fmt.Errorf("lead %d: expected at least 1 frame to predict", lead)
	case n < 1:
		return Cases{}, fmt.Errorf("cases %d: expected at least 1", n)
	case frames < context+lead:
		return Cases{}, fmt.Errorf("a series of %d frames is too short for %d context + %d lead frames", frames, context, lead)
	}
	first, last := context, frames-lead // valid starts: first..last
	c := Cases{Context: context, Lead: lead, Starts: make([]int, n)}
	for i := range c.Starts {
		if n == 1 {
			c.Starts[i] = first
			continue
		}
		c.Starts[i] = first + i*(last-first)/(n-1)
	}
	return c, nil
}

// frameShape returns the shape of one frame of a series [frames, ...] and its size.
func frameShape(series *data.Array) ([]int, int, error) {
	if len(series.Shape) < 2 {
		return nil, 0, fmt.Errorf("series of shape %v: expected [frames, ...] with at least one axis per frame", series.Shape)
	}
	fs := series.Shape[1:]
	return fs, data.NumElements(fs), nil
}

func (c Cases) check(frames int) error {
	for _, s := range c.Starts {
		if s-c.Context < 0 || s+c.Lead > frames {
			return fmt.Errorf("case starting at frame %d with %d context and %d lead frames does not fit in %d frames", s, c.Context, c.Lead, frames)
		}
	}
	return nil
}

// Truth gathers the frames each case predicts: [cases, lead, frame...].
func Truth(series *data.Array, c Cases) (*data.Array, error) {
	return gather(series, c, 0, c.Lead)
}

// Context gathers the frames each case observes: [cases, context, frame...].
func Context(series *data.Array, c Cases) (*data.Array, error) {
	return gather(series, c, -c.Context, 0)
}

// gather collects frames Starts[i]+from .. Starts[i]+to-1 of every case: [cases, to-from, frame...].
func gather(series *data.Array, c Cases, from, to int) (*data.Array, error) {
	fs, size, err := frameShape(series)
	if err != nil {
		return nil, err
	}
	if err := c.check(series.Shape[0]); err != nil {
		return nil, err
	}
	v := series.Float32()
	out := make([]float32, 0, len(c.Starts)*(to-from)*size)
	for _, s := range c.Starts {
		out = append(out, v[(s+from)*size:(s+to)*size]...)
	}
	return data.FromFloat32(out, append([]int{len(c.Starts), to - from}, fs...)...), nil
}
