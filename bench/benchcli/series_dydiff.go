package benchcli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/seriesdydiffbench"
	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
)

func init() {
	var quick bool
	var dir, path string
	var seed uint64
	var steps, sampling, members, channels, blocks, batch, windows, ctxRows, predict int
	var lr float64
	var param, anchor, dataset string
	var sf cli.SeriesFlags
	cmd := &cobra.Command{
		Use: "series",
		Example: `  tidal bench series --quick --seed 1 --dir bench-series
  tidal bench series --data datasets/exchange_rate.txt.gz --steps 2000 --sampler-steps 10 --members 100`,
		Short: "DyDiff vs DPM on a multivariate time series (exchange rate), beside the random walk, seasonal naive and published CRPS-sum",
		Long: `series trains DyDiff (η = 0.5) and the DPM baseline (η = 0) with the same SeriesNet, data, training steps
and seed on the training rows of --data (default the shipped exchange rate, its standard protocol: the first
6071 rows train, 5 windows of 30 rows forecast with 100 members), and scores them with the random walk
(increments' scale fitted on the training rows), seasonal naive (period 5) and persistence by CRPS-sum in
GluonTS's quantile-loss form (the one papers quote) and exactly (fair estimator), beside the published
numbers of TimeGrad's Table 2. --quick is a few minutes on 2 cores; the default is the full size
(16 channels × 2 blocks, 10 000 steps, 50 DDIM steps; docs/RESULTS.md has its wall time). Repeat with another --seed for the spread (docs/RESULTS.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o := seriesdydiffbench.Full()
			if quick {
				o = seriesdydiffbench.Quick()
			}
			o.Seed, o.Dir = seed, dir
			changed := cmd.Flags().Changed
			if dataset != "" {
				p, err := forecast.ProtocolByName(dataset)
				if err != nil {
					return fmt.Errorf("--dataset: %w", err)
				}
				if !changed("data") {
					return fmt.Errorf("--dataset %s needs --data, the protocol's file (its GluonTS test/data.json, or exchange rate's LSTNet file)", dataset)
				}
				o.Context, o.Predict, o.Period = p.Context, p.Predict, p.Period
				if !changed("windows") {
					windows = p.Windows
				}
				if !changed("max-series") {
					sf.MaxSeries = p.MaxSeries
				}
				if !changed("ragged") && cli.IsGluonTSPath(path, sf.Format) {
					sf.Ragged = "longest" // the test file lists each series once per rolling window
				}
			}
			for name, p := range map[string][2]*int{"steps": {&o.Steps, &steps}, "sampler-steps": {&o.Sampling, &sampling},
				"members": {&o.Members, &members}, "channels": {&o.Channels, &channels}, "blocks": {&o.Blocks, &blocks}, "batch": {&o.Batch, &batch},
				"context": {&o.Context, &ctxRows}, "predict": {&o.Predict, &predict}} {
				if changed(name) {
					*p[0] = *p[1]
				}
			}
			if changed("lr") {
				o.LR = lr
			}
			switch {
			case param != dymodel.ParamEDM && param != dymodel.ParamDDPM:
				return fmt.Errorf("--param %q: expected edm or ddpm", param)
			case anchor != dymodel.AnchorLast && anchor != dymodel.AnchorNone && anchor != dymodel.AnchorWalk:
				return fmt.Errorf("--anchor %q: expected last, walk or none", anchor)
			case anchor != dymodel.AnchorNone && o.Context < 2:
				return fmt.Errorf("--anchor %s needs --context ≥ 2 (the scale is the context's increments), got %d", anchor, o.Context)
			}
			o.Param, o.Anchor = param, anchor
			if err := guard.First(guard.Int("steps", o.Steps, 1, 1<<24), guard.Int("sampler-steps", o.Sampling, 1, 1000),
				guard.Int("members", o.Members, 2, 4096), guard.Int("channels", o.Channels, 1, 1024), guard.Int("blocks", o.Blocks, 1, 64),
				guard.Int("batch", o.Batch, 1, 1<<16),
				guard.Int("context", o.Context, 1, 1<<12), guard.Int("predict", o.Predict, 1, 1<<12), guard.Finite("lr", o.LR), guard.Int("windows", windows, 0, 1<<16),
				guard.Int("train-rows", sf.TrainRows, 0, 1<<30)); err != nil {
				return err
			}
			if !(o.LR > 0) {
				return fmt.Errorf("--lr %v: expected a learning rate > 0", o.LR)
			}
			b, err := cli.Budget()
			if err != nil {
				return err
			}
			in, err := cli.ReadSeries(b, "data", path, sf)
			if err != nil {
				return err
			}
			sf.Windows = windows
			cs, err := cli.SeriesCases(in, sf, max(o.Context, o.Period), o.Predict, nil, "cases")
			if err != nil {
				return err
			}
			o.Protocol = forecast.Rolling{Train: cs.Starts[0], Windows: len(cs.Starts), Predict: o.Predict, Stride: o.Predict}
			name, be, err := cli.NewBackend()
			if err != nil {
				return err
			}
			defer be.Finalize()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "tidal bench series: %s [%d, %d], train rows %d, %d windows of %d, %d members, seed %d; SeriesNet %d channels × %d blocks, %d steps of batch %d, lr %g, form %s, anchor %s, %d %s steps; backend %s, %s, GOMAXPROCS %d\n",
				path, in.S.T, in.S.N, o.Protocol.Train, o.Protocol.Windows, o.Predict, o.Members, o.Seed, o.Channels, o.Blocks, o.Steps, o.Batch, o.LR, o.Param, o.Anchor, o.Sampling, map[bool]string{true: "Heun", false: "DDIM"}[o.Param == dymodel.ParamEDM],
				name, benchenv.Describe(), runtime.GOMAXPROCS(0))
			o.Log = cmd.ErrOrStderr()
			rows, err := seriesdydiffbench.Run(context.Background(), be, in.S.Array(), o)
			if err != nil {
				return err
			}
			seriesdydiffbench.WriteTable(out, rows)
			fmt.Fprintf(out, "load average after: %s\n", benchenv.LoadAverage())
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&quick, "quick", false, "a few-minute comparison (16 channels × 2 blocks, 400 training steps, 10 DDIM steps)")
	f.StringVar(&dataset, "dataset", "", "a GluonTS protocol by name: exchange_rate_nips, solar_nips, electricity_nips, traffic_nips, taxi_30min or wiki-rolling_nips (its prediction length, context, rolling windows, max_target_dim and seasonal period; --data is its test/data.json)")
	f.StringVar(&param, "param", dymodel.ParamEDM, "training form of both models: edm (sampled with Heun) or ddpm (the reference's, sampled with DDIM)")
	f.StringVar(&anchor, "anchor", dymodel.AnchorLast, "last (windows as departures from the last observation, scaled by the context's increments), walk (the same, each step also by a random walk's spread at its distance) or none (mean scaled)")
	f.StringVar(&path, "data", "datasets/exchange_rate.txt.gz", "the series [T, N] (LSTNet text, CSV, GluonTS JSON lines)")
	f.Uint64Var(&seed, "seed", 1, "seed of the weights, training, sampling and the random walk")
	f.StringVar(&dir, "dir", "", "folder for the run directories (kept; a rerun resumes); default a temporary one")
	f.IntVar(&steps, "steps", 0, "training steps of both models (default: the mode's)")
	f.IntVar(&sampling, "sampler-steps", 0, "sampler steps of every forecast, Heun's (edm) or DDIM's (ddpm) (default: the mode's)")
	cli.DeprecatedAlias(f, "sampling-steps", "sampler-steps")
	f.IntVar(&members, "members", 0, "ensemble members (default 100)")
	f.IntVar(&channels, "channels", 0, "SeriesNet width (default: the mode's)")
	f.IntVar(&blocks, "blocks", 0, "SeriesNet blocks (default: the mode's)")
	f.IntVar(&batch, "batch", 0, "windows per training step (default: the mode's)")
	f.Float64Var(&lr, "lr", 0, "AdamW learning rate (default: the mode's)")
	f.IntVar(&ctxRows, "context", 0, "observed rows per window (default 30)")
	f.IntVar(&predict, "predict", 0, "predicted rows per window (default 30, exchange rate's)")
	f.IntVar(&windows, "windows", 0, "rolling test windows (0: 5 for exchange rate, else 1)")
	cli.AddInputFormatFlag(f, &sf)
	cli.AddDeprecatedFormatAlias(f, &sf)
	f.StringVar(&sf.Missing, "missing", "error", "missing values: error or ffill")
	cli.AddSeriesSelectFlags(f, &sf)
	f.IntVar(&sf.TrainRows, "train-rows", 0, "training rows (0: 6071 for exchange rate, else the rows before the windows)")
	benchCmd.AddCommand(cmd)
}
