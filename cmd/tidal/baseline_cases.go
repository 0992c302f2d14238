package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
)

// likeSidecar reads the sidecar of --like FORECAST and checks that it describes cases of --data:
// the same file bytes (SHA-256). Flags that would contradict it are refused by name.
func likeSidecar(cmd *cobra.Command, like, dataPath string, refuse ...string) (*forecast.Sidecar, error) {
	for _, name := range refuse {
		if cmd.Flags().Changed(name) {
			return nil, fmt.Errorf("--%s and --like %s: --like takes the cases, their context and lead from the forecast's sidecar %s; drop --%s",
				name, like, forecast.SidecarPath(like), name)
		}
	}
	sc, err := forecast.LikeSidecar(like, dataPath, "--like", "--data")
	if err == nil && sc == nil {
		return nil, fmt.Errorf("--like %s: no forecast sidecar %s beside it (tidal forecast and tidal baseline write one); give --run or --starts instead",
			like, forecast.SidecarPath(like))
	}
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// baselineCases are the cases of a field baseline: those of --like's sidecar; else --starts or
// --cases N spread evenly, with the context of --run's model (and its predicted frames as the lead,
// unless --lead) or --context.
func baselineCases(cmd *cobra.Command, fl baselineFlags, series *cli.Input) (forecast.Cases, error) {
	frames := series.Shape[0]
	if fl.like != "" {
		sc, err := likeSidecar(cmd, fl.like, fl.in, "cases", "starts", "context", "lead")
		if err != nil {
			return forecast.Cases{}, err
		}
		return cli.StartCases(sc.Starts, frames, sc.Context, sc.Lead, series.String())
	}
	context, lead := fl.context, fl.lead
	if fl.run != "" {
		mc, err := dymodel.RunConfig(fl.run)
		if err != nil {
			return forecast.Cases{}, fmt.Errorf("--run %w", err)
		}
		if cmd.Flags().Changed("context") && fl.context != mc.Context {
			return forecast.Cases{}, fmt.Errorf("--context %d: the model of --run %s observes %d frames; drop --context to take the model's", fl.context, fl.run, mc.Context)
		}
		context = mc.Context
		if !cmd.Flags().Changed("lead") {
			lead = mc.Predict
		}
	}
	return cli.FieldCases(fl.starts, fl.cases, cmd.Flags().Changed("cases"), frames, context, lead, series.String())
}

// maker says what made the baseline, for its sidecars.
func (fl baselineFlags) maker() cli.Maker {
	return cli.Maker{Kind: forecast.KindBaseline, Method: fl.method, Members: fl.members, Seed: fl.seed}
}
