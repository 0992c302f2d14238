package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
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
	if err := checkRunDirs("latent", dir); err != nil {
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
func checkLatentFrames(v *latent.VAE, flag string, in *inputArray) error {
	if want := v.Model.Config.Frame; fmt.Sprint(in.shape[1:]) != fmt.Sprint(want) {
		return fmt.Errorf("%s has frames %v [channels, H, W], but the VAE --latent %s was trained on frames %v: train a VAE on this data's channels and grid",
			in, in.shape[1:], v.Dir, want)
	}
	return nil
}

// runTrainDyDiffLatent is `tidal train dydiff --latent`: the data are encoded with the VAE (the training
// file through the run's cache), and DyDiff trains on the latent series as on fields.
func runTrainDyDiffLatent(cmd *cobra.Command, fl trainDyDiffFlags, b guard.Budget, seriesData bool) (err error) {
	switch {
	case seriesData:
		return fmt.Errorf("--latent %s: a VAE encodes fields [frames, channels, H, W]; --data %s is a time series", fl.latent, fl.data)
	case fl.static.path != "":
		return fmt.Errorf("--static %s: static fields are not supported with --latent (they would need their own encoding)", fl.static.path)
	case fl.net == "series":
		return fmt.Errorf("--net series takes time series; --latent trains on encoded fields (unet or video)")
	}
	L := fl.context + fl.predict
	layout := "[frames, channels, height, width]"
	tr, err := statInput("data", fl.data, 4, 4, layout)
	if err != nil {
		return err
	}
	if tr.shape[0] < L {
		return fmt.Errorf("%s has %d frames, fewer than --context %d + --predict %d = %d of one window", tr, tr.shape[0], fl.context, fl.predict, L)
	}
	inputs := []*inputArray{tr, runDirInput("latent", fl.latent)}
	var va *inputArray
	if fl.val != "" {
		if va, err = statInput("val", fl.val, 4, 4, layout); err != nil {
			return err
		}
		if fmt.Sprint(va.shape[1:]) != fmt.Sprint(tr.shape[1:]) || va.shape[0] < L {
			return fmt.Errorf("%s has shape %v: expected at least %d frames of %v like --data %s", va, va.shape, L, tr.shape[1:], fl.data)
		}
		inputs = append(inputs, va)
	}
	if atomicfile.Inside(fl.out, fl.latent) || atomicfile.Inside(fl.latent, fl.out) {
		return fmt.Errorf("--run %s and --latent %s: the DyDiff run and the VAE run must be separate folders", fl.out, fl.latent)
	}
	clearLatentSkeleton(fl.out)
	to, err := checkTrainOut(fl.out, inputs...)
	if err != nil {
		return err
	}
	v, err := openLatent(fl.latent)
	if err != nil {
		return err
	}
	defer v.Close()
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
	lf := v.LatentFrame()
	mc := dymodel.Config{Method: dymodel.Method, Net: fl.net, Context: fl.context, Predict: fl.predict, Eta: fl.eta,
		Noising: fl.noising, Frame: lf,
		UNet: dymodel.UNetConfig{Channels: fl.channels, Mults: fl.mults, Blocks: fl.blocks, AttnLevels: fl.attn,
			Heads: fl.heads, Groups: fl.groups, Periodic: fl.periodic, PeriodicLon: fl.periodicLon && !fl.periodic, Dropout: fl.dropout,
			TemporalConv: fl.tconv, TemporalAttn: fl.tattn, Head: fl.head},
		Param: fl.param, Anchor: fl.anchor}
	if fl.param == dymodel.ParamEDM {
		mc.EDM = dymodel.EDMConfig{SigmaData: fl.sigmaData, PMean: fl.pMean, PStd: fl.pStd}
	}
	m, err := dymodel.New(mc)
	if err != nil {
		return networkFlagError(tr.String()+" (encoded)", err, fl)
	}
	need := guard.Sum(guard.Product(tr.Bytes(), 2), vaeFrameBytes(tr.shape[0], lf), m.TrainBytes(fl.batch))
	if va != nil {
		need = guard.Sum(need, guard.Product(va.Bytes(), 2), vaeFrameBytes(va.shape[0], lf), m.SampleBytes(fl.previewMembers))
	}
	if err := b.CheckMemory(fmt.Sprintf("training a %d-parameter latent DyDiff UNet on batches of %d windows %v", m.NumParams(), fl.batch, append([]int{L}, lf...)), need); err != nil {
		return err
	}
	if err := b.CheckDisk("the run's latent encoding of --data", fl.out, vaeFrameBytes(tr.shape[0], lf)); err != nil {
		return err
	}
	name, be, err := newBackendCompute()
	if err != nil {
		return err
	}
	defer be.Finalize()
	v.Backend = be
	ctx := context.Background()
	done := to.guard()
	defer func() { done(err) }()
	ts, err := readSeries(b, tr) // finite values, or an error naming the file and frame
	if err != nil {
		return err
	}
	phys := data.FromFloat32(ts.Data, ts.Shape...)
	if err := os.MkdirAll(fl.out, 0o755); err != nil {
		return fmt.Errorf("--run %s: %w", fl.out, err)
	}
	if err := latent.WriteLink(fl.out, v, fl.startOver); err != nil {
		return fmt.Errorf("--run %s: %w", fl.out, err)
	}
	z, reused, err := latent.EncodeCached(ctx, v, phys, fl.data, fl.out, fl.seed)
	if err != nil {
		return fmt.Errorf("--data %s: encoding with --latent %s: %w", fl.data, fl.latent, err)
	}
	how := fmt.Sprintf("encoded %d frames", tr.shape[0])
	if reused {
		how = fmt.Sprintf("the run's cached encoding of %d frames", tr.shape[0])
	}
	spec := dymodel.TrainSpec{Data: z, Config: mc, Options: trainOptions(fl), Stride: fl.stride, Dir: fl.out,
		Preview: &dymodel.PreviewOptions{Cases: fl.previewCases, Members: fl.previewMembers, Steps: fl.previewSteps},
		Log:     progressWriter(cmd, fl.quiet), StartOver: fl.startOver, Take: true, Backend: be}
	if va != nil {
		vs, err := readSeries(b, va)
		if err != nil {
			return err
		}
		if spec.Val, err = v.Encode(ctx, data.FromFloat32(vs.Data, vs.Shape...), fl.seed); err != nil {
			return fmt.Errorf("--val %s: encoding with --latent %s: %w", fl.val, fl.latent, err)
		}
	}
	t, err := dymodel.NewTrainer(spec)
	if err != nil {
		return fmt.Errorf("--data %s (encoded): %w", fl.data, err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "train dydiff: latent space of %s (frames %v → %v, scale %.6g; %s), η %v, %d-parameter UNet, windows %d+%d, %d training windows, backend %s\n",
		fl.latent, v.Model.Config.Frame, lf, v.Record.Scale, how, fl.eta, m.NumParams(), fl.context, fl.predict, t.Windows, name)
	return runTrainJob(cmd, to, t.Job)
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
	link, err := latent.ReadLink(fl.model)
	if err != nil {
		return fmt.Errorf("--run %w", err)
	}
	if link == nil {
		return fmt.Errorf("--latent %s: --run %s was trained on the fields themselves, not in a VAE's latent space (no %s)", fl.latent, fl.model, latent.LinkFile)
	}
	switch {
	case fl.disc != "":
		return fmt.Errorf("--disc %s: discriminator guidance is not supported for a latent DyDiff run (--run %s)", fl.disc, fl.model)
	case fl.static.path != "":
		return fmt.Errorf("--static %s: static fields are not supported for a latent DyDiff run (--run %s)", fl.static.path, fl.model)
	}
	dir := fl.latent
	if dir == "" {
		dir = link.VAERun
	}
	v, err := openLatent(dir)
	if err != nil {
		return err
	}
	defer v.Close()
	if err := link.Check(v); err != nil {
		return fmt.Errorf("--latent %s: --run %s: %w", dir, fl.model, err)
	}
	in, err := statInput("data", fl.data, 4, 4, "[frames, channels, height, width]")
	if err != nil {
		return err
	}
	if err := checkLatentFrames(v, "data", in); err != nil {
		return err
	}
	inputs := []*inputArray{in, runDirInput("run", fl.model), runDirInput("latent", dir)}
	if err := checkOutputs(inputs, withSidecars([2]string{"out", fl.out}, [2]string{"truth-out", fl.truthOut})...); err != nil {
		return err
	}
	warn := func(f string, a ...any) { fmt.Fprintf(cmd.ErrOrStderr(), "warning: "+f+"\n", a...) }
	m, snap, err := loadForecastRun(&fl, warn)
	if err != nil {
		return err
	}
	defer snap.Store.Finalize()
	mc := m.Config
	if err := m.CheckFrame("the VAE's latent frames", v.LatentFrame()); err != nil {
		return fmt.Errorf("--run %s: %w", fl.model, err)
	}
	lead := fl.lead
	if lead == 0 {
		lead = mc.Predict
	}
	var cs forecast.Cases
	if len(fl.starts) > 0 {
		if cmd.Flags().Changed("cases") {
			return fmt.Errorf("--cases %d and --starts %v: give the number of cases or their start frames, not both", fl.cases, fl.starts)
		}
		if cs, err = startCases(fl.starts, in.shape[0], mc.Context, lead, in.String()); err != nil {
			return err
		}
	} else if cs, err = forecast.EvenCases(in.shape[0], mc.Context, lead, fl.cases); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	B := len(cs.Starts)
	fcBytes := guard.Product(int64(B), int64(fl.members), int64(lead), int64(data.NumElements(in.shape[1:])), 4)
	latBytes := guard.Product(int64(B), int64(fl.members), int64(lead), int64(data.NumElements(mc.Frame)), 4)
	truthBytes := guard.Product(int64(B), int64(lead), int64(data.NumElements(in.shape[1:])), 4)
	what := fmt.Sprintf("a latent forecast [%d cases, %d members, %d lead, frame %v → %v] float32", B, fl.members, lead, mc.Frame, in.shape[1:])
	if err := b.CheckMemory(what, guard.Sum(guard.Product(in.Bytes(), 2), vaeFrameBytes(in.shape[0], mc.Frame),
		guard.Product(latBytes, 3), guard.Product(fcBytes, 2), truthBytes, m.SampleBytes(fl.members))); err != nil {
		return err
	}
	if err := b.CheckDisk(what, fl.out, guard.Sum(guard.Product(fcBytes, 2), truthBytes)); err != nil {
		return err
	}
	series, err := readSeries(b, in)
	if err != nil {
		return err
	}
	phys := data.FromFloat32(series.Data, series.Shape...)
	ctx := context.Background()
	z, err := v.Encode(ctx, phys, fl.seed)
	if err != nil {
		return fmt.Errorf("--data %s: encoding with --latent %s: %w", fl.data, dir, err)
	}
	so := dymodel.SamplerOptions{Kind: fl.sampler, Steps: fl.steps, EtaDDIM: fl.ddimEta, ClipX0: fl.clipX0, SigmaMax: fl.sigmaMax}
	f, name, err := forecastCases(cmd, fl, so, nil, &dymodel.Trained{Dir: fl.model, Model: m, Snapshot: snap}, z, cs, lead)
	if err != nil {
		return err
	}
	ld := f.Ensemble.Shape // [cases, members, lead, z, h, w]
	flatZ := data.FromFloat32(f.Ensemble.Float32(), append([]int{ld[0] * ld[1] * ld[2]}, ld[3:]...)...)
	dec, err := v.Decode(ctx, flatZ)
	if err != nil {
		return fmt.Errorf("decoding the forecast with --latent %s: %w", dir, err)
	}
	ens := data.FromFloat32(dec.F32, append(append([]int(nil), ld[:3]...), in.shape[1:]...)...)
	truth, err := forecast.Truth(phys, cs)
	if err != nil {
		return err
	}
	meta := ncMeta{cmd: cmd, format: fl.outFormat, src: in.src, run: fl.model, seed: fl.seed, starts: cs.Starts}
	sides, err := forecastSidecars(fl, in.path, cs, snap.Step, ens.Shape, truth.Shape)
	if err != nil {
		return err
	}
	if err := writeNPYs(inputs, append([]namedOutput{meta.output("out", fl.out, "forecast", ens, axes([]string{"init", "member", "lead"}, 3)...),
		meta.output("truth-out", fl.truthOut, "truth", truth, axes([]string{"init", "lead"}, 3)...)}, sides...)); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: forecast %v of %s step %d in the latent space of %s (%s, %d steps, backend %s), decoded; cases starting at frames %v; truth %s\n",
		fl.out, ens.Shape, fl.model, snap.Step, v.Dir, fl.sampler, fl.steps, name, cs.Starts, fl.truthOut)
	return nil
}

// errOr is err when it is not nil, else next().
func errOr(err error, next func() error) error {
	if err != nil {
		return err
	}
	return next()
}
