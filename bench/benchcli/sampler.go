package benchcli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/samplerbench"
	"github.com/tidal-forecast/tidal/cli"
)

func init() {
	var (
		quick    bool
		samplers []string
		batch    int
		size     int
		channels int
		steps    int
		minTime  time.Duration
	)
	cmd := &cobra.Command{
		Use: "sampler",
		Example: `  tidal bench sampler --quick
  tidal bench sampler --size 32 --channels 32 --sampler-steps 10 --samplers ddim,heun --time 2s`,
		Short: "Time the samplers with the UNet against the UNet's forward pass alone",
		Long: `sampler times a whole sample of DyDiff on 3-frame windows with 2 context frames (ddim: the reference
form through dydiff.EpsDenoiser on the τ grid; dydiff-heun and dpmpp: the EDM form through
dydiff.EDMDenoiser) and of the image model's Heun (churn 55, 2 channels, 1 conditioning channel) with
tidal's UNet (random weights; levels 1, 2, 2), and in
the same run one forward pass of that UNet on the same batch in its own executable, both with its
variables embedded as constants (GoMLX's default on the Go backend) and read live as the samplers do.
Sample calls and forward passes alternate; medians are reported. eval/fwd is the sample's time per
network evaluation over the forward pass: what the sampler adds (its step maths, host noise, per-step
calls); "cpu ratio" is the same in the process's CPU time, steadier on a shared
machine. "compile" is the first call's time beyond a later one's.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := cli.BackendName()
			if err != nil {
				return err
			}
			if quick {
				size, channels, steps = 16, 32, 4
				minTime = min(minTime, 500*time.Millisecond)
			}
			if err := checkSamplerBench(samplers, batch, size, channels, steps, minTime); err != nil {
				return err
			}
			var cases []samplerbench.Case
			for _, s := range samplers {
				cases = append(cases, samplerbench.Case{Sampler: s, Batch: batch, Size: size, Channels: channels, Steps: steps})
			}
			be, err := backend.New(name)
			if err != nil {
				return err
			}
			defer be.Finalize()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "tidal bench sampler: %s; %s\n", be.Description(), benchenv.Describe())
			results, err := samplerbench.Run(be, cases, minTime, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "load average after: %s\n\n", benchenv.LoadAverage())
			return samplerbench.WriteTable(out, results)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "16² pixels, 32 channels, 4 steps, timed for at most 0.5 s (a few seconds in all)")
	f.StringSliceVar(&samplers, "samplers", []string{samplerbench.DDIM, samplerbench.DyDiffHeun, samplerbench.DPMSolver, samplerbench.Heun}, "samplers to time: ddim (DyDiff, reference form), dydiff-heun and dpmpp (DyDiff, EDM form), heun (the image model's, with churn)")
	f.IntVar(&batch, "batch", 8, "batch (ensemble members × cases)")
	f.IntVar(&size, "size", 32, "image size S (S×S pixels)")
	f.IntVar(&channels, "channels", 32, "UNet base channels")
	f.IntVar(&steps, "sampler-steps", 10, "sampler steps")
	cli.DeprecatedAlias(f, "steps", "sampler-steps")
	f.DurationVar(&minTime, "time", 5*time.Second, "how long each case is timed, at least")
	benchCmd.AddCommand(cmd)
}
