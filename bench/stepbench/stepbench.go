// Package stepbench times the training step that `tidal train dydiff` runs, for `tidal bench
// train-step`: the model is a dymodel.Model (the UNet, the video UNet, the DiT or SeriesNet) and the step is
// train.NewStep with the model's Loss, the very function train.Run compiles and calls each step
// (loss, gradients, clipping, AdamW and the EMA in one executable), on a fixed random batch. It also
// times a forecast window of the untrained model and records the peak resident set size of the
// training steps and of the forecast of each case.
package stepbench

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/train"
)

// Networks are the denoisers the benchmark trains by default, as `tidal train dydiff --net` names
// them; it takes "dit" too (DiTHidden), which has no PyTorch reference.
var Networks = []string{"unet", "video", "series"}

// DiTHidden and DiTDepth size the benchmark's DiT for UNet width channels: hidden 3·channels (rounded
// up to a multiple of 4), 6 blocks, patch 4, heads of nets.DiT's default width: about the parameter
// count of the UNet of that width (1.46M against 1.42M at 32 channels on 16² windows of 2 + 2 frames,
// both growing as the width squared), so the two step times compare networks of one size.
func DiTHidden(channels int) int { return (3*channels + 3) / 4 * 4 }

// DiTDepth is the benchmark DiT's number of blocks (DiTHidden).
const DiTDepth = 6

// Case is one measurement: the network and the size S. Fields are S×S frames of one channel; a series
// window has S² series (the same number of values per time step).
type Case struct {
	Net  string
	Size int
}

// String returns e.g. "unet 32²" or "series 1024".
func (c Case) String() string {
	if c.Net == "series" {
		return fmt.Sprintf("%s %d", c.Net, c.Size*c.Size)
	}
	return fmt.Sprintf("%s %d²", c.Net, c.Size)
}

// Options size the measurement. Zero fields take Defaults' values.
type Options struct {
	// Batch windows of Context + Predict frames (time steps for series) per step.
	Batch, Context, Predict int
	// Channels is the base width of the UNets (SeriesNet keeps its default width).
	Channels int
	// MinTime is how long each case's steps are timed, at least MinSteps of them, after Warmup steps
	// (the first compiles).
	MinTime          time.Duration
	MinSteps, Warmup int
	// Members and SamplingSteps size the forecast window timed after the steps (Members 0: none).
	Members, SamplingSteps int
	// Seed is train.Options.Seed (initial weights, the loss's noise) and the batch's.
	Seed int64
	// Log, if not nil, receives a line per case as it is measured.
	Log io.Writer
}

// Defaults are `tidal bench train-step`'s sizes: batch 8, 2 + 2 frames, 32 channels (tidal train
// dydiff's default width), 3 s per case, forecasts of 4 members with 4 Heun steps.
func Defaults() Options {
	return Options{Batch: 8, Context: 2, Predict: 2, Channels: 32, MinTime: 3 * time.Second, MinSteps: 3, Warmup: 2,
		Members: 4, SamplingSteps: 4, Seed: 1}
}

func (o Options) withDefaults() Options {
	d := Defaults()
	if o.Batch <= 0 {
		o.Batch = d.Batch
	}
	if o.Context <= 0 {
		o.Context = d.Context
	}
	if o.Predict <= 0 {
		o.Predict = d.Predict
	}
	if o.Channels <= 0 {
		o.Channels = d.Channels
	}
	if o.MinTime <= 0 {
		o.MinTime = d.MinTime
	}
	if o.MinSteps <= 0 {
		o.MinSteps = d.MinSteps
	}
	if o.Warmup <= 0 {
		o.Warmup = d.Warmup
	}
	if o.SamplingSteps <= 0 {
		o.SamplingSteps = d.SamplingSteps
	}
	if o.Seed == 0 {
		o.Seed = d.Seed
	}
	return o
}

