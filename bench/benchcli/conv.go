package benchcli

import (
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/convbench"
	"github.com/tidal-forecast/tidal/cli"
)

func init() {
	var (
		quick    bool
		batch    int
		sizes    []int
		channels []int
		minTime  time.Duration
	)
	cmd := &cobra.Command{
		Use: "conv",
		Example: `  tidal bench conv --quick
  tidal bench conv --sizes 32,64 --widths 32,64 --batch 8 --time 2s`,
		Short: "Time a 3×3 convolution training step: native vs tidal's im2col vs matmul",
		Long: `conv times one training step (forward, and the gradients w.r.t. input and kernel) of a 3×3
zero-padded convolution with as many channels in as out, on the pure-Go backend, three ways in the
same run: GoMLX's native convolution, tidal's convolution (nn.Conv2D, im2col + one matmul), and the
three matmuls of the same FLOPs in their fastest layouts. It prints GFLOP/s for each and the ratios
tidal/native and tidal/matmul. Steps of tidal and of the matmul alternate, and the median step is
reported. The default cases take about a minute, the native convolution most of it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := cli.BackendName()
			if err != nil {
				return err
			}
			if name != backend.Go {
				return fmt.Errorf("bench conv measures the pure-Go backend; --backend %q is not supported here", name)
			}
			opt := convbench.Options{MinTime: minTime}
			if quick {
				sizes, channels = []int{32}, []int{32}
				opt.MinTime = min(minTime, time.Second)
			}
			if err := checkNetBench("conv", batch, sizes, channels, minTime, 4*24); err != nil {
				return err
			}
			for _, s := range sizes {
				for _, c := range channels {
					opt.Cases = append(opt.Cases, convbench.Case{Batch: batch, Size: s, Channels: c})
				}
			}
			be, err := backend.New(backend.Go)
			if err != nil {
				return err
			}
			defer be.Finalize()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "tidal bench conv: %s, GOMAXPROCS=%d\n", be.Description(), runtime.GOMAXPROCS(0))
			fmt.Fprintf(out, "load average before: %s\n", benchenv.LoadAverage())
			opt.Log = out
			results, err := convbench.Measure(be, opt)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "load average after:  %s\n\n", benchenv.LoadAverage())
			return convbench.WriteTable(out, results)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "only the 32²×32 case, timed for at most 1 s (a few seconds in all)")
	f.IntVar(&batch, "batch", 16, "batch size (images per step)")
	f.IntSliceVar(&sizes, "sizes", []int{32, 64}, "image sizes S (S×S pixels)")
	f.IntSliceVar(&channels, "widths", []int{32, 64}, "channels C (in = out), one case each")
	cli.DeprecatedAlias(f, "channels", "widths")
	f.DurationVar(&minTime, "time", 2*time.Second, "how long tidal and the matmul are timed per case")
	benchCmd.AddCommand(cmd)
}
