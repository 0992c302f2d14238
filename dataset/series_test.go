package dataset

import (
	"math"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

func TestRejects(t *testing.T) {
	nan := data.FromFloat32([]float32{1, 2, float32(math.NaN()), 4}, 2, 2)
	if _, err := FromArray("x.npy", nan); err == nil || !strings.Contains(err.Error(), "frame 1") {
		t.Errorf("NaN: %v", err)
	}
	if _, err := FromArray("x.npy", data.FromFloat32(make([]float32, 8), 2, 2, 2)); err == nil || !strings.Contains(err.Error(), "x.npy") {
		t.Errorf("rank 3: %v", err)
	}
	ss := []Series{field("a", 5, 1, 2, 2, 0), field("b", 5, 1, 2, 3, 0)}
	if _, _, _, err := Split(ss, Options{Frames: 2}); err == nil || !strings.Contains(err.Error(), "b") {
		t.Errorf("mismatched frames: %v", err)
	}
	if _, _, _, err := Split(ss[:1], Options{Frames: 6}); err == nil {
		t.Error("window longer than the series accepted")
	}
	if _, _, _, err := Split(ss[:1], Options{Frames: 1, Crop: []int{3, 1}}); err == nil {
		t.Error("crop taller than the grid accepted")
	}
}

// TestTrainingHoldsOneCopy checks the training data path for copies of the whole data set: TakeArray
// takes the array's values over (FromArray copies them), and the windows of Split read the series in
// place (a value changed in the series shows in the next batch), so a run holds one copy of its data.
func TestTrainingHoldsOneCopy(t *testing.T) {
	v := make([]float32, 6*1*2*2)
	for i := range v {
		v[i] = float32(i % 5)
	}
	a := &data.Array{DType: data.Float32, Shape: []int{6, 1, 2, 2}, F32: v}
	s, err := TakeArray("a", a)
	if err != nil {
		t.Fatal(err)
	}
	if &s.Data[0] != &v[0] {
		t.Error("TakeArray copied the values")
	}
	c, err := FromArray("a", a)
	if err != nil {
		t.Fatal(err)
	}
	if &c.Data[0] == &v[0] {
		t.Error("FromArray did not copy the values")
	}
	tr, _, norm, err := Split([]Series{s}, Options{Frames: 6, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	before, err := tr.Batch(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	s.Data[0] += 10
	after, err := tr.Batch(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	b0 := before[0].Value().([][][][][]float32)[0][0][0][0][0]
	a0 := after[0].Value().([][][][][]float32)[0][0][0][0][0]
	if want := float32(10 / norm.Std[0]); math.Abs(float64(a0-b0-want)) > 1e-4 {
		t.Errorf("a change of 10 in the series moved the batch's first value by %v, expected %v: the windows do not read the series in place", a0-b0, want)
	}
}
