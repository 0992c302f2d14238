package dymodel

import (
	"context"
	"fmt"
	"io"
	"reflect"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/train"
)

// The defaults of a series run, chosen by measurement on exchange rate (docs/RESULTS.md, "Series on the
// one core"): with a context of 60 and 30 predicted rows and 2000 steps, SeriesNet 16 channels × 2
// blocks at learning rate 1e-3 trains in minutes on 2 cores and forecasts below persistence, where
// SeriesNet's own 32 × 4 at the fields' former 1e-4 trains at a sixth of the speed; the walk anchor
// scores better than last on CRPS-sum, wQL, energy and variogram.
const (
	SeriesDefaultAnchor   = AnchorWalk
	SeriesDefaultChannels = 16
	SeriesDefaultBlocks   = 2
	SeriesDefaultLR       = 1e-3
)

// SeriesLegacyLR is the learning rate of series runs recorded before series took a training form
// (Config.Param empty): they resume with it, and with SeriesNet's own widths.
const SeriesLegacyLR = 1e-4

// DefaultSeriesConfig is the configuration `tidal train dydiff` gives a new run on a time series when
// no flag changes it: windows of 4 observed and 11 predicted rows, η 0.5 with dependent noise
// (Dynamical Diffusion, Guo et al. 2025, Eq. 3), trained as EDM with the series' σ_data
// (DefaultSeriesEDM) on departures scaled as a random walk's (AnchorWalk), and SeriesNet of width
// SeriesDefaultChannels and SeriesDefaultBlocks blocks. Frame is left empty: SeriesTrainSpec fills it
// in from the data.
func DefaultSeriesConfig() Config {
	return Config{Method: Method, Net: "series", Context: 4, Predict: 11, Eta: 0.5, Noising: "dependent",
		Series: SeriesNetConfig{Channels: SeriesDefaultChannels, Blocks: SeriesDefaultBlocks},
		Param:  ParamEDM, Anchor: SeriesDefaultAnchor, EDM: DefaultSeriesEDM()}
}

// SeriesTrainSpec is one training run of DyDiff on a multivariate time series [T, N] with SeriesNet
// (docs/SERIES.md): the series in its own units (each window is scaled from its own context inside the
// model, so the run's normalisation is IdentityNorm), the model, the loop's options and the run
// directory, which `tidal forecast --run DIR`, Load and Open read and which the same spec run again
// resumes.
type SeriesTrainSpec struct {
	// Data is the series [T, N]; Name names it in errors ("training series" when empty). Only its first
	// Rows rows are trained on (0: all of them), so that the rows after stay unseen for testing.
	Data *data.Array
	Name string
	Rows int
	// Val, when not nil, is a validation series of the same N series: its windows, back to back, give
	// the validation loss every Options.ValEvery steps and the previews every Options.PreviewEvery
	// steps. Without it both are off. ValName names it in errors ("validation series" when empty).
	Val     *data.Array
	ValName string
	// Config is the model (Net "series"); its zero value stands for DefaultSeriesConfig(). Frame is
	// taken from the data (a Frame that is set must agree with it) and an empty Method is Method.
	Config Config
	// Options are the loop's; their zero value stands for DefaultTrainOptions(). Options.Seed also
	// fixes the order of the training windows.
	Options train.Options
	// Preview sizes the previews (nil: DefaultPreview()).
	Preview *PreviewOptions
	// Stride is the number of rows between the starts of successive training windows (0: 1).
	Stride int
	// Dir is the run directory: created, or resumed when it holds a run with the same options.
	Dir string
	// Backend computes the steps; nil creates the one $TIDAL_BACKEND names for the run (Close
	// releases it).
	Backend compute.Backend
	// Log hears the loop's progress (nil: silent). StartOver replaces a run recorded with other
	// options instead of refusing it.
	Log       io.Writer
	StartOver bool
}

