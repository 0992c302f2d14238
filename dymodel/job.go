package dymodel

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

// Job is one forecast of a trained run, its cases chosen, as `tidal forecast` makes it: the memory and
// the disk are checked before the observed data are read, then the cases are forecast in physical
// units (Trained.ForecastCases, or Trained.Forecast for videos: each context normalised with the
// training data's statistics, the ensemble sampled through the rollout driver, the members
// denormalised).
type Job struct {
	Trained *Trained
	Cases   forecast.Cases
	// Videos > 0 says the observed data are videos [videos, frames, channels, H, W]: the first Videos
	// are forecast from their frame Context on, Cases.Lead frames each (Cases.Starts is not used).
	Videos int
	// Options are the members, the sampler, the seed, the working file (WorkPath makes one resumable),
	// the progress and the actions (Cases, Starts and Lead are not used).
	Options ForecastOptions
	// Out is the path the forecast will be written to (its folder's disk is checked) and Budget the
	// memory and disk the forecast may take.
	Out    string
	Budget guard.Budget
	// Size describes the observed data for CheckForecastSize: Unit, Held, Guided, and Frame and
	// FrameElems (default: the model's frame). Cases, Members and Lead come from the job. An empty Unit
	// says the caller has checked the size itself (a latent forecast, whose decoding it counts too).
	Size ForecastSize
	// Read reads the observed data, once the checks pass, and the actions that come with them (a video
	// file's, or nil), which drive a model with actions when Options.Actions is nil.
	Read func() (observed, actions *data.Array, err error)
	// Backend, when set, starts the backend once the checks pass and the data are read (so that a
	// refused job never starts one); Run uses it for the forecast and finalizes it. Nil: the Trained's.
	Backend func() (compute.Backend, error)
	// Name, when set, prefixes the errors of the forecast itself (e.g. "--run RUN on --data FILE").
	Name string
}

// WorkPath is the rollout's working file of a forecast written to out: a hidden file beside it.
func WorkPath(out string) string {
	return filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".rollout.npy")
}

// Run checks the job's size, reads the observed data and forecasts the cases.
func (j Job) Run(ctx context.Context) (*Forecast, error) {
	if j.Trained == nil || j.Trained.Model == nil || j.Read == nil {
		return nil, fmt.Errorf("dymodel: a forecast job needs a trained model and a reader of the observed data")
	}
	m, s := j.Trained.Model, j.Size
	s.Cases, s.Members, s.Lead = len(j.Cases.Starts), j.Options.Members, j.Cases.Lead
	if j.Videos > 0 {
		s.Cases = j.Videos
	}
	if s.Members == 0 {
		s.Members = DefaultMembers
	}
	if s.FrameElems == 0 {
		s.Frame, s.FrameElems = fmt.Sprintf("frame %v", m.Config.Frame), int64(m.frameSize())
	}
	if s.Unit != "" {
		if err := m.CheckForecastSize(j.Budget, j.Out, s); err != nil {
			return nil, err
		}
	}
	observed, acts, err := j.Read()
	if err != nil {
		return nil, err
	}
	o := j.Options
	if o.Actions == nil && m.Config.Actions > 0 {
		o.Actions = acts
	}
	t := j.Trained
	if j.Backend != nil {
		be, err := j.Backend()
		if err != nil {
			return nil, err
		}
		defer be.Finalize()
		withBackend := *t
		withBackend.Backend, t = be, &withBackend
	}
	var f *Forecast
	if j.Videos > 0 {
		o.Cases, o.Lead = j.Videos, j.Cases.Lead
		f, err = t.Forecast(ctx, observed, o)
	} else {
		f, err = t.ForecastCases(ctx, observed, j.Cases, o)
	}
	if err != nil && j.Name != "" {
		return nil, fmt.Errorf("%s: %w", j.Name, err)
	}
	return f, err
}
