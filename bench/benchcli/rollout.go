package benchcli

import (
	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/bench/rolloutbench"
	"github.com/tidal-forecast/tidal/cli"
)

func init() {
	opt := rolloutbench.Default
	cmd := &cobra.Command{
		Use: "rollout",
		Example: `  tidal bench rollout --frames 20 --members 4 --size 32 --repeats 3
  tidal bench rollout --channels 32 --history 2 --dir /tmp`,
		Short: "Time the rollout driver's per-frame overhead beyond its step calls (a UNet with random weights)",
		Long: `rollout builds a step that advances an ensemble by one frame with a UNet of random weights and
host-drawn noise, then times, alternately, the step called --frames times in a bare loop (nothing written)
and rollout.Run making the same frames (history ring, NaN check, streaming to the NPY file, checkpoints,
final sync and rename). It prints both totals, their ratio, and the driver's time outside the step as a
share of the step's (medians of --repeats). The files go to a scratch folder in --dir, removed at the end
and on SIGINT or SIGTERM.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opt.Step.Width = opt.Step.Height
			if err := checkRolloutBench(opt); err != nil {
				return err
			}
			name, err := cli.BackendName()
			if err != nil {
				return err
			}
			b, err := backend.New(name)
			if err != nil {
				return err
			}
			defer b.Finalize()
			_, err = rolloutbench.Measure(b, opt, cmd.OutOrStdout())
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&opt.Frames, "frames", opt.Frames, "frames per rollout")
	f.IntVar(&opt.Repeats, "repeats", opt.Repeats, "rollouts and bare loops timed (medians are printed)")
	f.IntVar(&opt.Step.Members, "members", opt.Step.Members, "ensemble members")
	f.IntVar(&opt.Step.Height, "size", opt.Step.Height, "side of the square frame, pixels")
	f.IntVar(&opt.Step.Width0, "channels", opt.Step.Width0, "the UNet's base width (channels)")
	cli.DeprecatedAlias(f, "width", "channels")
	f.IntVar(&opt.Step.History, "history", opt.Step.History, "frames k the step sees")
	f.StringVar(&opt.Dir, "dir", "", "folder for the scratch folder of the output files (default: the system's)")
	benchCmd.AddCommand(cmd)
}
