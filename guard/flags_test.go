package guard

import (
	"math"
	"strings"
	"testing"
)

func TestFlagChecksNameTheFlagAndRefuseNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		err  error
		want string // "" means accepted
	}{
		{Finite("dt", 0.5), ""},
		{Finite("dt", nan), "--dt NaN: expected a finite number"},
		{Finite("dt", -inf), "--dt -Inf"},
		{Between("q", 0.5, 0, 1), ""},
		{Between("q", 1.5, 0, 1), "--q 1.5: expected a number in [0, 1]"},
		{Between("q", nan, 0, 1), "--q NaN"},
		{AtLeast("data-range", -1, 0), "--data-range -1: expected a number ≥ 0"},
		{AllFinite("thresholds", []float64{1, nan}), "--thresholds: value 2 is NaN"},
		{AllOpen("quantiles", []float64{0.5, 1}, 0, 1), "--quantiles: value 2 is 1, expected a number in (0, 1)"},
		{AllOpen("quantiles", []float64{0.1, 0.9}, 0, 1), ""},
		{Int("members", 1000000000, 1, 1<<20), "--members 1000000000: expected an integer in [1, 1048576]"},
		{Int("members", 8, 1, 1<<20), ""},
		{Ints("csi-windows", []int{1, 0}, 1, 1<<16), "--csi-windows: value 2 is 0"},
		{Ints("csi-windows", []int{-5}, 1, 1<<16), "--csi-windows: value 1 is -5"},
		{First(nil, Int("a", 0, 1, 2), Int("b", 0, 1, 2)), "--a 0"},
	} {
		switch {
		case c.want == "" && c.err != nil:
			t.Errorf("refused: %v", c.err)
		case c.want != "" && (c.err == nil || !strings.Contains(c.err.Error(), c.want)):
			t.Errorf("got %v, expected an error containing %q", c.err, c.want)
		}
	}
}

func TestShapeChecks(t *testing.T) {
	if err := Rank("--data x.npy", []int{}, 1, 8, "[frames, ...]"); err == nil ||
		!strings.Contains(err.Error(), "--data x.npy: shape [] has rank 0, expected rank 1 to 8 [frames, ...]") {
		t.Errorf("0-d array: %v", err)
	}
	if err := Rank("f", []int{2, 3}, 2, 2, ""); err != nil {
		t.Error(err)
	}
	if err := NonEmpty("f", []int{2, 0}); err == nil || !strings.Contains(err.Error(), "axis 1") {
		t.Errorf("empty axis: %v", err)
	}
	if err := Axis("lead-axis", 7, "forecast f.npy", []int{2, 3, 4}); err == nil ||
		!strings.Contains(err.Error(), "--lead-axis 7: expected an axis of forecast f.npy, whose shape [2 3 4] has axes 0 to 2") {
		t.Errorf("bad axis: %v", err)
	}
}
