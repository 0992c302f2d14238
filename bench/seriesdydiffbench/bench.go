// Package seriesdydiffbench is `tidal bench series`: on a multivariate time series with a rolling test
// protocol (exchange rate's forecast.ExchangeRateNIPS by default), DyDiff (η = 0.5) and DPM (η = 0)
// with the same SeriesNet, data, training and sampling, against the random walk, seasonal naive and
// persistence, scored by CRPS-sum in GluonTS's quantile-loss form and exactly (fair estimator), beside
// the published numbers (docs/SERIES.md, docs/RESULTS.md). Train and Forecast are the steps `tidal
// train dydiff` and `tidal forecast` take on series, for the tests' closed-form check too.
package seriesdydiffbench

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/compute"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/dymodel"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/seriesscore"
	"github.com/tidal-forecast/tidal/train"
)

// Model sizes and trains one SeriesNet DyDiff model.
type Model struct {
	Context, Predict  int
	Channels, Blocks  int
	TimeAttention     bool // self-attention along the window in every SeriesNet block
	Steps, Batch      int
	LR                float64
	Members, Sampling int // forecast members and sampling steps (DDIM for the ddpm form, Heun for edm)
	// Param and Anchor are dymodel.Config's: "" or "ddpm" and "" or "none" train the reference form on
	// mean-scaled windows, "edm" and "last" the EDM form anchored at the last observation.
	Param, Anchor string
	// EDM are the edm form's settings; zero: dymodel.DefaultSeriesEDM().
	EDM dymodel.EDMConfig
}

// Options describe the comparison.
type Options struct {
	Model
	// Protocol is the rolling test protocol; its Train rows are the only ones trained on.
	Protocol forecast.Rolling
	// Period is seasonal naive's season in rows.
	Period int
	// Seed fixes the weights, the window order, the training noise, the sampling noise and the random walk.
	Seed uint64
	// Dir holds the run directories (a rerun resumes them); empty: a temporary folder, removed.
	Dir string
	Log io.Writer
}

// Quick is a few-minute comparison on 2 cores.
func Quick() Options {
	return Options{Model: Model{Context: 30, Predict: 30, Channels: 16, Blocks: 2, Steps: 400, Batch: 16, LR: 1e-3,
		Members: 100, Sampling: 10}, Protocol: forecast.ExchangeRateNIPS, Period: 5, Seed: 1}
}

// Full is the full-size comparison: --quick's network trained 25 times longer, sampled with 50 DDIM
// steps (docs/RESULTS.md has its wall time on 2 cores; the doubled width and depth, 32 × 4 at batch 32,
// would take about 16 times as long per step).
func Full() Options {
	return Options{Model: Model{Context: 30, Predict: 30, Channels: 16, Blocks: 2, Steps: 10000, Batch: 16, LR: 1e-3,
		Members: 100, Sampling: 50}, Protocol: forecast.ExchangeRateNIPS, Period: 5, Seed: 1}
}

// Row is one forecast's scores over the test windows.
type Row struct {
	Name string
	// Quantile is CRPS-sum in GluonTS's quantile-loss form (the one papers quote), Fair the exact
	// CRPS of the sum with the fair estimator, both pooled over windows and leads.
	Quantile, Fair float64
	// WQL is the per-series weighted quantile loss (GluonTS's mean_wQuantileLoss), Energy and Variogram
	// the energy and variogram (p = 0.5) scores of each step's N series (seriesscore.Sums).
	WQL, Energy, Variogram float64
	Seconds                float64
}

// Train trains (or resumes) the run dir on the first rows of series [T, N], with η eta, through
// dymodel.SeriesTrainSpec, the spec `tidal train dydiff` trains series with.
func Train(ctx context.Context, b compute.Backend, dir string, series *data.Array, rows int, m Model, eta float64, seed uint64) error {
	mc := dymodel.Config{Method: dymodel.Method, Net: "series", Context: m.Context, Predict: m.Predict, Eta: eta,
		Noising: "dependent", Frame: []int{series.Shape[1]}, Series: dymodel.SeriesNetConfig{Channels: m.Channels, Blocks: m.Blocks, TimeAttention: m.TimeAttention},
		Param: m.Param, Anchor: m.Anchor}
	if mc.IsEDM() {
		mc.EDM = m.EDM
		if mc.EDM == (dymodel.EDMConfig{}) {
			mc.EDM = dymodel.DefaultSeriesEDM()
		}
	}
	o := train.Defaults()
	o.Steps, o.BatchSize, o.LR, o.Seed = m.Steps, m.Batch, m.LR, int64(seed)
	o.EMAHalfLife = float64(m.Steps*m.Batch) / 10                     // the EMA follows the last tenth of a short run
	o.LogEvery, o.CheckpointEvery, o.Keep = 50, max(1, m.Steps/10), 1 // a rerun with the same --dir resumes
	for o.CheckpointEvery%o.LogEvery != 0 {
		o.LogEvery--
	}
	t, err := dymodel.NewSeriesTrainer(dymodel.SeriesTrainSpec{Data: series, Name: "series", Rows: rows, Config: mc, Options: o,
		Stride: 1, Dir: dir, Backend: b, Log: io.Discard})
	if err != nil {
		return err
	}
	defer t.Close()
	_, err = t.Run(ctx)
	return err
}

