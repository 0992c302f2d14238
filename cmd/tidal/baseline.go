package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
)

func init() { rootCmd.AddCommand(newBaselineCmd()) }

func newBaselineCmd() *cobra.Command {
	var in, pool, method, out, truthOut string
	var cases, context, lead, members int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Make a reference forecast (persistence or climatology) in tidal's forecast layout",
		Long: `baseline makes the reference forecasts a probabilistic forecaster must beat, for cases spread evenly
over a series of frames [frames, ...] (an NPY file such as 'tidal data' writes):

  persistence   every member and lead is the last observed frame
  climatology   every member and lead is a frame drawn at random from --pool (e.g. the training split)

It writes the forecast [cases, members, lead, frame...] to --out and, with --truth-out, the frames the
cases predict [cases, lead, frame...]; 'tidal score --forecast OUT --obs TRUTH' scores them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if in == "" || out == "" {
				return fmt.Errorf("--data and --out are required")
			}
			series, err := data.ReadNPY(in)
			if err != nil {
				return err
			}
			c, err := forecast.EvenCases(series.Shape[0], context, lead, cases)
			if err != nil {
				return fmt.Errorf("%s: %w", in, err)
			}
			var f *data.Array
			switch method {
			case "persistence":
				f, err = forecast.Persistence(series, c, members)
			case "climatology":
				if pool == "" {
					return fmt.Errorf("--method climatology needs --pool, the series to draw members from")
				}
				p, perr := data.ReadNPY(pool)
				if perr != nil {
					return perr
				}
				if fmt.Sprint(p.Shape[1:]) != fmt.Sprint(series.Shape[1:]) {
					return fmt.Errorf("--pool %s has frames of shape %v, --data %s has %v", pool, p.Shape[1:], in, series.Shape[1:])
				}
				f, err = forecast.Climatology(p, c, members, seed)
			default:
				return fmt.Errorf("--method %q: expected persistence or climatology", method)
			}
			if err != nil {
				return err
			}
			var truth *data.Array
			if truthOut != "" {
				if truth, err = forecast.Truth(series, c); err != nil {
					return err
				}
			}
			if err := data.WriteNPY(out, f); err != nil {
				return err
			}
			if truth != nil {
				if err := data.WriteNPY(truthOut, truth); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s forecast %v (cases starting at frames %v)\n", out, method, f.Shape, c.Starts)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in, "data", "", "series of frames [frames, ...] (NPY) to make cases from")
	f.StringVar(&method, "method", "persistence", "persistence or climatology")
	f.StringVar(&pool, "pool", "", "climatology: series [frames, ...] (NPY) whose frames are the members")
	f.StringVar(&out, "out", "", "forecast output (NPY) [cases, members, lead, frame...]")
	f.StringVar(&truthOut, "truth-out", "", "optional truth output (NPY) [cases, lead, frame...]")
	f.IntVar(&cases, "cases", 20, "number of forecast cases, spread evenly over the series")
	f.IntVar(&context, "context", 2, "observed frames before each case's first lead")
	f.IntVar(&lead, "lead", 10, "frames to predict per case")
	f.IntVar(&members, "members", 8, "ensemble members")
	f.Uint64Var(&seed, "seed", 0, "random seed (climatology draws)")
	return cmd
}
