package forecast

import "fmt"

// Rolling is a rolling-origin test protocol over a series of rows: the first Train rows are for training,
// and window k = 0 … Windows−1 forecasts the Predict rows [Train + k·Stride, Train + k·Stride + Predict)
// from the rows before it. GluonTS's multivariate benchmarks use Stride = Predict (docs/SERIES.md).
type Rolling struct {
	Train, Windows, Predict, Stride int
}

// ExchangeRateNIPS is the standard protocol of GluonTS's exchange_rate_nips (TimeGrad and its
// successors): train on the first 6071 rows, then 5 windows of 30 rows, the last ending at row 6221.
var ExchangeRateNIPS = Rolling{Train: 6071, Windows: 5, Predict: 30, Stride: 30}

// EndRolling is the protocol of windows windows of predict rows each, back to back (Stride = Predict), the
// last ending at row rows: how a GluonTS rolling test split reads, whose longest series (data.RaggedLongest)
// has rows rows. EndRolling(6221, 5, 30) is ExchangeRateNIPS.
func EndRolling(rows, windows, predict int) (Rolling, error) {
	if windows < 1 || predict < 1 || windows > rows/predict {
		return Rolling{}, fmt.Errorf("%d windows of %d rows ending at row %d: expected at least 1 of each and room for a training part", windows, predict, rows)
	}
	r := Rolling{Train: rows - windows*predict, Windows: windows, Predict: predict, Stride: predict}
	return r, r.Check(rows)
}

// Check reports whether the protocol is well formed and its last window ends within rows rows.
func (r Rolling) Check(rows int) error {
	switch {
	case r.Train < 1:
		return fmt.Errorf("train length %d: expected at least 1 row", r.Train)
	case r.Windows < 1:
		return fmt.Errorf("windows %d: expected at least 1", r.Windows)
	case r.Predict < 1:
		return fmt.Errorf("prediction length %d: expected at least 1 row", r.Predict)
	case r.Stride < 1:
		return fmt.Errorf("stride %d: expected at least 1 row between window starts", r.Stride)
	}
	room := rows - r.Train - r.Predict // rows left for the later windows' offsets
	if r.Train > rows || r.Predict > rows || room < 0 || r.Windows-1 > room/r.Stride {
		return fmt.Errorf("%d rows of training and %d windows %d rows apart, predicting %d rows each, do not fit in the series' %d rows (they need %s)", r.Train, r.Windows, r.Stride, r.Predict, rows, r.need())
	}
	return nil
}

// need is the number of rows the protocol spans, in words (it may exceed int).
func (r Rolling) need() string {
	return fmt.Sprintf("%.0f", float64(r.Train)+float64(r.Windows-1)*float64(r.Stride)+float64(r.Predict))
}

// Starts is the first forecast row of every window: Train + k·Stride.
func (r Rolling) Starts() []int {
	s := make([]int, r.Windows)
	for k := range s {
		s[k] = r.Train + k*r.Stride
	}
	return s
}

// Cases are the protocol's windows over a series of rows rows as forecast cases, each observing the context
// rows just before its start (1 ≤ context ≤ Train, so every window's context lies in the series).
func (r Rolling) Cases(rows, context int) (Cases, error) {
	if err := r.Check(rows); err != nil {
		return Cases{}, err
	}
	if context < 1 || context > r.Train {
		return Cases{}, fmt.Errorf("context %d: expected 1 to %d rows (the training length)", context, r.Train)
	}
	return Cases{Context: context, Lead: r.Predict, Starts: r.Starts()}, nil
}
