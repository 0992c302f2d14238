package benchcli

import (
	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/bench/metricsbench"
)

func init() {
	opt := metricsbench.Full
	var quick, noNumPy bool
	cmd := &cobra.Command{
		Use: "metrics",
		Example: `  tidal bench metrics --quick
  tidal bench metrics --cases 8 --members 50 --leads 10 --size 128 --no-numpy`,
		Short: "Time tidal's ensemble CRPS against NumPy's on 100 cases × 50 members × 10 leads × 128×128",
		Long: `metrics generates a calibrated ensemble forecast one case at a time (3.3 GB of float32 in all at the
default size, never held at once), times tidal's CRPS on all cores and on one, the fair CRPS and the
spread-skill ratio, and times a NumPy implementation of the same CRPS (sort along the members) on the
same data in the same run, in lockstep so the two never compete for the CPU. It checks that both agree.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o := opt
			if quick {
				o = metricsbench.Quick
				o.Seed = opt.Seed
			}
			o.NoNumPy = noNumPy
			if err := checkMetricsBench(o.Cases, o.Members, o.Leads, o.Size); err != nil {
				return err
			}
			_, err := metricsbench.Run(o, cmd.OutOrStdout())
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&opt.Cases, "cases", opt.Cases, "forecast cases")
	f.IntVar(&opt.Members, "members", opt.Members, "ensemble members")
	f.IntVar(&opt.Leads, "leads", opt.Leads, "lead times")
	f.IntVar(&opt.Size, "size", opt.Size, "side of the square field, cells")
	f.Uint64Var(&opt.Seed, "seed", opt.Seed, "seed of the generated data")
	f.BoolVar(&quick, "quick", false, "small size (4 cases × 50 members × 10 leads × 64×64), seconds")
	f.BoolVar(&noNumPy, "no-numpy", false, "time Go only")
	benchCmd.AddCommand(cmd)
}
