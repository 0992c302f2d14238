package forecastrun

import (
	"fmt"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/latent"
	"github.com/tidal-forecast/tidal/trainrun"
)

// isLatent says whether the forecast is of a latent DyDiff run (Rombach et al. 2022's latent diffusion
// with DyDiff as the model): --latent is given, or --run records a VAE.
func isLatent(o Options) (bool, error) {
	if o.Latent != "" {
		return true, nil
	}
	l, err := latent.ReadLink(o.Run)
	if err != nil {
		return false, fmt.Errorf("--run %w", err)
	}
	return l != nil, nil
}

// forecastLatent forecasts with a latent DyDiff run: the test series is encoded with the run's VAE, the
// forecast is made in latent space and decoded back into physical units (latent.VAE.Forecast); the
// truth is the physical series'.
func forecastLatent(o Options) error {
	v, dir, err := openLatentOfRun(o)
	if err != nil {
		return err
	}
	defer v.Close()
	in, err := cli.StatInput("data", o.Data, 4, 4, "[frames, channels, height, width]")
	if err != nil {
		return err
	}
	if err := trainrun.CheckLatentFrames(v, "data", in); err != nil {
		return err
	}
	inputs := []*cli.Input{in, cli.RunDirInput("run", o.Run), cli.RunDirInput("latent", dir)}
	if err := cli.CheckOutputs(inputs, cli.WithSidecars([2]string{"out", o.Out}, [2]string{"truth-out", o.TruthOut})...); err != nil {
		return err
	}
	m, snap, err := loadRun(&o)
	if err != nil {
		return err
	}
	defer snap.Store.Finalize()
	if err := m.CheckFrame("the VAE's latent frames", v.LatentFrame()); err != nil {
		return fmt.Errorf("--run %s: %w", o.Run, err)
	}
	cs, err := fieldCases(o, in, m.Config)
	if err != nil {
		return err
	}
	if err := checkLatentBudget(o, m, in, cs); err != nil {
		return err
	}
	series, err := trainrun.ReadSeries(o.Budget, in)
	if err != nil {
		return err
	}
	var name string
	f, err := v.Forecast(o.ctx(), data.FromFloat32(series.Data, series.Shape...), cs, o.Seed, latent.ForecastNames{Data: "--data " + o.Data, VAE: "--latent " + dir},
		func(z *data.Array) (f *dymodel.Forecast, err error) {
			f, name, err = forecastCases(o, o.samplerOptions(),
				nil, &dymodel.Trained{Dir: o.Run, Model: m, Snapshot: snap}, cs, dymodel.ForecastSize{}, func() (*data.Array, *data.Array, error) { return z, nil, nil }) // size checked above
			return f, err
		})
	if err != nil {
		return err
	}
	if err := writeForecast(o, inputs, f); err != nil {
		return err
	}
	fmt.Fprintf(o.stdout(), "%s: forecast %v of %s step %d in the latent space of %s (%s, %d steps, backend %s), decoded; cases starting at frames %v; truth %s\n",
		o.Out, f.Ensemble.Shape, o.Run, snap.Step, v.Dir, o.Sampler, o.Steps, name, cs.Starts, o.TruthOut)
	return nil
}

// openLatentOfRun opens the VAE of the latent DyDiff run o.Run (o.Latent, else the one its link names)
// and checks that it is the run's; guidance (o.Disc) and static fields are refused, naming their flags.
// It returns the VAE, to close, and its run directory.
func openLatentOfRun(o Options) (*latent.VAE, string, error) {
	link, err := latent.ReadLink(o.Run)
	if err != nil {
		return nil, "", fmt.Errorf("--run %w", err)
	}
	switch {
	case link == nil:
		return nil, "", fmt.Errorf("--latent %s: --run %s was trained on the fields themselves, not in a VAE's latent space (no %s)", o.Latent, o.Run, latent.LinkFile)
	case o.Disc != "":
		return nil, "", fmt.Errorf("--disc %s: discriminator guidance is not supported for a latent DyDiff run (--run %s)", o.Disc, o.Run)
	case o.Static.Path != "":
		return nil, "", fmt.Errorf("--static %s: static fields are not supported for a latent DyDiff run (--run %s)", o.Static.Path, o.Run)
	}
	dir := o.Latent
	if dir == "" {
		dir = link.VAERun
	}
	v, err := trainrun.OpenLatent(dir)
	if err != nil {
		return nil, "", err
	}
	if err := link.Check(v); err != nil {
		v.Close()
		return nil, "", fmt.Errorf("--latent %s: --run %s: %w", dir, o.Run, err)
	}
	return v, dir, nil
}

// checkLatentBudget checks the memory and the disk of a latent forecast and its decoding.
func checkLatentBudget(o Options, m *dymodel.Model, in *cli.Input, cs forecast.Cases) error {
	mc := m.Config
	return m.CheckForecastSize(o.Budget, o.Out, dymodel.ForecastSize{Unit: "cases", Cases: len(cs.Starts), Members: o.Members, Lead: cs.Lead,
		Frame: fmt.Sprintf("frame %v → %v", mc.Frame, in.Shape[1:]), FrameElems: int64(data.NumElements(mc.Frame)),
		Decoded: int64(data.NumElements(in.Shape[1:])), Held: guard.Sum(guard.Product(in.Bytes(), 2), trainrun.FrameBytes(in.Shape[0], mc.Frame))})
}
