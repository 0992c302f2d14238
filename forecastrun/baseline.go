package forecastrun

import (
	"fmt"
	"io"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

// BaselineOptions are the settings of one `tidal baseline`, named for the flags that give them; the
// errors of Baseline name those flags.
type BaselineOptions struct {
	// Data is the series of frames or the time series (--data), Pool climatology's frames (--pool),
	// Method the baseline (--method), Out and TruthOut the outputs (--out, --truth-out; no truth when
	// empty), Format --format.
	Data, Pool, Method, Out, TruthOut, Format string
	// Like is a forecast whose sidecar gives the cases (--like), Run a DyDiff run whose context and
	// predicted frames they take (--run).
	Like, Run string
	// The cases (--cases N spread evenly, or the start frames --starts), their context (--context; for
	// fields only) and lead (--lead), the members (--members), the
	// season of seasonal naive (--period) and the seed of climatology's draws (--seed).
	Cases, Context, Lead, Members, Period int
	Starts                                []int
	Seed                                  uint64
	Series                                cli.SeriesFlags
	// Budget bounds the memory and disk the baseline may use (the zero value: what the machine has).
	Budget guard.Budget
	// Given says whether the user gave the flag name; nil: none was given.
	Given func(name string) bool
	// Command is the command line recorded in NetCDF outputs' provenance (cli.CommandLine).
	Command string
	// Stdout hears the summary line (nil: silent).
	Stdout io.Writer
}

// given is o.Given, false for every flag when it is nil.
func (o *BaselineOptions) given(name string) bool { return o.Given != nil && o.Given(name) }

// maker says what made the baseline, for its sidecars.
func (o *BaselineOptions) maker() cli.Maker {
	return cli.Maker{Kind: forecast.KindBaseline, Method: o.Method, Members: o.Members, Seed: o.Seed}
}

// Baseline is `tidal baseline`: a reference forecast (forecast.BaselineRun: persistence or climatology
// for fields; persistence, the random walk or seasonal naive for a time series [T, N]) for the cases
// of --like's sidecar, --run's model, --starts or --cases, written in tidal's forecast layout with its
// truth and sidecars. Bad options and inputs are refused with an error naming the flag or file.
func Baseline(o BaselineOptions) error {
	if o.Run != "" && o.Like != "" {
		return fmt.Errorf("--run %s and --like %s: give one source of the cases (--like FORECAST takes them from the forecast's sidecar)", o.Run, o.Like)
	}
	if series, err := cli.DataIsSeries("data", o.Data, o.Series.Format); err != nil {
		return err
	} else if series {
		if err := cli.RefuseSeriesNC(o.Format, o.Out, o.TruthOut); err != nil {
			return err
		}
		if o.Run != "" {
			return fmt.Errorf("--run is for fields; a series baseline takes its windows from --like FORECAST, --starts or the rolling protocol")
		}
		return baselineSeries(o)
	}
	for _, name := range append([]string{"period"}, cli.SeriesOnlyFlags...) {
		if o.given(name) {
			return fmt.Errorf("--%s is for time series [T, N]; --data %s is an array", name, o.Data)
		}
	}
	return baselineFields(o)
}

// baselineFields is a baseline of fields: persistence or climatology over the cases of a series of
// frames [frames, frame...].
func baselineFields(o BaselineOptions) error {
	if err := checkBaselineFlags(o); err != nil {
		return err
	}
	series, pool, inputs, err := baselineInputs(o)
	if err != nil {
		return err
	}
	c, err := baselineCases(o, series)
	if err != nil {
		return err
	}
	r := forecast.BaselineRun{Baseline: forecast.Baseline{Method: o.Method, Members: o.Members, Seed: o.Seed}, Cases: c, Truth: o.TruthOut != ""}
	held := guard.Product(series.Bytes(), 2)
	if pool != nil {
		held = guard.Sum(held, guard.Product(pool.Bytes(), 2))
	}
	if err := r.CheckSize(o.Budget, o.Out, forecast.BaselineSize{Unit: "cases", Frame: fmt.Sprintf("frame %v", series.Shape[1:]),
		FrameElems: int64(data.NumElements(series.Shape[1:])), Held: held, Context: true}); err != nil {
		return err
	}
	sa, err := series.Read(o.Budget)
	if err != nil {
		return err
	}
	if pool != nil {
		if r.Pool, err = pool.Read(o.Budget); err != nil {
			return err
		}
	}
	f, truth, err := r.Run(sa)
	if err != nil {
		return err
	}
	return writeBaseline(o, inputs, series, c, f, truth)
}

// writeBaseline writes a field baseline, its truth and their sidecars as one group (NPY or NetCDF).
func writeBaseline(o BaselineOptions, inputs []*cli.Input, series *cli.Input, c forecast.Cases, f, truth *data.Array) error {
	meta := cli.NCMeta{Command: o.Command, Format: o.Format, Src: series.Src, Run: o.Method, Seed: o.Seed, Starts: c.Starts}
	fr := len(series.Shape) - 1
	sides, err := cli.ForecastSidecars(o.Data, c, o.maker(), o.Out, o.TruthOut, f.Shape, cli.ShapeOf(truth))
	if err != nil {
		return err
	}
	if err := cli.WriteNPYs(inputs, append([]cli.Output{meta.Output("out", o.Out, "forecast", f, forecast.Axes([]string{"init", "member", "lead"}, fr)...),
		meta.Output("truth-out", o.TruthOut, "truth", truth, forecast.Axes([]string{"init", "lead"}, fr)...)}, sides...)); err != nil {
		return err
	}
	fmt.Fprintf(orDiscard(o.Stdout), "%s: %s forecast %v (cases starting at frames %v)\n", o.Out, o.Method, f.Shape, c.Starts)
	return nil
}

// checkBaselineFlags refuses bad options of a field baseline by their flags' names.
func checkBaselineFlags(o BaselineOptions) error {
	if o.Out == "" {
		return fmt.Errorf("--out is required: the forecast NPY to write")
	}
	if err := guard.First(
		guard.Int("cases", o.Cases, 1, cli.MaxCount), guard.Int("context", o.Context, 1, cli.MaxCount),
		guard.Int("lead", o.Lead, 1, cli.MaxCount), guard.Int("members", o.Members, 1, cli.MaxCount),
	); err != nil {
		return err
	}
	if o.Method != "persistence" && o.Method != "climatology" {
		if o.Method == "random-walk" || o.Method == "seasonal-naive" {
			return fmt.Errorf("--method %s is for time series [T, N] (LSTNet text, CSV, GluonTS JSON lines); --data %s is an array", o.Method, o.Data)
		}
		return fmt.Errorf("--method %q: expected persistence or climatology", o.Method)
	}
	return cli.CheckOutFormat(o.Format)
}

// baselineInputs reads the headers of --data and --pool (climatology), checks that their frames agree and
// that no output overwrites them.
func baselineInputs(o BaselineOptions) (series, pool *cli.Input, inputs []*cli.Input, err error) {
	series, err = cli.StatInput("data", o.Data, 2, 32, "[frames, frame...] with at least one axis per frame")
	if err != nil {
		return nil, nil, nil, err
	}
	inputs = []*cli.Input{series}
	if o.Method == "climatology" {
		if o.Pool == "" {
			return nil, nil, nil, fmt.Errorf("--method climatology needs --pool, the series to draw members from")
		}
		if pool, err = cli.StatInput("pool", o.Pool, 2, 32, "[frames, frame...] with at least one axis per frame"); err != nil {
			return nil, nil, nil, err
		}
		if fmt.Sprint(pool.Shape[1:]) != fmt.Sprint(series.Shape[1:]) {
			return nil, nil, nil, fmt.Errorf("--pool %s has frames of shape %v, --data %s has %v", o.Pool, pool.Shape[1:], o.Data, series.Shape[1:])
		}
		inputs = append(inputs, pool)
	}
	if err := cli.CheckOutputs(inputs, cli.WithSidecars([2]string{"out", o.Out}, [2]string{"truth-out", o.TruthOut})...); err != nil {
		return nil, nil, nil, err
	}
	return series, pool, inputs, nil
}

// likeSidecar reads the sidecar of --like FORECAST and checks that it describes cases of --data: the
// same file bytes (SHA-256). Flags in refuse that would contradict it are refused by name.
func likeSidecar(o BaselineOptions, refuse ...string) (*forecast.Sidecar, error) {
	for _, name := range refuse {
		if o.given(name) {
			return nil, fmt.Errorf("--%s and --like %s: --like takes the cases, their context and lead from the forecast's sidecar %s; drop --%s",
				name, o.Like, forecast.SidecarPath(o.Like), name)
		}
	}
	sc, err := forecast.LikeSidecar(o.Like, o.Data, "--like", "--data")
	if err == nil && sc == nil {
		return nil, fmt.Errorf("--like %s: no forecast sidecar %s beside it (tidal forecast and tidal baseline write one); give --run or --starts instead",
			o.Like, forecast.SidecarPath(o.Like))
	}
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// baselineCases are the cases of a field baseline: those of --like's sidecar; else --starts or --cases N
// spread evenly, with the context of --run's model (and its predicted frames as the lead, unless
// --lead) or --context.
func baselineCases(o BaselineOptions, series *cli.Input) (forecast.Cases, error) {
	frames := series.Shape[0]
	if o.Like != "" {
		sc, err := likeSidecar(o, "cases", "starts", "context", "lead")
		if err != nil {
			return forecast.Cases{}, err
		}
		return cli.StartCases(sc.Starts, frames, sc.Context, sc.Lead, series.String())
	}
	context, lead := o.Context, o.Lead
	if o.Run != "" {
		mc, err := dymodel.RunConfig(o.Run)
		if err != nil {
			return forecast.Cases{}, fmt.Errorf("--run %w", err)
		}
		if o.given("context") && o.Context != mc.Context {
			return forecast.Cases{}, fmt.Errorf("--context %d: the model of --run %s observes %d frames; drop --context to take the model's", o.Context, o.Run, mc.Context)
		}
		context = mc.Context
		if !o.given("lead") {
			lead = mc.Predict
		}
	}
	return cli.FieldCases(o.Starts, o.Cases, o.given("cases"), frames, context, lead, series.String())
}