// Forecast samples the trained run dir's forecast [cases, members, predict, N] of series [T, N] (the
// series' units) by the model's default sampler (DDIM for the ddpm form, Heun for edm) with sampling
// steps, through dymodel.Trained.ForecastCases as `tidal forecast` does.
func Forecast(ctx context.Context, b compute.Backend, dir string, series *data.Array, cs forecast.Cases, members, sampling int, seed uint64) (*data.Array, error) {
	m, snap, err := dymodel.Load(dir, nil)
	if err != nil {
		return nil, err
	}
	t := &dymodel.Trained{Dir: dir, Model: m, Snapshot: snap, Backend: b}
	defer t.Close()
	f, err := t.ForecastCases(ctx, series, cs, dymodel.ForecastOptions{Members: members, Seed: seed, Sampler: dymodel.SamplerOptions{Steps: sampling}})
	if err != nil {
		return nil, err
	}
	return f.Ensemble, nil
}

// Run compares the models on series [T, N].
func Run(ctx context.Context, b compute.Backend, series *data.Array, o Options) ([]Row, error) {
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	if o.Protocol.Predict != o.Predict {
		return nil, fmt.Errorf("the protocol predicts %d rows, the model %d", o.Protocol.Predict, o.Predict)
	}
	cs, err := o.Protocol.Cases(series.Shape[0], max(o.Context, o.Period))
	if err != nil {
		return nil, err
	}
	truth, err := forecast.Truth(series, cs)
	if err != nil {
		return nil, err
	}
	dir := o.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "tidal-bench-series-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	}
	var rows []Row
	add := func(name string, start time.Time, f *data.Array) error {
		s, err := seriesscore.CRPSSum(f, truth)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		r := Row{Name: name, Quantile: s.Quantile, Fair: s.Fair, WQL: s.WQL, Energy: s.Energy, Variogram: s.Variogram, Seconds: time.Since(start).Seconds()}
		if math.IsNaN(r.Fair) { // a point forecast: its CRPS is the absolute error
			r.Fair = s.Empirical
		}
		rows = append(rows, r)
		fmt.Fprintf(logw, "%-30s CRPS-sum %.5f (quantile loss)  %.5f (exact, fair)  wQL %.5f  energy %.5f  variogram %.5f  %.0f s\n",
			name, r.Quantile, r.Fair, r.WQL, r.Energy, r.Variogram, r.Seconds)
		return nil
	}
	mcs := cs
	mcs.Context = o.Context
	for _, v := range []struct {
		name string
		eta  float64
	}{{"DyDiff (η = 0.5)", 0.5}, {"DPM (η = 0)", 0}} {
		start := time.Now()
		run := filepath.Join(dir, fmt.Sprintf("eta%g-seed%d", v.eta, o.Seed))
		if o.Param == dymodel.ParamEDM || o.Anchor == dymodel.AnchorLast {
			v.name += fmt.Sprintf(" %s, anchor %s", orString(o.Param, dymodel.ParamDDPM), orString(o.Anchor, dymodel.AnchorNone))
			run = filepath.Join(dir, fmt.Sprintf("%s-%s-eta%g-seed%d", o.Param, o.Anchor, v.eta, o.Seed))
		}
		if err := Train(ctx, b, run, series, o.Protocol.Train, o.Model, v.eta, o.Seed); err != nil {
			return nil, fmt.Errorf("%s: %w", v.name, err)
		}
		f, err := Forecast(ctx, b, run, series, mcs, o.Members, o.Sampling, o.Seed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", v.name, err)
		}
		if err := add(v.name, start, f); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	rw, _, err := forecast.BaselineRun{Baseline: forecast.Baseline{Method: "random-walk", Members: o.Members, Seed: o.Seed, TrainRows: o.Protocol.Train}, Cases: cs}.Run(series)
	if err != nil {
		return nil, err
	}
	if err := add("random walk", start, rw); err != nil {
		return nil, err
	}
	start = time.Now()
	sn, err := forecast.SeasonalNaive(series, cs, o.Period, 1)
	if err != nil {
		return nil, err
	}
	if err := add(fmt.Sprintf("seasonal naive (P = %d)", o.Period), start, sn); err != nil {
		return nil, err
	}
	start = time.Now()
	pe, err := forecast.Persistence(series, cs, 1)
	if err != nil {
		return nil, err
	}
	if err := add("persistence", start, pe); err != nil {
		return nil, err
	}
	return rows, nil
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Published are the CRPS-sum values of TimeGrad's Table 2 (Rasul et al. 2021) on exchange rate, in
// the quantile-loss form.
var Published = []struct {
	Name  string
	Value string
}{{"TimeGrad", "0.006 ± 0.001"}, {"GP-Copula", "0.007"}, {"Vec-LSTM low-rank copula", "0.007"},
	{"Transformer-MAF", "0.005"}, {"VAR", "0.005"}}

// WriteTable writes the rows as a Markdown table with the published numbers after them.
func WriteTable(w io.Writer, rows []Row) {
	fmt.Fprintln(w, "| forecast | CRPS-sum (quantile loss) | CRPS-sum (exact, fair) | wQL (per series) | energy | variogram (p = 0.5) | seconds |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %.5f | %.5f | %.5f | %.5f | %.5f | %.0f |\n", r.Name, r.Quantile, r.Fair, r.WQL, r.Energy, r.Variogram, r.Seconds)
	}
	for _, p := range Published {
		fmt.Fprintf(w, "| %s (published, TimeGrad Table 2) | %s | — | — | — | — | — |\n", p.Name, p.Value)
	}
}
