package main

import (
	"fmt"
	"io"
	"time"

	"github.com/gomlx/compute"
	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/internal/benchenv"
	"github.com/tidal-forecast/tidal/internal/netbench"
	"github.com/tidal-forecast/tidal/internal/pyref"
)

func init() {
	var (
		quick    bool
		batch    int
		sizes    []int
		channels []int
		threads  []int
		minTime  time.Duration
		profile  string
		goConfig string
		branches int
		torch    bool
		script   string
	)
	cmd := &cobra.Command{
		Use: "train-step",
		Example: `  tidal bench train-step --quick
  tidal bench train-step --sizes 32,64 --widths 32,64 --threads 1,0 --torch`,
		Short: "Time a UNet AdamW training step against the machine's matmul floor",
		Long: `train-step builds tidal's denoiser UNet (netbench.Config: 3 channels in, 1 out, channel
multipliers 1,2,2, 2 residual blocks per level, attention in the middle) and times AdamW training
steps on the pure-Go backend (with --backend cuda, on the GPU through XLA, with GoMLX's native
convolution; the CPU-only flags are then ignored). In alternation with the steps it times the matmul reference: the three
matmuls of a 3×3 convolution training step with the base channels at full resolution, in the
backend's fastest layouts. It prints the median step time, the step's FLOPs (forward + backward of
every convolution, dense layer and attention product, counted from the layer shapes), the matmul
rate, the floor (FLOPs at that rate) and time/floor, and for context the rate of a 1024³ matmul and
the step's time over the floor at that rate. --torch runs scripts/torch_trainstep.py (the same network
in PyTorch, eager and torch.compile where available) at the same sizes and threads and prints the
ratios. See docs/PERFORMANCE.md.

--threads sets GOMAXPROCS and so the Go backend's worker pool (2·threads workers, threads graph
executors: backend.GoConfig); 0 means all cores. Give several (--threads 1,0) to measure each in turn.
--go-config appends options of the Go backend (e.g. ops_sequential, num_executors=4).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			name, err := backend.Resolve(backendFlag)
			if err != nil {
				return err
			}
			opt := netbench.Options{MinTime: minTime, Branches: branches}
			if quick {
				sizes, channels = []int{32}, []int{32}
				opt.MinTime = min(minTime, 2*time.Second)
			}
			if err := checkNetBench("train-step", batch, sizes, channels, minTime, 4*200); err != nil {
				return err
			}
			if err := checkThreads(threads, branches); err != nil {
				return err
			}
			if profile != "" {
				in := []*inputArray{{flag: "torch-script", path: script}}
				if err := checkOutputs(in, [2]string{"profile", profile}); err != nil {
					return err
				}
			}
			for _, s := range sizes {
				for _, c := range channels {
					opt.Cases = append(opt.Cases, netbench.Case{Batch: batch, Size: s, Channels: c})
				}
			}
			out := cmd.OutOrStdout()
			stop, err := startCPUProfile(profile)
			if err != nil {
				return err
			}
			defer func() { err = stop(err) }()
			if name != backend.Go {
				return benchTrainStepOn(out, name, opt)
			}
			return eachThreadCount(threads, goConfig, func(be compute.Backend, n int) error {
				fmt.Fprintf(out, "tidal bench train-step: %s, %s\n", be.Description(), benchenv.Describe())
				opt.Log = out
				results, err := netbench.Measure(be, opt)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "load average after: %s\n\n", benchenv.LoadAverage())
				if err := netbench.WriteTable(out, results); err != nil {
					return err
				}
				fmt.Fprintln(out)
				if torch {
					return compareTorch(out, script, n, results)
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "only the 16×32²×32 case, timed for at most 2 s")
	f.IntVar(&batch, "batch", 16, "batch size (images per step)")
	f.IntSliceVar(&sizes, "sizes", []int{32, 64}, "image sizes S (S×S pixels)")
	f.IntSliceVar(&channels, "widths", []int{32, 64}, "base channels of the UNet, one case each")
	deprecatedAlias(f, "channels", "widths")
	f.IntSliceVar(&threads, "threads", []int{0}, "threads (GOMAXPROCS and the backend's worker pool), 0 = all cores; a list runs each")
	f.DurationVar(&minTime, "time", 5*time.Second, "how long each case is timed")
	f.IntVar(&branches, "branches", 0, "batch branches of the UNet (nets.Config.Branches); 0 = its default (the threads)")
	f.StringVar(&goConfig, "go-config", "", "extra options of the Go backend, comma-separated (e.g. ops_parallel)")
	f.BoolVar(&torch, "torch", false, "also time the PyTorch reference (--torch-script, Python with torch) at the same sizes and threads")
	f.StringVar(&script, "torch-script", "scripts/torch_trainstep.py", "the PyTorch reference script")
	f.StringVar(&profile, "profile", "", "write a pprof CPU profile of the whole run to this file")
	benchCmd.AddCommand(cmd)
}

// compareTorch runs the PyTorch reference at the same cases and threads and prints the ratios.
func compareTorch(out io.Writer, script string, threads int, results []netbench.Result) error {
	py, err := pyref.Find("torch")
	if err != nil {
		return fmt.Errorf("--torch: %w", err)
	}
	cases := make([]netbench.Case, len(results))
	for i, r := range results {
		cases[i] = r.Case
	}
	header, torchRes, err := netbench.RunTorch(py, script, threads, 5, cases)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "PyTorch reference (%s): %s\n", script, header)
	if err := netbench.WriteTorchComparison(out, results, torchRes); err != nil {
		return err
	}
	fmt.Fprintf(out, "load average after: %s\n\n", benchenv.LoadAverage())
	return nil
}

// benchTrainStepOn times the training steps on an accelerator backend ("cuda"): the same network and
// steps, with GoMLX's native convolution, and the matmul reference timed on the same device. --threads,
// --branches, --go-config and --torch concern the CPU and are ignored there.
func benchTrainStepOn(out io.Writer, name string, opt netbench.Options) error {
	be, err := backend.New(name)
	if err != nil {
		return err
	}
	defer be.Finalize()
	fmt.Fprintf(out, "tidal bench train-step: %s backend, %s\n", name, be.Description())
	opt.Log, opt.Branches = out, 1
	results, err := netbench.Measure(be, opt)
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	return netbench.WriteTable(out, results)
}
