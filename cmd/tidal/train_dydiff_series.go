package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/internal/guard"
	"github.com/tidal-forecast/tidal/train"
)

// runTrainDyDiffSeries is `tidal train dydiff` on a time series [T, N]: SeriesNet DyDiff on windows of
// --context + --predict rows of the training rows only (seriesTrainRows).
func runTrainDyDiffSeries(cmd *cobra.Command, fl trainDyDiffFlags, b guard.Budget) error {
	changed := func(name string) bool { return cmd.Flags().Changed(name) }
	for _, name := range []string{"mults", "attn-levels", "heads", "groups", "periodic", "dropout", "temporal-conv", "temporal-attn"} {
		if changed(name) {
			return fmt.Errorf("--%s sizes the UNet; the series network takes --channels, --blocks, --rank and --time-attn", name)
		}
	}
	if info, err := os.Stat(fl.out); err == nil && !info.IsDir() {
		return fmt.Errorf("--out %s is a file; expected a run directory", fl.out)
	}
	L := fl.context + fl.predict
	in, err := readSeriesInput(b, "data", fl.data, fl.series)
	if err != nil {
		return err
	}
	rows, err := seriesTrainRows(in, fl.series, L)
	if err != nil {
		return err
	}
	N := in.s.N
	sc := dymodel.SeriesNetConfig{Rank: fl.rank, TimeAttention: fl.timeAttn}
	if changed("channels") {
		sc.Channels = fl.channels
	}
	if changed("blocks") {
		sc.Blocks = fl.blocks
	}
	mc := dymodel.Config{Method: dymodel.Method, Net: "series", Context: fl.context, Predict: fl.predict, Eta: fl.eta,
		Noising: fl.noising, Frame: []int{N}, Series: sc}
	m, err := dymodel.New(mc)
	if err != nil {
		return fmt.Errorf("the network for %s: %w", in, err)
	}
	need := guard.Sum(guard.Product(int64(rows), int64(N), 4, 2), m.TrainBytes(fl.batch))
	what := fmt.Sprintf("training a %d-parameter DyDiff SeriesNet on batches of %d windows [%d, %d]", m.NumParams(), fl.batch, L, N)
	if err := b.CheckMemory(what, need); err != nil {
		return err
	}
	trw, id, count, err := dymodel.SeriesWindows(in.String(), in.s.Array(), rows, L, fl.stride, uint64(fl.seed))
	if err != nil {
		return err
	}
	name, be, err := newBackendCompute()
	if err != nil {
		return err
	}
	defer be.Finalize()
	job := train.Job{Dir: fl.out, Options: trainOptions(fl), Norm: id, Backend: be, Loss: m.Loss,
		Train: trw, Log: cmd.ErrOrStderr(), StartOver: fl.startOver,
		Config: runConfig{Config: mc}}
	fmt.Fprintf(cmd.ErrOrStderr(), "train dydiff: η %v (%s noise), %d-parameter SeriesNet, windows %d+%d rows of %d series, %d training windows from the first %d of %d rows, backend %s\n",
		fl.eta, fl.noising, m.NumParams(), fl.context, fl.predict, N, count, rows, in.s.T, name)
	return runTrainJob(cmd, fl.out, job)
}