// ModelConfig is the DyDiff model of case c as `tidal train dydiff` configures it with its default
// flags (dymodel.DefaultConfig: η 0.5, the edm form, anchored at the last frame, channel multipliers
// 1,2,2, 2 blocks, 32 groups, periodic padding, the linear head, context noise on fields; video:
// temporal convolutions at every level and temporal attention at the coarsest; dit: DiTHidden and
// DiTDepth; series: dymodel.DefaultSeriesConfig), with c's network and o's window and width.
func ModelConfig(c Case, o Options) (dymodel.Config, error) {
	o = o.withDefaults()
	if c.Size < 8 || c.Size > 1024 {
		return dymodel.Config{}, fmt.Errorf("size %d: expected 8 to 1024", c.Size)
	}
	mc := dymodel.DefaultConfig()
	mc.Net, mc.Context, mc.Predict = c.Net, o.Context, o.Predict
	mc.UNet.Channels = o.Channels
	switch c.Net {
	case "unet", "video":
		mc.Frame = []int{1, c.Size, c.Size}
		if c.Net == "video" {
			mc.UNet.TemporalConv, mc.UNet.TemporalAttn = []int{0, 1, 2}, []int{2}
		}
	case "dit":
		mc.Frame = []int{1, c.Size, c.Size}
		mc.UNet = dymodel.UNetConfig{}
		mc.DiT = &dymodel.DiTConfig{Patch: 4, Hidden: DiTHidden(o.Channels), Depth: DiTDepth, MLPRatio: 4, WrapW: true}
	case "series":
		mc = dymodel.DefaultSeriesConfig()
		mc.Context, mc.Predict = o.Context, o.Predict
		mc.Frame = []int{c.Size * c.Size}
	default:
		return dymodel.Config{}, fmt.Errorf("network %q: expected unet, video, dit or series", c.Net)
	}
	return mc, nil
}

// TrainOptions are `tidal train dydiff`'s default training options for network net
// (dymodel.DefaultTrainOptions: lr 1e-3, weight decay 0.01, EDM's EMA, the gradient norm clipped on
// fields; series are not clipped) for batch windows and seed, without validation (the bench has none).
func TrainOptions(net string, batch int, seed int64) train.Options {
	o := dymodel.DefaultTrainOptions()
	o.BatchSize, o.Seed = batch, seed
	o.ValEvery, o.PreviewEvery = 0, 0
	if net == "series" {
		o.ClipNorm = 0
	}
	return o
}

// Batch is a fixed batch of windows for case c: Batch windows of Context + Predict frames, filled with
// a smooth random field (a standard normal per value added to a random walk along the frames) in the
// layout Model.Loss takes: [B, L, 1, S, S], or [B, L, S²] for series (positive values, as a series'
// units, around 10).
func Batch(c Case, o Options) *tensors.Tensor {
	o = o.withDefaults()
	L := o.Context + o.Predict
	per := c.Size * c.Size
	r := rand.New(rand.NewPCG(uint64(o.Seed), 7))
	v := make([]float32, o.Batch*L*per)
	for b := range o.Batch {
		for i := range per {
			x := r.NormFloat64()
			for f := range L {
				x += 0.3 * r.NormFloat64()
				if c.Net == "series" {
					v[(b*L+f)*per+i] = float32(10 + x)
				} else {
					v[(b*L+f)*per+i] = float32(x)
				}
			}
		}
	}
	if c.Net == "series" {
		return tensors.FromFlatDataAndDimensions(v, o.Batch, L, per)
	}
	return tensors.FromFlatDataAndDimensions(v, o.Batch, L, 1, c.Size, c.Size)
}

// Result is one case's measurement.
type Result struct {
	Case   Case
	Params int
	// Step is the median time of one training step (train.Step.Run); FirstLoss and LastLoss are the
	// losses of the first and last steps run.
	Step                time.Duration
	Steps               int
	FirstLoss, LastLoss float64
	// Forecast is the time of one forecast window of Members members (0 when none was timed).
	Forecast time.Duration
	// TrainRSS and ForecastRSS are the peak resident set sizes (bytes) while the step was compiled and
	// run, and while the forecaster was built and sampled; BaseRSS is the resident set before the case.
	// PeakReset says whether the peak could be reset before each phase (else the figures are the
	// peak since the process started).
	BaseRSS, TrainRSS, ForecastRSS int64
	PeakReset                      bool
}

// Measure runs every case on backend b.
func Measure(b compute.Backend, cases []Case, o Options) ([]Result, error) {
	o = o.withDefaults()
	var out []Result
	for _, c := range cases {
		r, err := measureCase(b, c, o)
		if err != nil {
			return out, fmt.Errorf("train-step %v: %w", c, err)
		}
		if o.Log != nil {
			fmt.Fprintf(o.Log, "  %-12s step %9.2f ms (%d steps, loss %.3g → %.3g)   forecast %8.1f ms   peak RSS train %s, forecast %s\n",
				c, ms(r.Step), r.Steps, r.FirstLoss, r.LastLoss, ms(r.Forecast), MiB(r.TrainRSS), MiB(r.ForecastRSS))
		}
		out = append(out, r)
	}
	return out, nil
}

