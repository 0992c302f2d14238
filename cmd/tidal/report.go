package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/report"
	"github.com/tidal-forecast/tidal/scorerun"
)

func init() { rootCmd.AddCommand(newReportCmd()) }

func newReportCmd() *cobra.Command {
	var fl report.BuildOptions // the flags of `tidal report`
	cmd := &cobra.Command{
		Use: "report [--out DIR] INPUT...",
		Example: `  tidal report --out report --truth truth.npy --data-sidecar ns_test.json fc.npy persistence.npy scores.json
  tidal report --out report --label fc.npy=dydiff --meta seed=1 fc.npy runs/dydiff`,
		Short: "Write report.html with loss curves, skill per lead, rollout diagnostics, animations and every number",
		Long: `report gathers tidal's outputs into one folder: DIR/report.html with its PNG plots and GIF animations beside
it (docs/REPORT.md). Each INPUT is one of
  a training run folder       (holds stats.jsonl, and options.json)  → loss and validation-loss curves
  a score JSON                (tidal score --json or --out)          → CRPS, CSI, spread-skill per lead
  a rollout JSON              (tidal score rollout --json or --out)  → ACF, Hovmöller W1, drift, spectrum
  a forecast NPY              [cases, members, lead, C, H, W], with --truth → animation
An input's label is its file name without extension (a run: its folder name) unless --label PATH=NAME
names it. Scores labelled persistence or climatology (or named by --reference) are the references: the
report lists every lead where another score does worse than one of them.

The report is written into a temporary folder and renamed to DIR when complete; an existing DIR is
replaced only when it holds an earlier report. DIR may not equal or contain an input.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runReport(cmd, fl, args) },
	}
	f := cmd.Flags()
	f.StringVar(&fl.Out, "out", "report", "output folder")
	f.StringVar(&fl.Truth, "truth", "", "truth NPY [cases, lead, C, H, W] of the forecast NPY inputs")
	f.StringVar(&fl.Title, "title", "tidal report", "title of the page")
	f.StringArrayVar(&fl.Labels, "label", nil, "PATH=NAME: label of an input (repeatable)")
	f.StringArrayVar(&fl.Meta, "meta", nil, "KEY=VALUE shown in the provenance table, e.g. seed=1 (repeatable)")
	f.StringSliceVar(&fl.References, "reference", nil, "labels of the reference scores (default: persistence and climatology where given)")
	f.IntVar(&fl.Case, "case", 0, "case of the forecasts to animate")
	f.IntVar(&fl.Channel, "channel", 0, "channel of the forecasts to animate")
	f.IntVar(&fl.Members, "members", 3, "ensemble members shown beside the truth in the animations")
	f.IntVar(&fl.Delay, "delay", 50, "animation time per lead, hundredths of a second")
	f.StringVar(&fl.DataSidecar, "data-sidecar", "", "the data's metadata sidecar JSON (e.g. ns_test.json): channel names and units, frame_dt for leads in time (default: the truth's sidecar where there is one)")
	f.StringVar(&fl.ScorecardReference, "scorecard-reference", "", "label of the score the scorecard's skill is against (default: persistence, else the first reference)")
	f.Float64Var(&fl.CI, "ci", 0.9, "level of the paired-bootstrap intervals of every score difference (scores need per-case values: tidal score --ci or --per-case)")
	f.IntVar(&fl.CIBlock, "ci-block", 1, "cases per block of the moving-block bootstrap: more than 1 where consecutive cases overlap in time")
	f.Uint64Var(&fl.Seed, "seed", 1, "seed of the bootstrap resampling")
	cli.DeprecatedAlias(f, "data", "data-sidecar")
	return cmd
}

// runReport maps the flags to report.BuildOptions and writes the report folder (scorerun.Report).
func runReport(cmd *cobra.Command, fl report.BuildOptions, args []string) (err error) {
	fl.Paths, fl.Version = args, version
	fl.Backend, _ = cli.BackendName()
	if fl.Budget, err = cli.Budget(); err != nil {
		return err
	}
	page, err := scorerun.Report(fl)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", page)
	return nil
}
