package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidal-forecast/tidal/cli"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/latent"
)

// Latent DyDiff on the command line (docs/LATENT.md): `train dydiff --latent VAE_RUN` trains DyDiff on
// the training file encoded frame by frame with a VAE of `tidal train vae` (cached in the run), and
// `forecast` decodes the forecasts of such a run back into physical units.

// addLatentFlag adds --latent to train dydiff or forecast.
func addLatentFlag(f *pflag.FlagSet, v *string, forecasting bool) {
	if forecasting {
		f.StringVar(v, "latent", "", "run directory of 'tidal train vae' whose latent space --run was trained in (default: the one the run records; given, it must be that one)")
		return
	}
	f.StringVar(v, "latent", "", "run directory of 'tidal train vae': train in its latent space (the data encoded per frame, scaled; docs/LATENT.md)")
}

// openLatent opens the VAE run given to --latent, naming the flag in its errors.
func openLatent(dir string) (*latent.VAE, error) {
	if err := cli.CheckRunDirs("latent", dir); err != nil {
		return nil, err
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("--latent %s: expected the run directory of 'tidal train vae'", dir)
	}
	if !latent.IsRun(dir) {
		_, err := latent.RunConfig(dir)
		return nil, fmt.Errorf("--latent %s is not a VAE run: %v", dir, err)
	}
	v, err := latent.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("--latent %w", err)
	}
	return v, nil
}

// checkLatentFrames refuses data whose frames are not those the VAE was trained on.
func checkLatentFrames(v *latent.VAE, flag string, in *cli.Input) error {
	if want := v.Model.Config.Frame; fmt.Sprint(in.Shape[1:]) != fmt.Sprint(want) {
		return fmt.Errorf("%s has frames %v [channels, H, W], but the VAE --latent %s was trained on frames %v: train a VAE on this data's channels and grid",
			in, in.Shape[1:], v.Dir, want)
	}
	return nil
}