// NewStep builds the model of case c and train's compiled step for it on b, with TrainOptions and the
// fixed batch (see Batch). The caller finalizes the step and the batch.
func NewStep(b compute.Backend, c Case, o Options) (*dymodel.Model, *train.Step, *tensors.Tensor, error) {
	o = o.withDefaults()
	mc, err := ModelConfig(c, o)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := dymodel.New(mc)
	if err != nil {
		return nil, nil, nil, err
	}
	batch := Batch(c, o)
	st, err := train.NewStep(b, m.Loss, TrainOptions(c.Net, o.Batch, o.Seed), []*tensors.Tensor{batch})
	if err != nil {
		batch.FinalizeAll()
		return nil, nil, nil, err
	}
	return m, st, batch, nil
}

func measureCase(b compute.Backend, c Case, o Options) (Result, error) {
	r := Result{Case: c}
	r.PeakReset = benchenv.ResetPeakRSS()
	r.BaseRSS = benchenv.CurrentRSS()
	m, st, batch, err := NewStep(b, c, o)
	if err != nil {
		return r, err
	}
	defer batch.FinalizeAll()
	r.Params = m.NumParams()
	run := func() (time.Duration, error) {
		t0 := time.Now()
		loss, _, err := st.Run([]*tensors.Tensor{batch})
		d := time.Since(t0)
		if r.Steps == 0 {
			r.FirstLoss = loss
		}
		r.Steps++
		r.LastLoss = loss
		return d, err
	}
	for range o.Warmup {
		if _, err := run(); err != nil {
			st.Finalize()
			return r, err
		}
	}
	var ts []time.Duration
	start := time.Now()
	for len(ts) < o.MinSteps || time.Since(start) < o.MinTime {
		d, err := run()
		if err != nil {
			st.Finalize()
			return r, err
		}
		ts = append(ts, d)
	}
	r.Step = benchenv.Median(ts)
	r.TrainRSS = benchenv.PeakRSS()
	if o.Members > 0 {
		benchenv.ResetPeakRSS()
		r.Forecast, err = forecast(b, m, st, batch, o)
		r.ForecastRSS = benchenv.PeakRSS()
	}
	st.Finalize()
	return r, err
}

// forecast times one forecast window of o.Members members from the first window's context, with the
// trained weights in the step's store: the forecaster is built, compiled by a first window, then timed
// on a second.
func forecast(b compute.Backend, m *dymodel.Model, st *train.Step, batch *tensors.Tensor, o Options) (time.Duration, error) {
	f, err := m.NewForecaster(b, st.Store(), dymodel.SamplerOptions{Steps: o.SamplingSteps})
	if err != nil {
		return 0, err
	}
	defer f.Close()
	flat := tensors.MustCopyFlatData[float32](batch)
	L := o.Context + o.Predict
	per := len(flat) / (o.Batch * L)
	ctx := make([]float32, 0, o.Members*o.Context*per)
	for range o.Members {
		ctx = append(ctx, flat[:o.Context*per]...)
	}
	if _, err := f.Window(ctx, o.Members, 1); err != nil {
		return 0, err
	}
	t0 := time.Now()
	if _, err := f.Window(ctx, o.Members, 2); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// MiB formats bytes in MiB ("-" for 0).
func MiB(n int64) string {
	if n <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// WriteTable writes one line per result.
func WriteTable(w io.Writer, results []Result) error {
	if _, err := fmt.Fprintf(w, "%-12s %9s %11s %12s %12s %14s %14s\n", "net size", "params", "step", "forecast", "base RSS",
		"peak RSS train", "peak forecast"); err != nil {
		return err
	}
	for _, r := range results {
		fc := "-"
		if r.Forecast > 0 {
			fc = fmt.Sprintf("%.1f ms", ms(r.Forecast))
		}
		if _, err := fmt.Fprintf(w, "%-12s %8.3fM %8.2f ms %12s %12s %14s %14s\n", r.Case, float64(r.Params)/1e6, ms(r.Step), fc,
			MiB(r.BaseRSS), MiB(r.TrainRSS), MiB(r.ForecastRSS)); err != nil {
			return err
		}
	}
	return nil
}
