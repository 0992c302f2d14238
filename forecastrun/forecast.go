package forecastrun

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/guided"
	"github.com/tidal-forecast/tidal/train"
	"github.com/tidal-forecast/tidal/trainrun"
)

// Forecast is `tidal forecast`: ensemble forecasts with the EMA weights of the newest snapshot of the
// DyDiff run o.Run, for cases over the test data o.Data, written in physical units with their truth and
// sidecars. By what the data and the run hold it forecasts fields [frames, channels, H, W] (guided by a
// discriminator with o.Disc), a time series [T, N] (the rolling windows; series.go), fields or videos
// through a VAE's latent space (latent.go, latent_video.go) or videos with actions (video.go). Bad
// options, inputs and runs are refused with an error naming the flag or file.
func Forecast(o Options) error {
	if err := checkFlags(&o); err != nil {
		return err
	}
	if err := cli.CheckRunDirs("run", o.Run, "disc", o.Disc); err != nil {
		return err
	}
	if series, err := cli.DataIsSeries("data", o.Data, o.Series.Format); err != nil {
		return err
	} else if series {
		return routeSeries(o)
	}
	for _, name := range cli.SeriesOnlyFlags {
		if o.given(name) {
			return fmt.Errorf("--%s is for time series [T, N]; --data %s is an array", name, o.Data)
		}
	}
	if routed, err := routeOther(o); routed || err != nil {
		return err
	}
	return forecastFields(o)
}

// forecastFields forecasts fields [frames, channels, H, W] of --data, guided by --disc when given.
func forecastFields(o Options) error {
	in, err := cli.StatInput("data", o.Data, 4, 4, "[frames, channels, height, width]")
	if err != nil {
		return err
	}
	inputs := []*cli.Input{in, cli.RunDirInput("run", o.Run), cli.RunDirInput("disc", o.Disc)}
	if err := cli.CheckOutputs(inputs, cli.WithSidecars([2]string{"out", o.Out}, [2]string{"truth-out", o.TruthOut})...); err != nil {
		return err
	}
	disc, m, snap, err := loadModels(&o, in)
	if err != nil {
		return err
	}
	defer snap.Store.Finalize()
	so, err := sampler(o, disc, m, snap)
	if err != nil {
		return err
	}
	cs, err := fieldCases(o, in, m.Config)
	if err != nil {
		return err
	}
	size := dymodel.ForecastSize{Unit: "cases", Held: guard.Sum(in.Bytes(), guard.Product(int64(data.NumElements(in.Shape)), 4)), Guided: so.Guide != nil}
	f, name, err := forecastCases(o, so, disc, &dymodel.Trained{Dir: o.Run, Model: m, Snapshot: snap}, cs, size, func() (*data.Array, *data.Array, error) {
		series, err := trainrun.ReadSeries(o.Budget, in) // finite values, or an error naming the file and frame
		if err != nil {
			return nil, nil, err
		}
		return data.FromFloat32(series.Data, series.Shape...), nil, nil
	})
	if err != nil {
		return err
	}
	if err := writeForecast(o, inputs, f); err != nil {
		return err
	}
	fmt.Fprintf(o.stdout(), "%s: forecast %v of %s step %d (%s, %d steps, backend %s), cases starting at frames %v; truth %s\n",
		o.Out, f.Ensemble.Shape, o.Run, f.Step, o.Sampler, o.Steps, name, f.Cases.Starts, o.TruthOut)
	return nil
}

// checkFlags refuses bad options by their flags' names; the truth goes beside --out by default.
func checkFlags(o *Options) error {
	if o.Out == "" {
		return fmt.Errorf("--out is required: the forecast NPY to write")
	}
	if o.Run == "" {
		return fmt.Errorf("--run is required: the run directory of 'tidal train dydiff'")
	}
	if err := guard.First(guard.Int("members", o.Members, 1, 1<<12), guard.Int("sampler-steps", o.Steps, 0, 1000),
		guard.Between("ddim-eta", o.DDIMEta, 0, 1), guard.Between("clip-x0", o.ClipX0, 0, 1e6), guard.Between("sigma-max", o.SigmaMax, 0, 1e6), guard.Int("lead", o.Lead, 0, cli.MaxCount),
		guard.Int("cases", o.Cases, 1, cli.MaxCount), guard.Ints("starts", o.Starts, 0, cli.MaxCount),
		guard.Between("lambda", o.Lambda, 0, 1e6)); err != nil {
		return err
	}
	if o.Disc == "" && o.given("lambda") {
		return fmt.Errorf("--lambda %g: the strength of the guidance by --disc, which is not given", o.Lambda)
	}
	if o.Sampler != "" && o.Sampler != "heun" && o.Sampler != "dpmpp" && o.Sampler != "ddim" && o.Sampler != "ddpm" {
		return fmt.Errorf("--sampler %q: expected heun, dpmpp, ddim or ddpm", o.Sampler)
	}
	if o.ClipX0 != 0 && o.Sampler != "ddim" && o.Sampler != "" {
		return fmt.Errorf("--clip-x0 %v: a DDIM option; --sampler %s does not take it", o.ClipX0, o.Sampler)
	}
	if o.TruthOut == "" {
		o.TruthOut = forecast.TruthPath(o.Out)
	}
	return cli.CheckOutFormat(o.Format)
}

