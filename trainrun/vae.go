package trainrun

import (
	"fmt"
	"io"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/latent"
	"github.com/tidal-forecast/tidal/train"
)

// VAEOptions are the settings of one training run of the per-frame KL autoencoder (latent.TrainSpec;
// Rombach et al. 2022), named for the flags of `tidal train vae` that give them (docs/LATENT.md); the
// errors of PrepareVAE name those flags.
type VAEOptions struct {
	// Data is the training file (--data), Run the run directory (--run).
	Data, Run string
	// The VAE (--channels, --mults, --blocks, --groups, --latent-channels, --kl-weight, --recon,
	// --encode, --periodic).
	Channels, Blocks, Groups, LatentChannels int
	Mults                                    []int
	KLWeight                                 float64
	Recon, Encode                            string
	Periodic                                 bool
	// The loop (--steps, --batch, --lr, --seed, --log-every, --checkpoint-every, --keep-checkpoints),
	// the held-out frames (--held-out, 0: a tenth) and --start-over.
	Steps, Batch, HeldOut, LogEvery, CheckpointEvery, KeepCheckpoints int
	LR                                                                float64
	Seed                                                              uint64
	StartOver                                                         bool
	// Budget bounds the memory (the zero value: what the machine has); Backend makes the backend
	// (nil: $TIDAL_BACKEND's).
	Budget  guard.Budget
	Backend func() (string, compute.Backend, error)
	// Log hears the loop's progress, Stderr the summary line (nil: silent).
	Log, Stderr io.Writer
}

// VAERun is a prepared VAE training run: the trainer, the run directory (whose Guard removes a run
// that fails before its first step) and the held-out frames.
type VAERun struct {
	Trainer *latent.Trainer
	Out     *cli.TrainOut
	HeldOut int
	release func()
}

// Close releases the run's backend.
func (r *VAERun) Close() { r.release() }

// PrepareVAE checks the options and --data (frames the levels can halve), reads the frames within the
// memory budget and prepares the VAE's run; errors name the flag or file. Close the run when done.
func PrepareVAE(o VAEOptions) (*VAERun, error) {
	if o.Run == "" {
		return nil, fmt.Errorf("--run is required: the run directory")
	}
	if err := checkTrainVAEFlags(o); err != nil {
		return nil, err
	}
	b := o.Budget
	tr, hold, to, err := vaeTrainInputs(o)
	if err != nil {
		return nil, err
	}
	C, H, W := tr.Shape[1], tr.Shape[2], tr.Shape[3]
	if err := checkVAEMemory(o, b, tr); err != nil {
		return nil, err
	}
	c := latent.Config{Method: latent.Method, Frame: []int{C, H, W}, LatentChannels: o.LatentChannels, Channels: o.Channels,
		Mults: o.Mults, Blocks: o.Blocks, Groups: o.Groups, Periodic: o.Periodic, KLWeight: o.KLWeight, Recon: o.Recon, Encode: o.Encode}
	t := train.Defaults()
	t.Steps, t.BatchSize, t.LR, t.Seed = o.Steps, o.Batch, o.LR, int64(o.Seed)
	t.LogEvery, t.CheckpointEvery, t.Keep = o.LogEvery, o.CheckpointEvery, o.KeepCheckpoints
	spec := latent.TrainSpec{HoldOut: hold, Config: c, Options: t, Dir: o.Run, Log: o.Log, StartOver: o.StartOver}
	if spec.Data, err = readVAEFrames(o, b, tr); err != nil {
		return nil, err
	}
	name, be, err := newBackend(o.Backend)
	if err != nil {
		return nil, err
	}
	spec.Backend = be
	lt, err := latent.NewTrainer(spec)
	if err != nil {
		be.Finalize()
		return nil, fmt.Errorf("--data %s: %w", o.Data, err)
	}
	if o.Stderr != nil {
		fmt.Fprintf(o.Stderr, "train vae: %d-parameter VAE, frames %v → latents %v, %d training and %d held-out frames, backend %s\n",
			lt.Model.NumParams(), c.Frame, c.LatentFrame(), lt.Frames, hold, name)
	}
	return &VAERun{Trainer: lt, Out: to, HeldOut: hold, release: be.Finalize}, nil
}

