package metrics

import (
	"reflect"
	"strings"
	"testing"
)

// TestPoolingByHand checks avg and max pooling, with stride and padding, on a 4×4 image 0..15.
func TestPoolingByHand(t *testing.T) {
	img := make([]float64, 16)
	for i := range img {
		img[i] = float64(i)
	}
	cases := []struct {
		p    Pooling
		want []float64
	}{
		{Pooling{Kind: "avg", Size: 2, Stride: 2}, []float64{2.5, 4.5, 10.5, 12.5}},
		{Pooling{Kind: "max", Size: 2, Stride: 2}, []float64{5, 7, 13, 15}},
		// 3×3 windows, stride 3, padding 1: each sees 4 cells of the image; avg counts padding as zeros.
		{Pooling{Kind: "avg", Size: 3, Stride: 3, Pad: 1}, []float64{(0 + 1 + 4 + 5) / 9.0, (2 + 3 + 6 + 7) / 9.0, (8 + 9 + 12 + 13) / 9.0, (10 + 11 + 14 + 15) / 9.0}},
		// DyDiff's windowed CSI for k = 3: stride 1, padding 1, so one window centred on every cell.
		{CSIPooling(3), []float64{5, 6, 7, 7, 9, 10, 11, 11, 13, 14, 15, 15, 13, 14, 15, 15}},
	}
	for _, c := range cases {
		if err := c.p.check(4, 4); err != nil {
			t.Fatal(err)
		}
		oh, ow := c.p.outSize(4, 4)
		got := make([]float64, oh*ow)
		c.p.poolImage(got, img, 4, 4)
		if len(got) != len(c.want) {
			t.Fatalf("%+v: %v, want %v", c.p, got, c.want)
		}
		for i := range got {
			if !near(got[i], c.want[i], 1e-15) {
				t.Fatalf("%+v: %v, want %v", c.p, got, c.want)
			}
		}
	}
	if err := (Pooling{Kind: "min", Size: 2, Stride: 1}).check(4, 4); err == nil {
		t.Fatal("kind min accepted")
	}
	if err := (Pooling{Kind: "max", Size: 8, Stride: 1}).check(4, 4); err == nil {
		t.Fatal("window larger than the image accepted")
	}
}

// TestParsePooling: avg<k> and max<k> are CRPSPooling's; other names and k < 1 are refused.
func TestParsePooling(t *testing.T) {
	for _, c := range []struct {
		s, kind string
		k       int
	}{{"avg2", "avg", 2}, {"max8", "max", 8}} {
		p, err := ParsePooling(c.s)
		if err != nil || !reflect.DeepEqual(p, CRPSPooling(c.kind, c.k)) {
			t.Errorf("%s: %+v, %v", c.s, p, err)
		}
	}
	for _, bad := range []string{"avg0", "max", "min2", "avg-1", ""} {
		if _, err := ParsePooling(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
	if err := CheckMetricNames([]string{"crps", "rmse"}); err != nil {
		t.Error(err)
	}
	if err := CheckMetricNames([]string{"crps", "brier"}); err == nil || !strings.Contains(err.Error(), `"brier"`) {
		t.Errorf("an unknown metric: %v", err)
	}
}
