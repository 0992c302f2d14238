package guided

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/rollout"
)

// CheckShape refuses observed frames of shape [frames, channels, height, width] whose frames are not
// the model's; its error reads after the name of the frames ("--init x.npy has " + error).
func (m *Model) CheckShape(shape []int) error {
	c := m.Config
	frame := []int{c.Channels, c.Height, c.Width}
	if len(shape) != 4 {
		return fmt.Errorf("shape %v, expected [frames, channels, height, width] of %v", shape, frame)
	}
	if fmt.Sprint(shape[1:]) != fmt.Sprint(frame) {
		return fmt.Errorf("frames %v [channels, height, width], the model %s was trained on %v", shape[1:], m.Run, frame)
	}
	return nil
}

// CheckObserved checks that observed frames fit the model: the model's frames (CheckShape), at least
// Context of them, and every value a number (the error names the first frame that is not).
func (m *Model) CheckObserved(observed *data.Array) error {
	if err := m.CheckShape(observed.Shape); err != nil {
		return fmt.Errorf("observed %w", err)
	}
	if observed.Shape[0] < Context {
		return fmt.Errorf("%d frame(s): sampling starts from %d frames xⁿ⁻¹, xⁿ", observed.Shape[0], Context)
	}
	c := m.Config
	F := c.Channels * c.Height * c.Width
	if i, ok := finite(observed.Float32()); !ok {
		return fmt.Errorf("frame %d holds a NaN or an infinity (value %d of the frame)", i/F, i%F)
	}
	return nil
}

// asFloat32 is a itself when it holds float32, else a float32 copy (converted once, not per use).
func asFloat32(a *data.Array) *data.Array {
	if a.DType == data.Float32 {
		return a
	}
	return data.FromFloat32(a.Float32(), a.Shape...)
}

// finite reports whether every value is a number, else the index of the first that is not.
func finite(v []float32) (int, bool) {
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return i, false
		}
	}
	return 0, true
}

// Forecast is an ensemble forecast of an image or video model in physical units, in the layout of
// `tidal rollout --cases` and package metrics (metrics.DefaultLayout).
type Forecast struct {
	// Ensemble is [cases, members, lead, channels, height, width]; Truth, when asked for, [cases,
	// lead, channels, height, width]: the observed frames each case forecasts (nil otherwise).
	Ensemble, Truth *data.Array
	// Cases are the start frames and lead; Members and Seed made the ensemble.
	Cases   forecast.Cases
	Members int
	Seed    uint64
	// Kind (KindIDM or KindVDM), Run and Step name the model and its snapshot; What says what sampled
	// (Describe).
	Kind, Run, What string
	Step            int
}

// ForecastOptions choose an ensemble forecast (Generator.Ensemble): Members trajectories per case of
// Cases (forecast.EvenCases or given starts, Context ≥ 2), their noise keyed by Seed; Truth also
// gathers the true frames.
type ForecastOptions struct {
	Cases   forecast.Cases
	Members int
	Seed    uint64
	Truth   bool
}

// Ensemble makes the ensemble forecast o of the observed frames [frames, channels, height, width] in
// physical units (the generator normalises and denormalises with the model's statistics; Hess et al.
// 2025, §3–4): each case starts from its two observed frames before its start, all cases and members
// sampled as one batch (Generator.Forecast). It refuses observed frames that do not fit the model
// (Model.CheckObserved) and a forecast that is not finite.
func (g *Generator) Ensemble(ctx context.Context, observed *data.Array, o ForecastOptions) (*Forecast, error) {
	observed = asFloat32(observed)
	if err := g.model.CheckObserved(observed); err != nil {
		return nil, err
	}
	if o.Members < 1 {
		return nil, fmt.Errorf("guided: %d members: expected at least 1", o.Members)
	}
	m := g.model
	f := &Forecast{Cases: o.Cases, Members: o.Members, Seed: o.Seed, Kind: m.Config.Kind, Run: m.Run, Step: m.Step, What: g.Describe()}
	fc, err := g.Forecast(ctx, observed.Float32(), o.Cases, o.Members, o.Seed)
	if err != nil {
		return nil, err
	}
	if i, ok := finite(fc); !ok {
		return nil, fmt.Errorf("the %s made a NaN or an infinity (forecast value %d)", f.What, i)
	}
	f.Ensemble = data.FromFloat32(fc, append([]int{len(o.Cases.Starts), o.Members, o.Cases.Lead}, observed.Shape[1:]...)...)
	if o.Truth {
		if f.Truth, err = forecast.Truth(observed, o.Cases); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// RolloutOptions choose a long rollout (Generator.Rollout): Frames new frames of Members trajectories
// streamed to the NPY file Path [frames, members, channels, height, width] (rollout.Run), their noise
// keyed by (Seed, frame, member); Progress hears the progress (nil: silent).
type RolloutOptions struct {
	Path            string
	Frames, Members int
	Seed            uint64
	Progress        io.Writer
}

// Rollout generates a trajectory frame after frame from the last two of the observed frames [frames,
// channels, height, width] in physical units (Hess et al. 2025, §3–4), each new frame sampled from
// fresh noise. An interrupted rollout resumes to the same bytes when run again with the same model,
// guide, sampler options and seed (RolloutIdentity).
func (g *Generator) Rollout(ctx context.Context, observed *data.Array, o RolloutOptions) (rollout.Result, error) {
	observed = asFloat32(observed)
	if err := g.model.CheckObserved(observed); err != nil {
		return rollout.Result{}, err
	}
	discRun := ""
	if g.disc != nil {
		discRun = g.disc.Run
	}
	return rollout.Run(ctx, rollout.Config{Path: o.Path, Frames: o.Frames, Members: o.Members, FrameShape: observed.Shape[1:],
		History: Context, Initial: InitialFrames(observed.Float32(), g.FrameSize(), o.Members),
		Identity: RolloutIdentity(g.model, g.disc, discRun, g.opt, o.Seed), Progress: o.Progress}, g.Step(o.Seed, o.Members))
}
