package trainrun

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/latent"
)

// OpenLatent opens the VAE run given to --latent, naming the flag in its errors.
func OpenLatent(dir string) (*latent.VAE, error) {
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

// CheckLatentFrames refuses data whose frames (the last three axes of fields [frames, C, H, W] or of
// videos [videos, T, C, H, W]) are not those the VAE was trained on.
func CheckLatentFrames(v *latent.VAE, flag string, in *cli.Input) error {
	frame := in.Shape[max(0, len(in.Shape)-3):]
	if want := v.Model.Config.Frame; fmt.Sprint(frame) != fmt.Sprint(want) {
		return fmt.Errorf("%s has frames %v [channels, H, W], but the VAE --latent %s was trained on frames %v: train a VAE on this data's channels and grid (tidal train vae --data %s)",
			in, frame, v.Dir, want, in.Path)
	}
	return nil
}

// openLatentRun opens the VAE of --latent (dir) and the Run, on the output folder to, that releases it.
func openLatentRun(dir string, to *cli.TrainOut) (*Run, *latent.VAE, error) {
	v, err := OpenLatent(dir)
	if err != nil {
		return nil, nil, err
	}
	return &Run{Out: to, release: []func(){v.Close}}, v, nil
}

// startBackend starts the compute backend of --backend, released with r, and has the VAE v encode and
// decode on it; it returns the backend's name.
func (r *Run) startBackend(o Options, v *latent.VAE) (string, compute.Backend, error) {
	name, be, err := newBackend(o.Backend)
	if err != nil {
		return "", nil, err
	}
	r.release = append(r.release, be.Finalize)
	v.Backend = be
	return name, be, nil
}

// prepareLatent is `tidal train dydiff --latent`: the data are encoded with the VAE (the training
// file through the run's cache), and DyDiff trains on the latent series as on fields. A fresh run that
// fails while it encodes is removed again.
func prepareLatent(o Options, b guard.Budget, seriesData bool) (_ *Run, err error) {
	if err := refuseLatentData(o, seriesData); err != nil {
		return nil, err
	}
	tr, va, inputs, err := latentTrainInputs(o)
	if err != nil {
		return nil, err
	}
	clearLatentSkeleton(o.Run)
	to, err := cli.CheckTrainOut(o.Run, inputs...)
	if err != nil {
		return nil, err
	}
	r, v, err := openLatentRun(o.Latent, to)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	mc, m, err := latentModel(o, b, v, tr, va)
	if err != nil {
		return nil, err
	}
	name, be, err := r.startBackend(o, v)
	if err != nil {
		return nil, err
	}
	done := to.Guard()
	defer func() { done(err) }()
	spec := dymodel.TrainSpec{Config: mc, Options: trainOptions(o), Stride: o.Stride, Dir: o.Run,
		Preview: &dymodel.PreviewOptions{Cases: o.PreviewCases, Members: o.PreviewMembers, Steps: o.PreviewSteps},
		Log:     o.Log, StartOver: o.StartOver, Take: true, Backend: be}
	how, err := encodeLatent(o, b, v, tr, va, &spec)
	if err != nil {
		return nil, err
	}
	t, err := dymodel.NewTrainer(spec)
	if err != nil {
		return nil, fmt.Errorf("--data %s (encoded): %w", o.Data, err)
	}
	fmt.Fprintf(o.stderr(), "train dydiff: latent space of %s (frames %v → %v, scale %.6g; %s), η %v, %d-parameter UNet, windows %d+%d, %d training windows, backend %s\n",
		o.Latent, v.Model.Config.Frame, mc.Frame, v.Record.Scale, how, o.Eta, m.NumParams(), o.Context, o.Predict, t.Windows, name)
	r.Job = t.Job
	return r, nil
}

// encodeLatent reads the training and validation fields and encodes them into spec (the training
// fields through the run's cache); it says how the training fields were encoded.
func encodeLatent(o Options, b guard.Budget, v *latent.VAE, tr, va *cli.Input, spec *dymodel.TrainSpec) (string, error) {
	ts, err := ReadSeries(b, tr) // finite values, or an error naming the file and frame
	if err != nil {
		return "", err
	}
	z, how, err := encodeLatentData(context.Background(), o, v, data.FromFloat32(ts.Data, ts.Shape...))
	if err != nil {
		return "", err
	}
	spec.Data = z
	if spec.Val, err = encodeLatentVal(context.Background(), o, b, v, va); err != nil {
		return "", err
	}
	return how, nil
}

// latentModelConfig is the DyDiff configuration of the options for latent frames lf (periodic in
// longitude only where the fields are not periodic on both axes).
func latentModelConfig(o Options, lf []int) (dymodel.Config, error) {
	o.PeriodicLon = o.PeriodicLon && !o.Periodic
	return fieldModelConfig(o, lf, nil)
}

// refuseLatentData refuses what latent DyDiff does not take: time series, static fields, the series
// network.
func refuseLatentData(o Options, seriesData bool) error {
	switch {
	case seriesData:
		return fmt.Errorf("--latent %s: a VAE encodes fields [frames, channels, H, W]; --data %s is a time series", o.Latent, o.Data)
	case o.Static.Path != "":
		return fmt.Errorf("--static %s: static fields are not supported with --latent (they would need their own encoding)", o.Static.Path)
	case o.Net == "series":
		return fmt.Errorf("--net series takes time series; --latent trains on encoded fields (unet or video)")
	}
	return nil
}

// latentModel checks the VAE against --data and the run (checkLatentRun), builds the latent model
// and checks the memory and the disk its training needs.
func latentModel(o Options, b guard.Budget, v *latent.VAE, tr, va *cli.Input) (dymodel.Config, *dymodel.Model, error) {
	if err := checkLatentRun(o, v, tr); err != nil {
		return dymodel.Config{}, nil, err
	}
	mc, err := latentModelConfig(o, v.LatentFrame())
	if err != nil {
		return mc, nil, err
	}
	m, err := dymodel.New(mc)
	if err != nil {
		return mc, nil, &NetworkError{What: tr.String() + " (encoded)", Err: err, Options: o}
	}
	lf := mc.Frame
	need := guard.Sum(guard.Product(tr.Bytes(), 2), FrameBytes(tr.Shape[0], lf), m.TrainBytes(o.Batch))
	if va != nil {
		need = guard.Sum(need, guard.Product(va.Bytes(), 2), FrameBytes(va.Shape[0], lf), m.SampleBytes(o.PreviewMembers))
	}
	what := fmt.Sprintf("training a %d-parameter latent DyDiff %s network on batches of %d windows %v", m.NumParams(), o.Net, o.Batch, append([]int{mc.Frames()}, lf...))
	if err := b.CheckMemory(what, need); err != nil {
		return mc, nil, err
	}
	if err := b.CheckDisk("the run's latent encoding of --data", o.Run, FrameBytes(tr.Shape[0], lf)); err != nil {
		return mc, nil, err
	}
	return mc, m, nil
}

// latentTrainInputs reads the headers of --data and --val for a latent run, which must be a folder
// apart from the VAE run's.
func latentTrainInputs(o Options) (tr, va *cli.Input, inputs []*cli.Input, err error) {
	L := o.Context + o.Predict
	layout := "[frames, channels, height, width]"
	if tr, err = cli.StatInput("data", o.Data, 4, 4, layout); err != nil {
		return nil, nil, nil, err
	}
	if tr.Shape[0] < L {
		return nil, nil, nil, fmt.Errorf("%s has %d frames, fewer than --context %d + --predict %d = %d of one window", tr, tr.Shape[0], o.Context, o.Predict, L)
	}
	inputs = []*cli.Input{tr, cli.RunDirInput("latent", o.Latent)}
	if o.Val != "" {
		if va, err = cli.StatInput("val", o.Val, 4, 4, layout); err != nil {
			return nil, nil, nil, err
		}
		if fmt.Sprint(va.Shape[1:]) != fmt.Sprint(tr.Shape[1:]) || va.Shape[0] < L {
			return nil, nil, nil, fmt.Errorf("%s has shape %v: expected at least %d frames of %v like --data %s", va, va.Shape, L, tr.Shape[1:], o.Data)
		}
		inputs = append(inputs, va)
	}
	if err := checkLatentApart(o); err != nil {
		return nil, nil, nil, err
	}
	return tr, va, inputs, nil
}

// checkLatentApart refuses a DyDiff run inside the VAE run or around it.
func checkLatentApart(o Options) error {
	if atomicfile.Inside(o.Run, o.Latent) || atomicfile.Inside(o.Latent, o.Run) {
		return fmt.Errorf("--run %s and --latent %s: the DyDiff run and the VAE run must be separate folders", o.Run, o.Latent)
	}
	return nil
}

// checkLatentRun checks the VAE against --data and the run directory's link: a run works in the latent
// space of one VAE, and a run trained on the fields themselves is not turned into a latent one.
func checkLatentRun(o Options, v *latent.VAE, tr *cli.Input) error {
	if err := CheckLatentFrames(v, "data", tr); err != nil {
		return err
	}
	if old, err := latent.ReadLink(o.Run); err != nil && !o.StartOver {
		return fmt.Errorf("--run %w", err)
	} else if old != nil && !o.StartOver {
		if err := old.Check(v); err != nil {
			return fmt.Errorf("--run %s: %w; train a new run for this VAE (or --start-over)", o.Run, err)
		}
	} else if _, err := os.Stat(filepath.Join(o.Run, "options.json")); err == nil && old == nil && !o.StartOver {
		return fmt.Errorf("--run %s holds a DyDiff run trained on the fields themselves: --latent needs a new run directory (or --start-over)", o.Run)
	}
	return nil
}

// encodeLatentData links the run to its VAE, encodes the training fields [frames, C, H, W] or videos
// [V, T, C, H, W] through the run's cache and says how.
func encodeLatentData(ctx context.Context, o Options, v *latent.VAE, phys *data.Array) (*data.Array, string, error) {
	if err := os.MkdirAll(o.Run, 0o755); err != nil {
		return nil, "", fmt.Errorf("--run %s: %w", o.Run, err)
	}
	if err := latent.WriteLink(o.Run, v, o.StartOver); err != nil {
		return nil, "", fmt.Errorf("--run %s: %w", o.Run, err)
	}
	var z *data.Array
	var reused bool
	var err error
	what := fmt.Sprintf("%d frames", phys.Shape[0])
	if len(phys.Shape) == 5 { // videos [V, T, C, H, W]
		what = fmt.Sprintf("%d videos of %d frames", phys.Shape[0], phys.Shape[1])
		z, reused, err = latent.EncodeVideosCached(ctx, v, phys, o.Data, o.Run, o.Seed)
	} else {
		z, reused, err = latent.EncodeCached(ctx, v, phys, o.Data, o.Run, o.Seed)
	}
	if err != nil {
		return nil, "", fmt.Errorf("--data %s: encoding with --latent %s: %w", o.Data, o.Latent, err)
	}
	if reused {
		return z, "the run's cached encoding of " + what, nil
	}
	return z, "encoded " + what, nil
}

// encodeLatentVal reads and encodes the validation fields (nil without --val).
func encodeLatentVal(ctx context.Context, o Options, b guard.Budget, v *latent.VAE, va *cli.Input) (*data.Array, error) {
	if va == nil {
		return nil, nil
	}
	vs, err := ReadSeries(b, va)
	if err != nil {
		return nil, err
	}
	z, err := v.Encode(ctx, data.FromFloat32(vs.Data, vs.Shape...), o.Seed)
	if err != nil {
		return nil, fmt.Errorf("--val %s: encoding with --latent %s: %w", o.Val, o.Latent, err)
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
