package noise

import (
	"math"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

func vals(t *testing.T, x *tensors.Tensor) []float32 {
	t.Helper()
	v, err := tensors.CopyFlatData[float32](x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// One seed gives the same numbers; rows do not depend on how many rows there are; the initial and the
// per-step purposes never share a stream.
func TestStreams(t *testing.T) {
	a, _ := Initial(5, 4, 3, 2)
	b, _ := Initial(5, 4, 3, 2)
	if !slices.Equal(vals(t, a), vals(t, b)) {
		t.Error("same seed, different noise")
	}
	c, _ := Initial(6, 4, 3, 2)
	if slices.Equal(vals(t, a), vals(t, c)) {
		t.Error("seeds 5 and 6 gave the same noise")
	}
	two, _ := Initial(5, 2, 3, 2)
	if !slices.Equal(vals(t, a)[:12], vals(t, two)) {
		t.Error("rows 0–1 depend on the number of rows")
	}
	steps, err := NewSteps(5, 4, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	first := vals(t, steps.Next())
	if slices.Equal(first, vals(t, a)) {
		t.Error("per-step noise repeats the initial noise of the same seed")
	}
	if slices.Equal(first, vals(t, steps.Next())) {
		t.Error("two steps drew the same noise")
	}
	steps2, _ := NewSteps(5, 1, 3, 2)
	if !slices.Equal(first[:6], vals(t, steps2.Next())) {
		t.Error("per-step row 0 depends on the number of rows")
	}
	if got := a.Shape().Dimensions; !slices.Equal(got, []int{4, 3, 2}) {
		t.Errorf("shape %v, want [4 3 2]", got)
	}
}

// The values are standard normal: over 200 000 draws the mean is within 5·SE (0.011) of 0, the variance
// within 5·SE (0.016) of 1, and the fourth moment within 0.1 of 3.
func TestStandardNormal(t *testing.T) {
	x, err := Initial(1, 1000, 200)
	if err != nil {
		t.Fatal(err)
	}
	var m1, m2, m4 float64
	v := vals(t, x)
	for _, f := range v {
		d := float64(f)
		m1 += d
		m2 += d * d
		m4 += d * d * d * d
	}
	n := float64(len(v))
	m1, m2, m4 = m1/n, m2/n, m4/n
	if math.Abs(m1) > 0.011 || math.Abs(m2-1) > 0.016 || math.Abs(m4-3) > 0.1 {
		t.Errorf("mean %.4f, E[x²] %.4f, E[x⁴] %.4f; want 0, 1, 3", m1, m2, m4)
	}
}

func TestErrors(t *testing.T) {
	if _, err := Initial(1); err == nil {
		t.Error("no dimensions accepted")
	}
	if _, err := NewSteps(1, 3, 0); err == nil {
		t.Error("zero dimension accepted")
	}
}