// checkTrainVAEFlags refuses bad flags of `train vae` by name.
func checkTrainVAEFlags(o VAEOptions) error {
	if err := guard.First(
		guard.Int("steps", o.Steps, 1, 1<<30), guard.Int("batch", o.Batch, 1, 1<<16), guard.Finite("lr", o.LR),
		guard.Int("channels", o.Channels, 1, 4096), guard.Ints("mults", o.Mults, 1, 64), guard.Int("blocks", o.Blocks, 1, 64),
		guard.Int("groups", o.Groups, 1, 4096), guard.Int("latent-channels", o.LatentChannels, 1, 1024),
		guard.Between("kl-weight", o.KLWeight, 0, 1e6), guard.Int("held-out", o.HeldOut, 0, 1<<30),
		guard.Int("log-every", o.LogEvery, 1, 1<<30), guard.Int("checkpoint-every", o.CheckpointEvery, 1, 1<<30),
		guard.Int("keep-checkpoints", o.KeepCheckpoints, 1, 1<<20),
	); err != nil {
		return err
	}
	switch {
	case !(o.LR > 0):
		return fmt.Errorf("--lr %v: expected a learning rate > 0", o.LR)
	case len(o.Mults) == 0 || len(o.Mults) > 8:
		return fmt.Errorf("--mults %v: expected 1 to 8 levels", o.Mults)
	case o.Recon != latent.ReconL1 && o.Recon != latent.ReconL2:
		return fmt.Errorf("--recon %q: expected l1 or l2", o.Recon)
	case o.Encode != latent.EncodeMean && o.Encode != latent.EncodeSample:
		return fmt.Errorf("--encode %q: expected mean or sample", o.Encode)
	case o.CheckpointEvery%o.LogEvery != 0:
		return fmt.Errorf("--checkpoint-every %d: expected a multiple of --log-every %d", o.CheckpointEvery, o.LogEvery)
	}
	return nil
}

// vaeTrainInputs checks --data (frames the levels can halve: fields [frames, C, H, W], or a video file
// whose videos' frames it takes end to end), the held-out frames and the run directory, which must hold
// a VAE run if anything.
func vaeTrainInputs(o VAEOptions) (tr *cli.Input, hold int, to *cli.TrainOut, err error) {
	if IsVideoFile(o.Data) { // every frame of every video, laid end to end
		shape, _, err := StatVideoFlag("data", o.Data)
		if err != nil {
			return nil, 0, nil, err
		}
		tr = &cli.Input{Flag: "data", Path: o.Data, Shape: append([]int{shape[0] * shape[1]}, shape[2:]...), DType: data.Float32}
	} else if tr, err = cli.StatInput("data", o.Data, 4, 4, "[frames, channels, height, width]"); err != nil {
		return nil, 0, nil, err
	}
	T, H, W := tr.Shape[0], tr.Shape[2], tr.Shape[3]
	if f := 1 << (len(o.Mults) - 1); H%f != 0 || W%f != 0 {
		return nil, 0, nil, fmt.Errorf("%s has frames of %d×%d: the %d levels of --mults %v downsample ×%d, which must divide the height and width (crop or pad the data, or use fewer levels)",
			tr, H, W, len(o.Mults), o.Mults, f)
	}
	hold = o.HeldOut
	if hold == 0 {
		hold = max(1, T/10)
	}
	if hold >= T {
		return nil, 0, nil, fmt.Errorf("%s has %d frames: --held-out %d leaves none to train on", tr, T, hold)
	}
	to, err = cli.CheckTrainOut(o.Run, tr)
	if err != nil {
		return nil, 0, nil, err
	}
	if to.Existed() && !latent.IsRun(o.Run) {
		if c := recordedMethod(o.Run); c != "" {
			return nil, 0, nil, fmt.Errorf("--run %s records a run of method %q (options.json), not a VAE run: give a new folder", o.Run, c)
		}
	}
	return tr, hold, to, nil
}

// readVAEFrames reads the frames of --data within the budget: the fields, or every frame of the videos
// of a video file laid end to end (the last ones held out are then the last video's).
func readVAEFrames(o VAEOptions, b guard.Budget, tr *cli.Input) (*data.Array, error) {
	if !IsVideoFile(o.Data) {
		return tr.Read(b)
	}
	v, err := ReadVideoFlag("data", o.Data, b)
	if err != nil {
		return nil, err
	}
	return latent.VideoFrames(v.Frames), nil
}

// checkVAEMemory checks the memory a VAE's training needs: the data three times and the activations of
// a batch.
func checkVAEMemory(o VAEOptions, b guard.Budget, tr *cli.Input) error {
	C, H, W := tr.Shape[1], tr.Shape[2], tr.Shape[3]
	top := int64(o.Channels) * int64(maxInt(o.Mults))
	act := guard.Product(int64(o.Batch), int64(H*W), top, 4, int64(8*(2*o.Blocks+3)*len(o.Mults)))
	need := guard.Sum(guard.Product(tr.Bytes(), 3), act)
	return b.CheckMemory(fmt.Sprintf("training a VAE on batches of %d frames [%d, %d, %d]", o.Batch, C, H, W), need)
}

// maxInt is the largest of xs (0 for none).
func maxInt(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// FrameBytes is the size of n latent or physical frames of shape frame, float32.
func FrameBytes(n int, frame []int) int64 {
	return guard.Product(int64(n), int64(data.NumElements(frame)), 4)
}