// routeOther forecasts a latent run (latent.go: fields; latent_video.go: videos with actions) or videos
// with actions (video.go) and says whether it did.
func routeOther(o Options) (bool, error) {
	ok, err := isLatent(o)
	switch {
	case err != nil:
		return true, err
	case ok && trainrun.IsVideoFile(o.Data):
		return true, forecastLatentVideo(o)
	case ok && o.Actions != "":
		return true, fmt.Errorf("--actions %s: for video data (--data FILE.npz with frames and actions); --data %s holds fields for the latent run --run %s", o.Actions, o.Data, o.Run)
	case ok:
		return true, forecastLatent(o)
	case trainrun.IsVideoFile(o.Data):
		return true, forecastVideo(o)
	}
	return false, nil
}

// routeSeries refuses the options of fields for a time series, then forecasts it.
func routeSeries(o Options) error {
	switch {
	case o.casesGiven():
		return fmt.Errorf("--cases is for fields; series windows come from --windows and --train-rows (the rolling protocol) or --starts")
	case o.Disc != "":
		return fmt.Errorf("--disc %s: a discriminator guides fields [frames, channels, H, W]; --data %s is a time series", o.Disc, o.Data)
	case o.Static.Path != "":
		return fmt.Errorf("--static %s: static fields condition models of fields [frames, channels, H, W]; --data %s is a time series", o.Static.Path, o.Data)
	case o.Latent != "":
		return fmt.Errorf("--latent %s: a VAE encodes fields [frames, channels, H, W]; --data %s is a time series", o.Latent, o.Data)
	}
	if err := cli.RefuseSeriesNC(o.Format, o.Out, o.TruthOut); err != nil {
		return err
	}
	return forecastSeries(o)
}

// loadRun loads the DyDiff run of --run and resolves the sampler options against its model; the
// caller finalizes the snapshot's store.
func loadRun(o *Options) (*dymodel.Model, *train.Snapshot, error) {
	m, snap, err := dymodel.Load(o.Run, o.warn)
	if err != nil {
		return nil, nil, fmt.Errorf("--run %w", err)
	}
	if err := resolveSampler(o, m); err != nil {
		snap.Store.Finalize()
		return nil, nil, err
	}
	return m, snap, nil
}

// resolveSampler fills in the model's sampler and its number of steps where --sampler and
// --sampler-steps leave them to the model (dymodel.Model.ResolveSampler), naming the flag of an option
// the model cannot take; a guide needs the dependent-noise process.
func resolveSampler(o *Options, m *dymodel.Model) error {
	so, err := m.ResolveSampler(o.samplerOptions())
	var se *dymodel.SamplerError
	if errors.As(err, &se) {
		return fmt.Errorf("--%s %v: %s (--run %s)", samplerFlags[se.Option], se.Value, se.Reason, o.Run)
	} else if err != nil {
		return err
	}
	if o.Disc != "" && m.Config.Noising != "dependent" && m.Config.Eta != 0 {
		return fmt.Errorf("--disc %s: guidance needs the dependent-noise process; --run %s uses %s at η = %g", o.Disc, o.Run, m.Config.Noising, m.Config.Eta)
	}
	o.Sampler, o.Steps = so.Kind, so.Steps
	return nil
}

// samplerFlags are the flags of dymodel.SamplerOptions' fields.
var samplerFlags = map[string]string{"Kind": "sampler", "Steps": "sampler-steps", "ClipX0": "clip-x0", "SigmaMax": "sigma-max", "EtaDDIM": "ddim-eta"}

