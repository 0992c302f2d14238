package main

import (
	"cmp"
	"fmt"
	"os"

	"github.com/gomlx/compute"
	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/train"
)

// The defaults of a series run, chosen by measurement on exchange rate (docs/RESULTS.md, "Series on the one
// core"): with --context 60 --predict 30 --steps 2000, SeriesNet 16 channels × 2 blocks at lr 1e-3 trains
// in minutes on 2 cores and forecasts below persistence, where SeriesNet's own 32 × 4 at the fields'
// lr 1e-4 trains at a sixth of the speed; the walk anchor scores better than last on CRPS-sum, wQL,
// energy and variogram.
const (
	SeriesDefaultAnchor   = dymodel.AnchorWalk
	SeriesDefaultChannels = 16
	SeriesDefaultBlocks   = 2
	SeriesDefaultLR       = 1e-3
)

// seriesLR is the learning rate of series runs recorded before series took --param (they resume with it);
// new series runs take SeriesDefaultLR.
const seriesLR = 1e-4

// runTrainDyDiffSeries is `tidal train dydiff` on a time series [T, N]: SeriesNet DyDiff on windows of
// --context + --predict rows of the training rows only (seriesTrainRows).
func runTrainDyDiffSeries(cmd *cobra.Command, fl trainDyDiffFlags, b guard.Budget) error {
	if err := checkSeriesTrainFlags(cmd, fl); err != nil {
		return err
	}
	L := fl.context + fl.predict
	in, err := cli.ReadSeries(b, "data", fl.data, fl.series)
	if err != nil {
		return err
	}
	to, err := cli.CheckTrainOut(fl.out, in.Input())
	if err != nil {
		return err
	}
	rows, err := cli.SeriesTrainRows(in, fl.series, L)
	if err != nil {
		return err
	}
	N := in.S.N
	mc := seriesModelConfig(cmd, &fl, N)
	m, err := dymodel.New(mc)
	if err != nil {
		return networkFlagError(in.String(), err, fl)
	}
	val, err := readSeriesVal(b, fl, N, L)
	if err != nil {
		return err
	}
	need := guard.Sum(guard.Product(int64(rows), int64(N), 4, 2), m.TrainBytes(fl.batch))
	if val != nil {
		need = guard.Sum(need, guard.Product(int64(val.S.T), int64(N), 4, 2), m.SampleBytes(fl.previewMembers))
	}
	what := fmt.Sprintf("training a %d-parameter DyDiff SeriesNet on batches of %d windows [%d, %d]", m.NumParams(), fl.batch, L, N)
	if err := b.CheckMemory(what, need); err != nil {
		return err
	}
	trw, id, count, err := dymodel.SeriesWindows(in.String(), in.S.Array(), rows, L, fl.stride, fl.seed)
	if err != nil {
		return err
	}
	name, be, err := cli.NewBackend()
	if err != nil {
		return err
	}
	defer be.Finalize()
	rc := runConfig{Config: mc}
	job := train.Job{Dir: fl.out, Options: trainOptions(fl), Norm: id, Backend: be, Loss: m.Loss,
		Train: trw, Log: cli.ProgressWriter(cmd, fl.quiet), StartOver: fl.startOver}
	if val != nil {
		if job.Val, job.Preview, rc.Preview, err = seriesValidation(fl, m, be, val, L); err != nil {
			return err
		}
	}
	job.Config = rc
	fmt.Fprintf(cli.ProgressWriter(cmd, fl.quiet), "train dydiff: η %v (%s noise), %s form, anchor %s, %d-parameter SeriesNet, windows %d+%d rows of %d series, %d training windows from the first %d of %d rows, backend %s\n",
		fl.eta, fl.noising, cmp.Or(fl.param, dymodel.ParamDDPM), cmp.Or(fl.anchor, dymodel.AnchorNone), m.NumParams(), fl.context, fl.predict, N, count, rows, in.S.T, name)
	return runTrainJob(cmd, to, job)
}

// checkSeriesTrainFlags refuses the UNet's flags for a series, and a --run that is a file.
func checkSeriesTrainFlags(cmd *cobra.Command, fl trainDyDiffFlags) error {
	for _, name := range []string{"mults", "attn-levels", "heads", "groups", "periodic", "periodic-lon", "dropout", "temporal-conv", "temporal-attn", "head"} {
		if cmd.Flags().Changed(name) {
			return fmt.Errorf("--%s sizes the UNet; the series network takes --channels, --blocks, --rank and --time-attn", name)
		}
	}
	if info, err := os.Stat(fl.out); err == nil && !info.IsDir() {
		return fmt.Errorf("--run %s is a file; expected a run directory", fl.out)
	}
	return nil
}

// seriesModelConfig is the SeriesNet DyDiff configuration of the flags for N series; a run recorded
// before series took --param (fl.param empty) keeps the widths and learning rate it was started with.
func seriesModelConfig(cmd *cobra.Command, fl *trainDyDiffFlags, N int) dymodel.Config {
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	if !changed("lr") {
		fl.lr = seriesLR
	}
	sc := dymodel.SeriesNetConfig{Rank: fl.rank, TimeAttention: fl.timeAttn}
	legacy := fl.param == "" // a run recorded before series took --param resumes with the defaults it was started with
	if !legacy {
		sc.Channels, sc.Blocks = SeriesDefaultChannels, SeriesDefaultBlocks
		if !changed("lr") {
			fl.lr = SeriesDefaultLR
		}
	}
	if changed("channels") {
		sc.Channels = fl.channels
	}
	if changed("blocks") {
		sc.Blocks = fl.blocks
	}
	mc := dymodel.Config{Method: dymodel.Method, Net: "series", Context: fl.context, Predict: fl.predict, Eta: fl.eta,
		Noising: fl.noising, Frame: []int{N}, Series: sc, Param: fl.param, Anchor: fl.anchor}
	if fl.param == dymodel.ParamEDM {
		mc.EDM = dymodel.EDMConfig{SigmaData: fl.sigmaData, PMean: fl.pMean, PStd: fl.pStd, Output: fl.edmOutput}
	}
	return mc
}

// readSeriesVal reads --val, a series of the same N series with at least one window of L rows (nil
// without --val).
func readSeriesVal(b guard.Budget, fl trainDyDiffFlags, N, L int) (*cli.SeriesInput, error) {
	var val *cli.SeriesInput
	var err error
	if fl.val != "" {
		if val, err = cli.ReadSeries(b, "val", fl.val, fl.series); err != nil {
			return nil, err
		}
		if val.S.N != N {
			return nil, fmt.Errorf("%s: %d series, but --data %s has %d", val, val.S.N, fl.data, N)
		}
		if val.S.T < L {
			return nil, fmt.Errorf("%s: %d rows, fewer than --context + --predict = %d of one window", val, val.S.T, L)
		}
	}
	return val, nil
}

// seriesValidation are the training job's validation windows: every window of the validation series,
// back to back, and with --preview-every the first --preview-cases of them forecast from their contexts
// and scored (in the series' units).
func seriesValidation(fl trainDyDiffFlags, m *dymodel.Model, be compute.Backend, val *cli.SeriesInput, L int) (train.Source, train.PreviewFn, *dymodel.PreviewOptions, error) {
	vw, _, _, err := dymodel.SeriesWindows(val.String(), val.S.Array(), val.S.T, L, L, 1)
	if err != nil || fl.previewEvery <= 0 {
		return vw, nil, nil, err
	}
	po := dymodel.PreviewOptions{Cases: fl.previewCases, Members: fl.previewMembers, Steps: fl.previewSteps}
	return vw, m.Preview(be, vw, po), &po, nil
}
