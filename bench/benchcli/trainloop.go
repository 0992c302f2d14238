package benchcli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/trainbench"
	"github.com/tidal-forecast/tidal/cli"
)

func init() {
	var o trainbench.Options
	var quick bool
	cmd := &cobra.Command{
		Use: "train-loop",
		Example: `  tidal bench train-loop --quick
  tidal bench train-loop --size 32 --channels 32 --batch 4 --steps 20 --rounds 3`,
		Short: "Time the training loop's overhead over its bare compiled step",
		Long: `train-loop trains tidal's benchmark UNet (netbench.Config with 3 channels in and out) with DyDiff's
loss on 3-frame windows of travelling waves through train.Run (data loaded ahead, stats.jsonl lines,
a checkpoint and snapshot at the end of each run), and before and after each run times the same
compiled step bare on a fixed batch (train.Step). The checkpoint's time is amortised over
--checkpoint-every steps. It prints the loop's time outside the step call over the step's time (the
overhead; the target is ≤ 3% at 16×32²×32, docs/PERFORMANCE.md), the loading time beside the step, and
the loop's time per step over the bare step's (which drifts with a shared machine's load).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := cli.BackendName()
			if err != nil {
				return err
			}
			if quick {
				o.Batch, o.Size, o.Channels, o.Steps, o.Rounds = 4, 16, 32, 4, 1
			}
			if err := checkTrainLoopBench(o); err != nil {
				return err
			}
			b, err := backend.New(name)
			if err != nil {
				return err
			}
			defer b.Finalize()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "tidal bench train-loop: %s, %s, GOMAXPROCS %d\n", b.Description(), benchenv.Describe(), runtime.GOMAXPROCS(0))
			o.Log = out
			r, err := trainbench.Run(b, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "load average after: %s\n", benchenv.LoadAverage())
			return trainbench.WriteTable(out, r)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Batch, "batch", 16, "windows per step")
	f.IntVar(&o.Size, "size", 32, "grid size S (S×S)")
	f.IntVar(&o.Channels, "channels", 32, "base channels of the UNet")
	f.IntVar(&o.Steps, "steps", 10, "timed steps per round, in the loop and twice bare")
	f.IntVar(&o.Rounds, "rounds", 2, "rounds of bare, loop, bare")
	f.IntVar(&o.LogEvery, "log-every", 10, "stats.jsonl interval of the loop (steps)")
	f.IntVar(&o.CheckpointEvery, "checkpoint-every", 100, "checkpoint interval the checkpoint's time is amortised over (steps)")
	f.BoolVar(&quick, "quick", false, "a 4×16²×32 case of 4 steps")
	benchCmd.AddCommand(cmd)
}