// loadModels loads the discriminator (--disc) and the model (--run), resolves the sampler and checks
// the model's frames and static fields against --data.
func loadModels(o *Options, in *cli.Input) (disc *guided.Model, m *dymodel.Model, snap *train.Snapshot, err error) {
	if o.Disc != "" {
		if disc, err = guided.Open(o.Disc, guided.KindDiscriminator, o.warn); err != nil {
			return nil, nil, nil, fmt.Errorf("--disc %w", err)
		}
	}
	if m, snap, err = loadRun(o); err != nil {
		return nil, nil, nil, err
	}
	loaded := snap
	defer func() {
		if err != nil {
			loaded.Store.Finalize()
		}
	}()
	mc := m.Config
	if mc.Net == "series" {
		return nil, nil, nil, fmt.Errorf("--run %s is a time-series model of %d series; --data %s holds fields %v", o.Run, mc.Frame[0], o.Data, in.Shape)
	}
	if err := m.CheckFrame(in.String(), in.Shape[1:]); err != nil {
		return nil, nil, nil, err
	}
	if err := cli.CheckForecastStatic(o.Budget, o.Static, o.Run, m.Static(), in.Shape[2], in.Shape[3]); err != nil {
		return nil, nil, nil, err
	}
	return disc, m, snap, nil
}

// sampler is the sampler of the options, guided by the discriminator when --disc and --lambda say so.
func sampler(o Options, disc *guided.Model, m *dymodel.Model, snap *train.Snapshot) (dymodel.SamplerOptions, error) {
	mc := m.Config
	var err error
	so := o.samplerOptions()
	if disc != nil && o.Lambda > 0 {
		if so.Guide, err = guided.DyDiffGuide(snap.Store, disc, "the model --run "+o.Run, mc.Frame, snap.Norm, mc.Context); err != nil {
			return so, err
		}
		so.Lambda = o.Lambda
	}
	return so, nil
}

// fieldCases are the cases of --starts, or --cases spread evenly over --data.
func fieldCases(o Options, in *cli.Input, mc dymodel.Config) (forecast.Cases, error) {
	return cli.FieldCases(o.Starts, o.Cases, o.casesGiven(), in.Shape[0], mc.Context, cmp.Or(o.Lead, mc.Predict), in.String())
}

// writeForecast writes the forecast f, its truth and their sidecars (naming inputs[0]'s file as the
// source) as one group: NPY, or NetCDF by --format.
func writeForecast(o Options, inputs []*cli.Input, f *dymodel.Forecast) error {
	in, cs := inputs[0], f.Cases
	meta := cli.NCMeta{Command: o.Command, Format: o.Format, Src: in.Src, Run: o.Run, Seed: o.Seed, Starts: cs.Starts}
	sides, err := cli.ForecastSidecars(in.Path, cs, o.maker(f.Step), o.Out, o.TruthOut, f.Ensemble.Shape, f.Truth.Shape)
	if err != nil {
		return err
	}
	return cli.WriteNPYs(inputs, append([]cli.Output{meta.Output("out", o.Out, "forecast", f.Ensemble, forecast.Axes([]string{"init", "member", "lead"}, 3)...),
		meta.Output("truth-out", o.TruthOut, "truth", f.Truth, forecast.Axes([]string{"init", "lead"}, 3)...)}, sides...))
}

// forecastCases forecasts the cases cs of the data read (fields, a series' windows, or latents) with the
// run's weights (dymodel.Job: the size checked unless size.Unit is empty, then Trained.ForecastCases)
// through the rollout driver, whose working file beside --out lets an interrupted forecast with the same
// identity (model, step, sampler and guide, seed, members, lead, starts, data shape) resume. It returns
// the forecast in physical units and the backend's name.
func forecastCases(o Options, so dymodel.SamplerOptions, disc *guided.Model, t *dymodel.Trained,
	cs forecast.Cases, size dymodel.ForecastSize, read func() (*data.Array, *data.Array, error)) (*dymodel.Forecast, string, error) {
	j := dymodel.Job{Trained: t, Cases: cs, Options: dymodel.ForecastOptions{Members: o.Members, Sampler: so, Seed: o.Seed, Work: dymodel.WorkPath(o.Out),
		Progress: o.progress()}, Out: o.Out, Budget: o.Budget, Size: size}
	j.Read = func() (*data.Array, *data.Array, error) {
		observed, _, err := read()
		if err != nil {
			return nil, nil, err
		}
		acts, err := fieldActions(o, t.Model) // video.go
		return observed, acts, err
	}
	name, backend := o.backendNamed()
	j.Backend = backend
	if so.Guide != nil {
		d, _ := filepath.Abs(disc.Run)
		j.Options.GuideID = fmt.Sprintf("%s step %d", d, disc.Step)
	}
	done := cli.TrackRollout(j.Options.Work, false, true)
	f, err := j.Run(o.ctx())
	return f, *name, done(err)
}
