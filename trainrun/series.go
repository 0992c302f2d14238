package trainrun

import (
	"cmp"
	"fmt"
	"os"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/guard"
)

// prepareSeries is `tidal train dydiff` on a time series [T, N]: SeriesNet DyDiff
// (dymodel.SeriesTrainSpec) on windows of --context + --predict rows of the training rows only
// (cli.SeriesTrainRows).
func prepareSeries(o Options, b guard.Budget) (*Run, error) {
	if err := checkSeriesTrainFlags(o); err != nil {
		return nil, err
	}
	L := o.Context + o.Predict
	in, err := cli.ReadSeries(b, "data", o.Data, o.Series)
	if err != nil {
		return nil, err
	}
	to, err := cli.CheckTrainOut(o.Run, in.Input())
	if err != nil {
		return nil, err
	}
	rows, err := cli.SeriesTrainRows(in, o.Series, L)
	if err != nil {
		return nil, err
	}
	N := in.S.N
	mc := seriesModelConfig(&o, N)
	m, err := dymodel.New(mc)
	if err != nil {
		return nil, &NetworkError{What: in.String(), Err: err, Options: o}
	}
	val, err := readSeriesVal(b, o, N, L)
	if err != nil {
		return nil, err
	}
	need := guard.Sum(guard.Product(int64(rows), int64(N), 4, 2), m.TrainBytes(o.Batch))
	if val != nil {
		need = guard.Sum(need, guard.Product(int64(val.S.T), int64(N), 4, 2), m.SampleBytes(o.PreviewMembers))
	}
	what := fmt.Sprintf("training a %d-parameter DyDiff SeriesNet on batches of %d windows [%d, %d]", m.NumParams(), o.Batch, L, N)
	if err := b.CheckMemory(what, need); err != nil {
		return nil, err
	}
	spec := dymodel.SeriesTrainSpec{Data: in.S.Array(), Name: in.String(), Rows: rows, Config: mc, Options: trainOptions(o),
		Preview: &dymodel.PreviewOptions{Cases: o.PreviewCases, Members: o.PreviewMembers, Steps: o.PreviewSteps},
		Stride:  o.Stride, Dir: o.Run, Log: o.Log, StartOver: o.StartOver}
	if val != nil {
		spec.Val, spec.ValName = val.S.Array(), val.String()
	}
	r, name, be, err := backendRun(o, to)
	if err != nil {
		return nil, err
	}
	spec.Backend = be
	t, err := dymodel.NewSeriesTrainer(spec)
	if err != nil {
		r.Close()
		return nil, err
	}
	fmt.Fprintf(o.log(), "train dydiff: η %v (%s noise), %s form, anchor %s, %d-parameter SeriesNet, windows %d+%d rows of %d series, %d training windows from the first %d of %d rows, backend %s\n",
		o.Eta, o.Noising, cmp.Or(o.Param, dymodel.ParamDDPM), cmp.Or(o.Anchor, dymodel.AnchorNone), m.NumParams(), o.Context, o.Predict, N, t.Windows, rows, in.S.T, name)
	r.Job = t.Job
	return r, nil
}

// checkSeriesTrainFlags refuses the UNet's flags for a series, and a --run that is a file.
func checkSeriesTrainFlags(o Options) error {
	for _, name := range []string{"mults", "attn-levels", "heads", "groups", "periodic", "periodic-lon", "dropout", "temporal-conv", "temporal-attn", "head"} {
		if o.given(name) {
			return fmt.Errorf("--%s sizes the UNet; the series network takes --channels, --blocks, --rank and --time-attn", name)
		}
	}
	if info, err := os.Stat(o.Run); err == nil && !info.IsDir() {
		return fmt.Errorf("--run %s is a file; expected a run directory", o.Run)
	}
	return nil
}

// seriesModelConfig is the SeriesNet DyDiff configuration of the options for N series; a run recorded
// before series took --param (o.Param empty) keeps the widths and learning rate it was started with.
func seriesModelConfig(o *Options, N int) dymodel.Config {
	changed := o.given
	if !changed("lr") {
		o.LR = dymodel.SeriesLegacyLR
	}
	sc := dymodel.SeriesNetConfig{Rank: o.Rank, TimeAttention: o.TimeAttn}
	legacy := o.Param == "" // a run recorded before series took --param resumes with the defaults it was started with
	if !legacy {
		sc.Channels, sc.Blocks = dymodel.SeriesDefaultChannels, dymodel.SeriesDefaultBlocks
		if !changed("lr") {
			o.LR = dymodel.SeriesDefaultLR
		}
	}
	if changed("channels") {
		sc.Channels = o.Channels
	}
	if changed("blocks") {
		sc.Blocks = o.Blocks
	}
	mc := dymodel.Config{Method: dymodel.Method, Net: "series", Context: o.Context, Predict: o.Predict, Eta: o.Eta,
		Noising: o.Noising, Frame: []int{N}, Series: sc, Param: o.Param, Anchor: o.Anchor}
	if o.Param == dymodel.ParamEDM {
		mc.EDM = dymodel.EDMConfig{SigmaData: o.SigmaData, PMean: o.PMean, PStd: o.PStd, Output: o.EDMOutput}
	}
	return mc
}

// readSeriesVal reads --val, a series of the same N series with at least one window of L rows (nil
// without --val).
func readSeriesVal(b guard.Budget, o Options, N, L int) (*cli.SeriesInput, error) {
	var val *cli.SeriesInput
	var err error
	if o.Val != "" {
		if val, err = cli.ReadSeries(b, "val", o.Val, o.Series); err != nil {
			return nil, err
		}
		if val.S.N != N {
			return nil, fmt.Errorf("%s: %d series, but --data %s has %d", val, val.S.N, o.Data, N)
		}
		if val.S.T < L {
			return nil, fmt.Errorf("%s: %d rows, fewer than --context + --predict = %d of one window", val, val.S.T, L)
		}
	}
	return val, nil
}
