package benchcli

import (
	"fmt"
	"io"
	"time"

	"github.com/gomlx/compute"
	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/videobench"
	"github.com/tidal-forecast/tidal/cli"
)

func init() {
	var (
		quick           bool
		batch, frames   int
		sizes, channels []int
		threads         []int
		minTime         time.Duration
		profile         string
		branches        int
		unet            bool
	)
	cmd := &cobra.Command{
		Use: "video-step",
		Example: `  tidal bench video-step --quick
  tidal bench video-step --sizes 32 --widths 32 --frames 8 --batch 2 --unet`,
		Short: "Time a video-denoiser AdamW training step against the machine's matmul floor",
		Long: `video-step builds DyDiff's video denoiser (nets.VideoUNet with videobench.Config: the
train-step benchmark's UNet per frame, 2 data channels, temporal convolutions after every residual
block, temporal attention in the middle) and times AdamW training steps of the DyDiff loss on
--batch windows of --frames frames (a quarter of them context) on the pure-Go backend (with
--backend cuda, on the GPU; --threads and --branches are then ignored). In alternation with the steps
it times the matmul reference of bench train-step for batch·frames images. It prints the median step
time, the step's FLOPs (nets.VideoUNet.FLOPs), the matmul rate, the floor (FLOPs at that rate),
time/floor, and the same in process CPU time (cpu/floor: the work done, which other jobs on a shared
machine move less than the wall time). --unet also times bench train-step's 2D UNet on batch·frames
images in the same alternation, as a control. See docs/PERFORMANCE.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			name, err := cli.BackendName()
			if err != nil {
				return err
			}
			opt := videobench.Options{MinTime: minTime, Branches: branches, UNet: unet}
			if quick {
				sizes, channels = []int{32}, []int{32}
				opt.MinTime = min(minTime, 2*time.Second)
			}
			if err := checkThreads(threads, branches); err != nil {
				return err
			}
			if err := checkVideoBench(batch, frames, sizes, channels, minTime); err != nil {
				return err
			}
			for _, s := range sizes {
				for _, c := range channels {
					opt.Cases = append(opt.Cases, videobench.Case{Batch: batch, Frames: frames, Size: s, Channels: c})
				}
			}
			out := cmd.OutOrStdout()
			stop, err := startCPUProfile(profile)
			if err != nil {
				return err
			}
			defer func() { err = stop(err) }()
			if name != backend.Go {
				be, err := backend.New(name)
				if err != nil {
					return err
				}
				defer be.Finalize()
				opt.Branches = 1
				return benchVideoStep(out, be, fmt.Sprintf("%s backend, %s", name, be.Description()), opt)
			}
			return eachThreadCount(threads, "", func(be compute.Backend, _ int) error {
				return benchVideoStep(out, be, fmt.Sprintf("%s, %s", be.Description(), benchenv.Describe()), opt)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "only the 32², 32-channel case, timed for at most 2 s")
	f.IntVar(&batch, "batch", 2, "windows per step")
	f.IntVar(&frames, "frames", 8, "frames per window (a quarter of them, rounded down, are context)")
	f.IntSliceVar(&sizes, "sizes", []int{32, 64}, "frame sizes S (S×S pixels)")
	f.IntSliceVar(&channels, "widths", []int{32}, "base channels of the network, one case each")
	cli.DeprecatedAlias(f, "channels", "widths")
	f.IntSliceVar(&threads, "threads", []int{0}, "threads (GOMAXPROCS and the backend's worker pool), 0 = all cores; a list runs each")
	f.DurationVar(&minTime, "time", 5*time.Second, "how long each case is timed")
	f.IntVar(&branches, "branches", 0, "batch branches of the network (nets.Config.Branches); 0 = its default (the threads)")
	f.BoolVar(&unet, "unet", false, "also time bench train-step's 2D UNet on batch·frames images in the same alternation, as a control")
	f.StringVar(&profile, "profile", "", "write a pprof CPU profile of the whole run to this file")
	benchCmd.AddCommand(cmd)
}

// benchVideoStep runs the benchmark on be and prints its lines and table, headed by desc.
func benchVideoStep(out io.Writer, be compute.Backend, desc string, opt videobench.Options) error {
	fmt.Fprintf(out, "tidal bench video-step: %s\n", desc)
	opt.Log = out
	results, err := videobench.Run(be, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "load average after: %s\n\n", benchenv.LoadAverage())
	if err := videobench.WriteTable(out, results); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return nil
}