// runTrainDyDiffLatent is `tidal train dydiff --latent`: the data are encoded with the VAE (the training
// file through the run's cache), and DyDiff trains on the latent series as on fields.
func runTrainDyDiffLatent(cmd *cobra.Command, fl trainDyDiffFlags, b guard.Budget, seriesData bool) (err error) {
	var mc dymodel.Config
	if err := refuseLatentData(fl, seriesData); err != nil {
		return err
	}
	tr, va, inputs, err := latentTrainInputs(fl)
	if err != nil {
		return err
	}
	clearLatentSkeleton(fl.out)
	to, err := cli.CheckTrainOut(fl.out, inputs...)
	if err != nil {
		return err
	}
	v, err := openLatent(fl.latent)
	if err != nil {
		return err
	}
	defer v.Close()
	if err := checkLatentRun(fl, v, tr); err != nil {
		return err
	}
	lf := v.LatentFrame()
	if mc, err = latentModelConfig(fl, lf); err != nil {
		return err
	}
	m, err := latentModel(fl, b, mc, tr, va)
	if err != nil {
		return err
	}
	name, be, err := cli.NewBackend()
	if err != nil {
		return err
	}
	defer be.Finalize()
	v.Backend = be
	done := to.Guard()
	defer func() { done(err) }()
	ts, err := readSeries(b, tr) // finite values, or an error naming the file and frame
	if err != nil {
		return err
	}
	z, how, err := encodeLatentData(context.Background(), fl, v, data.FromFloat32(ts.Data, ts.Shape...))
	if err != nil {
		return err
	}
	spec := dymodel.TrainSpec{Data: z, Config: mc, Options: trainOptions(fl), Stride: fl.stride, Dir: fl.out,
		Preview: &dymodel.PreviewOptions{Cases: fl.previewCases, Members: fl.previewMembers, Steps: fl.previewSteps},
		Log:     cli.ProgressWriter(cmd, fl.quiet), StartOver: fl.startOver, Take: true, Backend: be}
	if spec.Val, err = encodeLatentVal(context.Background(), fl, b, v, va); err != nil {
		return err
	}
	t, err := dymodel.NewTrainer(spec)
	if err != nil {
		return fmt.Errorf("--data %s (encoded): %w", fl.data, err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "train dydiff: latent space of %s (frames %v → %v, scale %.6g; %s), η %v, %d-parameter UNet, windows %d+%d, %d training windows, backend %s\n",
		fl.latent, v.Model.Config.Frame, lf, v.Record.Scale, how, fl.eta, m.NumParams(), fl.context, fl.predict, t.Windows, name)
	return runTrainJob(cmd, to, t.Job)
}

// latentModelConfig is the DyDiff configuration of the flags for latent frames lf (periodic in
// longitude only where the fields are not periodic on both axes).
func latentModelConfig(fl trainDyDiffFlags, lf []int) (dymodel.Config, error) {
	fl.periodicLon = fl.periodicLon && !fl.periodic
	return fieldModelConfig(fl, lf, nil)
}

// refuseLatentData refuses what latent DyDiff does not take: time series, static fields, the series
// network.
func refuseLatentData(fl trainDyDiffFlags, seriesData bool) error {
	switch {
	case seriesData:
		return fmt.Errorf("--latent %s: a VAE encodes fields [frames, channels, H, W]; --data %s is a time series", fl.latent, fl.data)
	case fl.static.Path != "":
		return fmt.Errorf("--static %s: static fields are not supported with --latent (they would need their own encoding)", fl.static.Path)
	case fl.net == "series":
		return fmt.Errorf("--net series takes time series; --latent trains on encoded fields (unet or video)")
	}
	return nil
}

// latentModel builds the latent model and checks the memory and the disk its training needs.
func latentModel(fl trainDyDiffFlags, b guard.Budget, mc dymodel.Config, tr, va *cli.Input) (*dymodel.Model, error) {
	m, err := dymodel.New(mc)
	if err != nil {
		return nil, networkFlagError(tr.String()+" (encoded)", err, fl)
	}
	lf := mc.Frame
	need := guard.Sum(guard.Product(tr.Bytes(), 2), vaeFrameBytes(tr.Shape[0], lf), m.TrainBytes(fl.batch))
	if va != nil {
		need = guard.Sum(need, guard.Product(va.Bytes(), 2), vaeFrameBytes(va.Shape[0], lf), m.SampleBytes(fl.previewMembers))
	}
	what := fmt.Sprintf("training a %d-parameter latent DyDiff %s network on batches of %d windows %v", m.NumParams(), fl.net, fl.batch, append([]int{mc.Frames()}, lf...))
	if err := b.CheckMemory(what, need); err != nil {
		return nil, err
	}
	if err := b.CheckDisk("the run's latent encoding of --data", fl.out, vaeFrameBytes(tr.Shape[0], lf)); err != nil {
		return nil, err
	}
	return m, nil
}

// latentTrainInputs reads the headers of --data and --val for a latent run, which must be a folder
// apart from the VAE run's.
func latentTrainInputs(fl trainDyDiffFlags) (tr, va *cli.Input, inputs []*cli.Input, err error) {
	L := fl.context + fl.predict
	layout := "[frames, channels, height, width]"
	if tr, err = cli.StatInput("data", fl.data, 4, 4, layout); err != nil {
		return nil, nil, nil, err
	}
	if tr.Shape[0] < L {
		return nil, nil, nil, fmt.Errorf("%s has %d frames, fewer than --context %d + --predict %d = %d of one window", tr, tr.Shape[0], fl.context, fl.predict, L)
	}
	inputs = []*cli.Input{tr, cli.RunDirInput("latent", fl.latent)}
	if fl.val != "" {
		if va, err = cli.StatInput("val", fl.val, 4, 4, layout); err != nil {
			return nil, nil, nil, err
		}
		if fmt.Sprint(va.Shape[1:]) != fmt.Sprint(tr.Shape[1:]) || va.Shape[0] < L {
			return nil, nil, nil, fmt.Errorf("%s has shape %v: expected at least %d frames of %v like --data %s", va, va.Shape, L, tr.Shape[1:], fl.data)
		}
		inputs = append(inputs, va)
	}
	if atomicfile.Inside(fl.out, fl.latent) || atomicfile.Inside(fl.latent, fl.out) {
		return nil, nil, nil, fmt.Errorf("--run %s and --latent %s: the DyDiff run and the VAE run must be separate folders", fl.out, fl.latent)
	}
	return tr, va, inputs, nil
}

// checkLatentRun checks the VAE against --data and the run directory's link: a run works in the latent
// space of one VAE, and a run trained on the fields themselves is not turned into a latent one.
func checkLatentRun(fl trainDyDiffFlags, v *latent.VAE, tr *cli.Input) error {
	if err := checkLatentFrames(v, "data", tr); err != nil {
		return err
	}
	if old, err := latent.ReadLink(fl.out); err != nil && !fl.startOver {
		return fmt.Errorf("--run %w", err)
	} else if old != nil && !fl.startOver {
		if err := old.Check(v); err != nil {
			return fmt.Errorf("--run %s: %w; train a new run for this VAE (or --start-over)", fl.out, err)
		}
	} else if _, err := os.Stat(filepath.Join(fl.out, "options.json")); err == nil && old == nil && !fl.startOver {
		return fmt.Errorf("--run %s holds a DyDiff run trained on the fields themselves: --latent needs a new run directory (or --start-over)", fl.out)
	}
	return nil
}

// encodeLatentData links the run to its VAE, encodes the training fields through the run's cache and
// says how.
func encodeLatentData(ctx context.Context, fl trainDyDiffFlags, v *latent.VAE, phys *data.Array) (*data.Array, string, error) {
	if err := os.MkdirAll(fl.out, 0o755); err != nil {
		return nil, "", fmt.Errorf("--run %s: %w", fl.out, err)
	}
	if err := latent.WriteLink(fl.out, v, fl.startOver); err != nil {
		return nil, "", fmt.Errorf("--run %s: %w", fl.out, err)
	}
	z, reused, err := latent.EncodeCached(ctx, v, phys, fl.data, fl.out, fl.seed)
	if err != nil {
		return nil, "", fmt.Errorf("--data %s: encoding with --latent %s: %w", fl.data, fl.latent, err)
	}
	how := fmt.Sprintf("encoded %d frames", phys.Shape[0])
	if reused {
		how = fmt.Sprintf("the run's cached encoding of %d frames", phys.Shape[0])
	}
	return z, how, nil
}

// encodeLatentVal reads and encodes the validation fields (nil without --val).
func encodeLatentVal(ctx context.Context, fl trainDyDiffFlags, b guard.Budget, v *latent.VAE, va *cli.Input) (*data.Array, error) {
	if va == nil {
		return nil, nil
	}
	vs, err := readSeries(b, va)
	if err != nil {
		return nil, err
	}
	z, err := v.Encode(ctx, data.FromFloat32(vs.Data, vs.Shape...), fl.seed)
	if err != nil {
		return nil, fmt.Errorf("--val %s: encoding with --latent %s: %w", fl.val, fl.latent, err)
	}
	return z, nil
}

// clearLatentSkeleton removes what a latent run writes before training starts (its link, its cached
// encoding and their temporaries) from a folder that holds nothing else and no options.json: a run
// killed while it encoded its data, which may then be started again.
func clearLatentSkeleton(dir string) {
	if _, err := os.Stat(filepath.Join(dir, "options.json")); err == nil {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return
	}
	own := func(name string) bool {
		for _, f := range []string{latent.LinkFile, latent.CacheFile, latent.CacheKeyFile, ".lock"} {
			if name == f || strings.HasPrefix(name, "."+f+atomicfile.TempSuffix) {
				return true
			}
		}
		return false
	}
	for _, e := range entries {
		if e.IsDir() || !own(e.Name()) {
			return
		}
	}
	for _, e := range entries {
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
}
