package benchcli

import (
	"context"
	"fmt"
	"os"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/pushbench"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/guard"
)

func init() {
	var quick bool
	var protocol, dir, dataPath string
	var seed uint64
	var pMean float64
	var steps, samplerSteps, size, members, channels, batch, videos, testVideos int
	cmd := &cobra.Command{
		Use: "video",
		Example: `  tidal bench video --quick --protocol bair --dir bench-video
  tidal bench video --protocol robonet --data pushing.npz --test-videos 32 --dir bench-video`,
		Short: "Action-conditioned video prediction: DyDiff vs DPM vs persistence, PSNR and SSIM per frame (BAIR, RoboNet protocols)",
		Long: `video runs Guo et al.'s video prediction comparison on robot-pushing videos (docs/VIDEO.md): DyDiff
(η 0.5) and the DPM baseline (η 0), trained with the same network, steps and seed and conditioned on
the actions, forecast every test video from its first observed frames under its own actions; copy-last-
frame persistence is the reference. The table gives, per predicted frame and on average, the mean over
test videos and members of PSNR (dB) and SSIM against the truth. --protocol bair observes 1 frame and
predicts 15, robonet observes 2 and predicts 10. The videos are generated from --seed (tidal data pushing)
unless --data names a video file, whose last --test-videos videos are the test set. The default setting
(64², 256 training videos, 2000 steps) takes hours on a CPU; --quick is a few minutes (16², 64 videos,
300 steps). FVD and LPIPS need pretrained networks that cannot ship and are not computed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := pushbench.ParseProtocol(protocol)
			if err != nil {
				return fmt.Errorf("--%w", err)
			}
			o := pushbench.Default(p)
			if quick {
				o = pushbench.Quick(p)
			}
			o.Seed = seed
			if cmd.Flags().Changed("p-mean") {
				if err := guard.First(guard.Between("p-mean", pMean, -10, 10)); err != nil {
					return err
				}
				o.PMean = pMean
			}
			given := map[string]int{"steps": steps, "sampler-steps": samplerSteps, "size": size, "members": members, "channels": channels,
				"batch": batch, "videos": videos, "test-videos": testVideos}
			for name, q := range map[string]*int{"steps": &o.Steps, "sampler-steps": &o.SamplerSteps, "size": &o.Size, "members": &o.Members,
				"channels": &o.Channels, "batch": &o.Batch, "videos": &o.TrainVideos, "test-videos": &o.TestVideos} {
				if cmd.Flags().Changed(name) {
					*q = given[name]
				}
			}
			if err := guard.First(guard.Int("steps", o.Steps, 1, 1<<24), guard.Int("sampler-steps", o.SamplerSteps, 1, 1000),
				guard.Int("size", o.Size, 11, 256), guard.Int("members", o.Members, 1, 256), guard.Int("channels", o.Channels, 4, 1024),
				guard.Int("batch", o.Batch, 1, 1<<12), guard.Int("videos", o.TrainVideos, 1, 1<<20), guard.Int("test-videos", o.TestVideos, 1, 1<<16)); err != nil {
				return err
			}
			b, err := cli.Budget()
			if err != nil {
				return err
			}
			if dataPath != "" {
				if cmd.Flags().Changed("size") || cmd.Flags().Changed("videos") {
					return fmt.Errorf("--size and --videos size the generated videos; --data %s gives its own", dataPath)
				}
				if _, _, err := dataset.StatVideos(dataPath); err != nil {
					return fmt.Errorf("--data: %w", err)
				}
				mem, _ := b.Mem()
				if o.Data, err = dataset.ReadVideos(data.Reader{MaxBytes: mem}, dataPath); err != nil {
					return fmt.Errorf("--data: %w", err)
				}
			} else {
				L := int64(p.Context + p.Predict)
				need := guard.Product(int64(o.TrainVideos+o.TestVideos), L, int64(o.Size), int64(o.Size), 3*4*3)
				if err := b.CheckMemory(fmt.Sprintf("bench video: %d videos of %d frames of %d² RGB", o.TrainVideos+o.TestVideos, L, o.Size), need); err != nil {
					return err
				}
			}
			if dir == "" {
				if dir, err = os.MkdirTemp("", "tidal-bench-video-"); err != nil {
					return err
				}
				defer os.RemoveAll(dir)
			}
			o.Dir = dir
			name, be, err := cli.NewBackend()
			if err != nil {
				return err
			}
			defer be.Finalize()
			o.Backend, o.Log = be, cmd.ErrOrStderr()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "tidal bench video: backend %s, %s, GOMAXPROCS %d, seed %d\n", name, benchenv.Describe(), runtime.GOMAXPROCS(0), seed)
			r, err := pushbench.Run(context.Background(), o)
			if err != nil {
				return err
			}
			r.Table(out)
			fmt.Fprintf(out, "load average after: %s\n", benchenv.LoadAverage())
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "a few-minute comparison (16², 64 training videos, 300 steps, 2 members)")
	f.StringVar(&protocol, "protocol", "bair", "bair (1 observed → 15 predicted) or robonet (2 → 10)")
	f.StringVar(&dataPath, "data", "", "a video file (tidal data pushing) instead of generated videos")
	f.Uint64Var(&seed, "seed", 1, "seed of the videos, weights, training and sampling")
	f.StringVar(&dir, "dir", "", "folder for the run directories (kept; a rerun resumes); default a temporary one")
	f.IntVar(&steps, "steps", 0, "training steps of each model (default: the mode's)")
	f.IntVar(&samplerSteps, "sampler-steps", 0, "Heun steps of every forecast (default 10)")
	f.IntVar(&size, "size", 0, "pixels per side of the generated videos (default: the mode's)")
	f.IntVar(&members, "members", 0, "members per test video (default: the mode's)")
	f.IntVar(&channels, "channels", 0, "base width of both models' UNet (default: the mode's)")
	f.IntVar(&batch, "batch", 0, "windows per training step (default: the mode's)")
	f.IntVar(&videos, "videos", 0, "generated training videos (default: the mode's)")
	f.IntVar(&testVideos, "test-videos", 0, "test videos (default: the mode's)")
	f.Float64Var(&pMean, "p-mean", 0.8, "EDM training noise levels ln σ ~ N(p-mean, 1.2²) of both models (0.8 trains the high levels where the actions matter; docs/VIDEO.md)")
	benchCmd.AddCommand(cmd)
}