// NewSeriesTrainer checks the spec against its series and prepares the run; nothing is trained or
// written yet. It refuses a series that is not [T, N] of finite values or holds fewer than Rows rows or
// one window, a network other than SeriesNet, η ≥ 1, validation data of other series, and bad
// options or previews.
func NewSeriesTrainer(s SeriesTrainSpec) (*Trainer, error) {
	if s.Dir == "" {
		return nil, fmt.Errorf("dymodel: a series training spec needs Dir, the run directory")
	}
	if s.Data == nil || len(s.Data.Shape) != 2 {
		var shape []int
		if s.Data != nil {
			shape = s.Data.Shape
		}
		return nil, fmt.Errorf("dymodel: training series of shape %v: expected a time series [T, N]", shape)
	}
	T, N := s.Data.Shape[0], s.Data.Shape[1]
	c, err := seriesSpecConfig(s.Config, N)
	if err != nil {
		return nil, err
	}
	m, err := New(c)
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	o, err := loopOptions(s.Options, s.Val != nil)
	if err != nil {
		return nil, err
	}
	rows, stride := s.Rows, max(s.Stride, 1)
	if rows == 0 {
		rows = T
	}
	if s.Stride < 0 || rows < 0 {
		return nil, fmt.Errorf("dymodel: rows %d, stride %d: expected ≥ 0 (0: all rows, 1 row between windows)", s.Rows, s.Stride)
	}
	src, id, count, err := SeriesWindows(orName(s.Name, "training series"), s.Data, rows, c.Frames(), stride, uint64(o.Seed))
	if err != nil {
		return nil, err
	}
	t := &Trainer{Model: m, Windows: count}
	t.Job = train.Job{Dir: s.Dir, Options: o, Norm: id, Backend: s.Backend, Loss: m.Loss, Train: src, Log: s.Log, StartOver: s.StartOver}
	if err := t.ownBackend(); err != nil {
		return nil, err
	}
	rc := RecordedConfig{Config: c}
	if s.Val != nil {
		if rc.Preview, err = t.seriesValidation(s, o); err != nil {
			t.Close()
			return nil, err
		}
	}
	t.Job.Config = rc
	return t, nil
}

// seriesSpecConfig is the spec's configuration completed for N series: the defaults for a zero one,
// the method, the network and the frame, refused when it is not a series model or η ≥ 1.
func seriesSpecConfig(c Config, N int) (Config, error) {
	if reflect.DeepEqual(c, Config{}) {
		c = DefaultSeriesConfig()
	}
	if c.Method == "" {
		c.Method = Method
	}
	if c.Net == "" {
		c.Net = "series"
	}
	switch {
	case c.Net != "series":
		return c, fmt.Errorf("dymodel: net %q: SeriesTrainSpec trains SeriesNet (net \"series\") on a time series [T, N]; fields take TrainSpec", c.Net)
	case len(c.Frame) == 0:
		c.Frame = []int{N}
	case len(c.Frame) != 1 || c.Frame[0] != N:
		return c, fmt.Errorf("dymodel: Config.Frame %v, but the training series has %d series: expected [%d]", c.Frame, N, N)
	}
	if c.Eta >= 1 {
		return c, fmt.Errorf("dymodel: η = %v: expected 0 ≤ η < 1 (η = 1 makes InverseDynamics divide by √γ̄ ≈ 5e-5 near t = T)", c.Eta)
	}
	return c, nil
}

// seriesValidation sets the job's validation windows (every window of the validation series, back to
// back) and, with previews, the preview of the first of them; it returns the preview's settings.
func (t *Trainer) seriesValidation(s SeriesTrainSpec, o train.Options) (*PreviewOptions, error) {
	name, c := orName(s.ValName, "validation series"), t.Model.Config
	L := c.Frames()
	if len(s.Val.Shape) != 2 || s.Val.Shape[1] != c.Frame[0] || s.Val.Shape[0] < L {
		return nil, fmt.Errorf("dymodel: %s of shape %v: expected [T, %d] with T ≥ %d, one window", name, s.Val.Shape, c.Frame[0], L)
	}
	vw, _, _, err := SeriesWindows(name, s.Val, s.Val.Shape[0], L, L, 1)
	if err != nil {
		return nil, err
	}
	t.Job.Val = vw
	if o.PreviewEvery <= 0 {
		return nil, nil
	}
	po, err := previewOptions(s.Preview)
	if err != nil {
		return nil, err
	}
	t.Job.Preview = t.Model.Preview(t.Job.Backend, vw, po)
	return &po, nil
}

// TrainSeries trains the run of spec (NewSeriesTrainer, then Trainer.Run) and opens its newest
// snapshot: the trained model, whose ForecastCases forecasts the series in its own units (Open refuses
// series, whose Forecast takes fields; this is the way `tidal forecast` opens them). Close the result
// when done.
func TrainSeries(ctx context.Context, spec SeriesTrainSpec) (*Trained, error) {
	t, err := NewSeriesTrainer(spec)
	if err != nil {
		return nil, err
	}
	_, err = t.Run(ctx)
	t.Close()
	if err != nil {
		return nil, err
	}
	m, snap, err := Load(spec.Dir, nil)
	if err != nil {
		return nil, fmt.Errorf("dymodel: %w", err)
	}
	return &Trained{Dir: spec.Dir, Model: m, Snapshot: snap, Backend: spec.Backend}, nil
}

// orName is name, or def when name is empty.
func orName(name, def string) string {
	if name == "" {
		return def
	}
	return name
}
