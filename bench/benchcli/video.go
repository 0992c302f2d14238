package benchcli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/pushbench"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/guard"
)

// videoFlags are the flags of `bench video`; zero integers take the mode's value.
type videoFlags struct {
	quick                                                                     bool
	protocol, dir, dataPath, models, out                                      string
	seed                                                                      uint64
	pMean                                                                     float64
	steps, samplerSteps, size, members, channels, batch, videos, testVideos   int
	vaeChannels, vaeLatent, vaeSteps, vaeBatch, ditHidden, ditDepth, ditPatch int
	vaeMults                                                                  []int
}

func init() {
	var fl videoFlags
	cmd := &cobra.Command{
		Use: "video",
		Example: `  tidal bench video --quick --protocol bair --dir bench-video --out video.json
  tidal bench video --quick --models dydiff,dpm,dydiff-latent,dpm-latent
  tidal bench video --protocol robonet --data pushing.npz --test-videos 32 --dir bench-video`,
		Short: "Action-conditioned video prediction: DyDiff vs DPM, pixel vs latent space, UNet vs DiT, vs persistence; PSNR and SSIM per frame",
		Long: `video runs Guo et al.'s video prediction comparison on robot-pushing videos (docs/VIDEO.md): DyDiff
(η 0.5) and the DPM baseline (η 0), trained with the same steps, batch and seed and conditioned on the
actions, forecast every test video from its first observed frames under its own actions; copy-last-frame
persistence is the reference. --models picks the rows: dydiff and dpm (a UNet on the frames),
dydiff-latent and dpm-latent (the same UNet in the latent space of a per-frame KL VAE trained on the
training videos' frames, --vae-*; the forecasts are decoded and scored as frames) and dydiff-dit and
dpm-dit (a diffusion transformer, --hidden, --depth, --patch, sized by default to within about 10 % of the UNet's
parameters). The table gives each model's parameters, the VAE's reconstruction PSNR on the test videos'
frames, and per predicted frame and on average the mean over test videos and members of PSNR (dB) and
SSIM against the truth. --protocol bair observes 1 frame and predicts 15, robonet observes 2 and predicts
10. The videos are generated from --seed (tidal data pushing) unless --data names a video file, whose last
--test-videos videos are the test set. The default setting (64², 256 training videos, 2000 steps) takes
hours on a CPU; --quick is minutes (16², 64 videos, 300 steps). FVD and LPIPS need pretrained networks
that cannot ship and are not computed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runBenchVideo(cmd, &fl) },
	}
	f := cmd.Flags()
	f.BoolVar(&fl.quick, "quick", false, "a few-minute comparison (16², 64 training videos, 300 steps, 2 members)")
	f.StringVar(&fl.protocol, "protocol", "bair", "bair (1 observed → 15 predicted) or robonet (2 → 10)")
	f.StringVar(&fl.dataPath, "data", "", "a video file (tidal data pushing) instead of generated videos")
	f.Uint64Var(&fl.seed, "seed", 1, "seed of the videos, weights, training and sampling")
	f.StringVar(&fl.dir, "dir", "", "folder for the run directories (kept; a rerun resumes); default a temporary one")
	f.StringVar(&fl.models, "models", "all", "comma-separated models to train and score: "+strings.Join(pushbench.ModelNames, ", ")+", or all")
	f.StringVar(&fl.out, "out", "", "also write the result (settings, parameter counts, VAE record, scores) as JSON to this file")
	f.IntVar(&fl.steps, "steps", 0, "training steps of each model (default: the mode's)")
	f.IntVar(&fl.samplerSteps, "sampler-steps", 0, "Heun steps of every forecast (default 10)")
	f.IntVar(&fl.size, "size", 0, "pixels per side of the generated videos (default: the mode's)")
	f.IntVar(&fl.members, "members", 0, "members per test video (default: the mode's)")
	f.IntVar(&fl.channels, "channels", 0, "base width of the models' UNet (default: the mode's)")
	f.IntVar(&fl.batch, "batch", 0, "windows per training step (default: the mode's)")
	f.IntVar(&fl.videos, "videos", 0, "generated training videos (default: the mode's)")
	f.IntVar(&fl.testVideos, "test-videos", 0, "test videos (default: the mode's)")
	f.Float64Var(&fl.pMean, "p-mean", 0.8, "EDM training noise levels ln σ ~ N(p-mean, 1.2²) of every model (0.8 trains the high levels where the actions matter; docs/VIDEO.md)")
	f.IntVar(&fl.vaeChannels, "vae-channels", 0, "base width of the latent models' VAE (default: quick 16, else 32)")
	f.IntVar(&fl.vaeLatent, "vae-latent-channels", 0, "latent channels of the VAE (default 4)")
	f.IntSliceVar(&fl.vaeMults, "vae-mults", nil, "level multipliers of the VAE; latents are size/2^(levels−1) a side (default: quick 1,2 → 8², else 1,2,4 → 16²)")
	f.IntVar(&fl.vaeSteps, "vae-steps", 0, "training steps of the VAE (default: quick 400, else 2000)")
	f.IntVar(&fl.vaeBatch, "vae-batch", 0, "frames per VAE training step (default 16)")
	f.IntVar(&fl.ditHidden, "hidden", 0, "token width of the DiT models (default: quick 32, else 96; a multiple of 4)")
	f.IntVar(&fl.ditDepth, "depth", 0, "blocks of the DiT models (default: quick 6, else 4)")
	f.IntVar(&fl.ditPatch, "patch", 0, "patch side of the DiT models (default 4)")
	benchCmd.AddCommand(cmd)
}

// runBenchVideo resolves the flags into options, runs the benchmark and prints (and writes) its result.
func runBenchVideo(cmd *cobra.Command, fl *videoFlags) error {
	o, err := videoOptions(cmd.Flags(), fl)
	if err != nil {
		return err
	}
	var inputs []*cli.Input
	if fl.dataPath != "" {
		inputs = append(inputs, &cli.Input{Flag: "data", Path: fl.dataPath})
	}
	if err := cli.CheckOutputs(inputs, [2]string{"out", fl.out}); err != nil { // before hours of training
		return err
	}
	b, err := cli.Budget()
	if err != nil {
		return err
	}
	if err := videoData(b, cmd.Flags(), fl, &o); err != nil {
		return err
	}
	if o.Dir = fl.dir; o.Dir == "" {
		if o.Dir, err = os.MkdirTemp("", "tidal-bench-video-"); err != nil {
			return err
		}
		defer os.RemoveAll(o.Dir)
	}
	name, be, err := cli.NewBackend()
	if err != nil {
		return err
	}
	defer be.Finalize()
	o.Backend, o.Log = be, cmd.ErrOrStderr()
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "tidal bench video: backend %s, %s, GOMAXPROCS %d, seed %d\n", name, benchenv.Describe(), runtime.GOMAXPROCS(0), fl.seed)
	r, err := pushbench.Run(context.Background(), o)
	if err != nil {
		return err
	}
	r.Table(out)
	fmt.Fprintf(out, "load average after: %s\n", benchenv.LoadAverage())
	if fl.out == "" {
		return nil
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("--out %s: the result (printed above) has no JSON form: %w", fl.out, err)
	}
	if err := atomicfile.WriteFile(fl.out, append(js, '\n')); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// videoOptions resolves the mode, the protocol and the flags given into options, each flag checked
// against its range.
func videoOptions(f *pflag.FlagSet, fl *videoFlags) (pushbench.Options, error) {
	p, err := pushbench.ParseProtocol(fl.protocol)
	if err != nil {
		return pushbench.Options{}, fmt.Errorf("--%w", err)
	}
	o := pushbench.Default(p)
	if fl.quick {
		o = pushbench.Quick(p)
	}
	o.Seed = fl.seed
	if o.Models, err = pushbench.ParseModels(fl.models); err != nil {
		return o, fmt.Errorf("--models: %w", err)
	}
	if f.Changed("p-mean") {
		if err := guard.First(guard.Between("p-mean", fl.pMean, -10, 10)); err != nil {
			return o, err
		}
		o.PMean = fl.pMean
	}
	for _, q := range []struct {
		name   string
		given  int
		to     *int
		lo, hi int
	}{{"steps", fl.steps, &o.Steps, 1, 1 << 24}, {"sampler-steps", fl.samplerSteps, &o.SamplerSteps, 1, 1000}, {"size", fl.size, &o.Size, 11, 256},
		{"members", fl.members, &o.Members, 1, 256}, {"channels", fl.channels, &o.Channels, 4, 1024}, {"batch", fl.batch, &o.Batch, 1, 1 << 12},
		{"videos", fl.videos, &o.TrainVideos, 1, 1 << 20}, {"test-videos", fl.testVideos, &o.TestVideos, 1, 1 << 16},
		{"vae-channels", fl.vaeChannels, &o.VAE.Channels, 2, 1024}, {"vae-latent-channels", fl.vaeLatent, &o.VAE.LatentChannels, 1, 64},
		{"vae-steps", fl.vaeSteps, &o.VAE.Steps, 1, 1 << 24}, {"vae-batch", fl.vaeBatch, &o.VAE.Batch, 1, 1 << 12},
		{"hidden", fl.ditHidden, &o.DiT.Hidden, 4, 4096}, {"depth", fl.ditDepth, &o.DiT.Depth, 1, 64}, {"patch", fl.ditPatch, &o.DiT.Patch, 1, 64}} {
		if f.Changed(q.name) {
			if err := guard.Int(q.name, q.given, q.lo, q.hi); err != nil {
				return o, err
			}
			*q.to = q.given
		}
	}
	if f.Changed("vae-mults") {
		if len(fl.vaeMults) < 1 || len(fl.vaeMults) > 5 {
			return o, fmt.Errorf("--vae-mults %v: expected 1 to 5 levels", fl.vaeMults)
		}
		if err := guard.Ints("vae-mults", fl.vaeMults, 1, 16); err != nil {
			return o, err
		}
		o.VAE.Mults = fl.vaeMults
	}
	if o.DiT.Hidden%4 != 0 {
		return o, fmt.Errorf("--hidden %d: expected a multiple of 4 (the 2D sin-cos position embedding)", o.DiT.Hidden)
	}
	if f := 1 << (len(o.VAE.Mults) - 1); fl.dataPath == "" && o.Size%f != 0 {
		return o, fmt.Errorf("--vae-mults %v halve the grid %d times; --size %d is not a multiple of %d", o.VAE.Mults, len(o.VAE.Mults)-1, o.Size, f)
	}
	return o, nil
}

// videoData reads --data into the options, or checks the memory the generated videos need.
func videoData(b guard.Budget, f *pflag.FlagSet, fl *videoFlags, o *pushbench.Options) error {
	if fl.dataPath == "" {
		L := int64(o.Protocol.Context + o.Protocol.Predict)
		need := guard.Product(int64(o.TrainVideos+o.TestVideos), L, int64(o.Size), int64(o.Size), 3*4*3)
		return b.CheckMemory(fmt.Sprintf("bench video: %d videos of %d frames of %d² RGB", o.TrainVideos+o.TestVideos, L, o.Size), need)
	}
	if f.Changed("size") || f.Changed("videos") {
		return fmt.Errorf("--size and --videos size the generated videos; --data %s gives its own", fl.dataPath)
	}
	if _, _, err := dataset.StatVideos(fl.dataPath); err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	mem, _ := b.Mem()
	var err error
	if o.Data, err = dataset.ReadVideos(data.Reader{MaxBytes: mem}, fl.dataPath); err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	return nil
}
