package main

import (
	"context"
	"fmt"

	"github.com/tidal-forecast/tidal/cli"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/latent"
)

// latentForecast reports whether `tidal forecast` must go through runForecastLatent: --latent is given,
// or --run records a VAE.
func latentForecast(fl forecastFlags) (bool, error) {
	if fl.latent != "" {
		return true, nil
	}
	l, err := latent.ReadLink(fl.model)
	if err != nil {
		return false, fmt.Errorf("--run %w", err)
	}
	return l != nil, nil
}

// runForecastLatent is `tidal forecast` of a latent DyDiff run: the test series is encoded with the run's
// VAE, the forecast is made in latent space and decoded back into physical units; the truth is the
// physical series'.
func runForecastLatent(cmd *cobra.Command, fl forecastFlags, b guard.Budget) error {
	v, dir, err := openLatentOfRun(fl)
	if err != nil {
		return err
	}
	defer v.Close()
	in, err := cli.StatInput("data", fl.data, 4, 4, "[frames, channels, height, width]")
	if err != nil {
		return err
	}
	if err := checkLatentFrames(v, "data", in); err != nil {
		return err
	}
	inputs := []*cli.Input{in, cli.RunDirInput("run", fl.model), cli.RunDirInput("latent", dir)}
	if err := cli.CheckOutputs(inputs, cli.WithSidecars([2]string{"out", fl.out}, [2]string{"truth-out", fl.truthOut})...); err != nil {
		return err
	}
	m, snap, err := loadForecastRun(&fl, warner(cmd))
	if err != nil {
		return err
	}
	defer snap.Store.Finalize()
	if err := m.CheckFrame("the VAE's latent frames", v.LatentFrame()); err != nil {
		return fmt.Errorf("--run %s: %w", fl.model, err)
	}
	cs, err := forecastFieldCases(cmd, fl, in, m.Config)
	if err != nil {
		return err
	}
	if err := checkLatentForecastBudget(fl, b, m, in, cs); err != nil {
		return err
	}
	series, err := readSeries(b, in)
	if err != nil {
		return err
	}
	var name string
	f, err := v.Forecast(context.Background(), data.FromFloat32(series.Data, series.Shape...), cs, fl.seed, latent.ForecastNames{Data: "--data " + fl.data, VAE: "--latent " + dir},
		func(z *data.Array) (f *dymodel.Forecast, err error) {
			f, name, err = forecastCases(cmd, fl, fl.samplerOptions(),
				nil, &dymodel.Trained{Dir: fl.model, Model: m, Snapshot: snap}, cs, b, dymodel.ForecastSize{}, func() (*data.Array, *data.Array, error) { return z, nil, nil }) // size checked above
			return f, err
		})
	if err != nil {
		return err
	}
	if err := writeForecast(cmd, fl, inputs, f); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: forecast %v of %s step %d in the latent space of %s (%s, %d steps, backend %s), decoded; cases starting at frames %v; truth %s\n",
		fl.out, f.Ensemble.Shape, fl.model, snap.Step, v.Dir, fl.sampler, fl.steps, name, cs.Starts, fl.truthOut)
	return nil
}

// openLatentOfRun opens the VAE of a latent DyDiff run (--latent, else the one its link names) and
// checks that it is the run's; guidance and static fields are refused.
func openLatentOfRun(fl forecastFlags) (*latent.VAE, string, error) {
	link, err := latent.ReadLink(fl.model)
	if err != nil {
		return nil, "", fmt.Errorf("--run %w", err)
	}
	switch {
	case link == nil:
		return nil, "", fmt.Errorf("--latent %s: --run %s was trained on the fields themselves, not in a VAE's latent space (no %s)", fl.latent, fl.model, latent.LinkFile)
	case fl.disc != "":
		return nil, "", fmt.Errorf("--disc %s: discriminator guidance is not supported for a latent DyDiff run (--run %s)", fl.disc, fl.model)
	case fl.static.Path != "":
		return nil, "", fmt.Errorf("--static %s: static fields are not supported for a latent DyDiff run (--run %s)", fl.static.Path, fl.model)
	}
	dir := fl.latent
	if dir == "" {
		dir = link.VAERun
	}
	v, err := openLatent(dir)
	if err != nil {
		return nil, "", err
	}
	if err := link.Check(v); err != nil {
		v.Close()
		return nil, "", fmt.Errorf("--latent %s: --run %s: %w", dir, fl.model, err)
	}
	return v, dir, nil
}

// checkLatentForecastBudget checks the memory and the disk of a latent forecast and its decoding.
func checkLatentForecastBudget(fl forecastFlags, b guard.Budget, m *dymodel.Model, in *cli.Input, cs forecast.Cases) error {
	mc := m.Config
	return m.CheckForecastSize(b, fl.out, dymodel.ForecastSize{Unit: "cases", Cases: len(cs.Starts), Members: fl.members, Lead: cs.Lead,
		Frame: fmt.Sprintf("frame %v → %v", mc.Frame, in.Shape[1:]), FrameElems: int64(data.NumElements(mc.Frame)),
		Decoded: int64(data.NumElements(in.Shape[1:])), Held: guard.Sum(guard.Product(in.Bytes(), 2), vaeFrameBytes(in.Shape[0], mc.Frame))})
}
