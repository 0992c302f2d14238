package forecast

import (
	"slices"
	"strings"
	"testing"
)

// The exchange-rate protocol's windows start at rows 6071, 6101, ..., 6191, the last ending at 6221, as
// GluonTS's exchange_rate_nips test split.
func TestExchangeRateNIPSWindows(t *testing.T) {
	c, err := ExchangeRateNIPS.Cases(7588, 30)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{6071, 6101, 6131, 6161, 6191}; !slices.Equal(c.Starts, want) || c.Lead != 30 || c.Context != 30 {
		t.Fatalf("cases %+v, expected starts %v, lead 30, context 30", c, want)
	}
	if r, err := EndRolling(6221, 5, 30); err != nil || r != ExchangeRateNIPS {
		t.Errorf("EndRolling(6221, 5, 30) = %+v, %v; expected %+v", r, err, ExchangeRateNIPS)
	}
	for _, bad := range [][3]int{{150, 5, 30}, {100, 0, 30}, {100, 5, 0}} {
		if _, err := EndRolling(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("EndRolling%v accepted", bad)
		}
	}
	if err := ExchangeRateNIPS.Check(6221); err != nil {
		t.Errorf("a series ending with the last window refused: %v", err)
	}
	if err := ExchangeRateNIPS.Check(6220); err == nil || !strings.Contains(err.Error(), "they need 6221") {
		t.Errorf("a series one row short: error %v", err)
	}
}

func TestRollingRefuses(t *testing.T) {
	for _, c := range []struct {
		r             Rolling
		rows, context int
		want          string
	}{
		{Rolling{0, 1, 1, 1}, 10, 1, "train length 0"},
		{Rolling{5, 0, 1, 1}, 10, 1, "windows 0"},
		{Rolling{5, 1, 0, 1}, 10, 1, "prediction length 0"},
		{Rolling{5, 2, 2, 0}, 10, 1, "stride 0"},
		{Rolling{5, 3, 2, 2}, 10, 1, "they need 11"},
		{Rolling{5, 1, 2, 2}, 10, 6, "context 6"},
		{Rolling{5, 1, 2, 2}, 10, 0, "context 0"},
		{Rolling{5, 1 << 62, 2, 1 << 62}, 10, 1, "do not fit"},
		{Rolling{5, 1<<32 + 1, 2, 1 << 32}, 10, 1, "do not fit"}, // (windows−1)·stride wraps to 0 in int64
	} {
		if _, err := c.r.Cases(c.rows, c.context); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v over %d rows, context %d: error %v, expected %q", c.r, c.rows, c.context, err, c.want)
		}
	}
	// Overlapping windows (stride < prediction length) are allowed.
	c, err := Rolling{Train: 4, Windows: 3, Predict: 3, Stride: 1}.Cases(9, 4)
	if err != nil || !slices.Equal(c.Starts, []int{4, 5, 6}) {
		t.Errorf("overlapping windows: %+v, %v", c, err)
	}
}
