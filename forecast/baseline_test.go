package forecast

import (
	"slices"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

func TestPersistenceRepeatsLastObservedFrame(t *testing.T) {
	s := ramp(10, 2, 2)
	c := Cases{Context: 3, Lead: 2, Starts: []int{3, 8}}
	f, err := Persistence(s, c, 2)
	if err != nil {
		t.Fatal(err)
	}
	if f.Shape[0] != 2 || f.Shape[1] != 2 || f.Shape[2] != 2 || f.Len() != 2*2*2*4 {
		t.Fatalf("shape %v", f.Shape)
	}
	for i, v := range f.F32 {
		want := float32(2) // case 0 observes frames 0..2
		if i >= 16 {
			want = 7 // case 1 observes 5..7
		}
		if v != want {
			t.Fatalf("value %d = %v, want %v", i, v, want)
		}
	}
}

// TestClimatologyDrawsUniformly checks that members are whole frames of the pool, drawn uniformly (a χ²
// test at the 0.001 level on 8 bins), reproducible from the seed.
func TestClimatologyDrawsUniformly(t *testing.T) {
	pool := ramp(8, 3)
	c := Cases{Context: 1, Lead: 10, Starts: make([]int, 50)}
	f, err := Climatology(pool, c, 20, 7)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]float64, 8)
	for i := 0; i < f.Len(); i += 3 {
		k := f.F32[i]
		if f.F32[i+1] != k || f.F32[i+2] != k {
			t.Fatalf("member %d mixes frames", i/3)
		}
		counts[int(k)]++
	}
	n := float64(f.Len() / 3)
	chi2 := 0.0
	for _, o := range counts {
		e := n / 8
		chi2 += (o - e) * (o - e) / e
	}
	if chi2 > 24.32 { // χ²(7) at p = 0.001
		t.Fatalf("draws not uniform: counts %v, χ² = %.1f", counts, chi2)
	}
	g, _ := Climatology(pool, c, 20, 7)
	h, _ := Climatology(pool, c, 20, 8)
	same, differ := true, false
	for i := range f.F32 {
		same = same && f.F32[i] == g.F32[i]
		differ = differ || f.F32[i] != h.F32[i]
	}
	if !same || !differ {
		t.Fatal("the seed should fix the draws, and another seed change them")
	}
}

// TestBaselineByName: each method is its function with the same arguments; climatology without a pool
// and an unknown method are refused.
func TestBaselineByName(t *testing.T) {
	v := make([]float64, 40*2)
	for i := range v {
		v[i] = float64(i%7) + 0.1*float64(i)
	}
	series := data.FromFloat64(v, 40, 2)
	c := Cases{Context: 3, Lead: 2, Starts: []int{10, 20}}
	scale, _ := IncrementScale(series, 8)
	want := map[string]func() (*data.Array, error){
		"persistence":    func() (*data.Array, error) { return Persistence(series, c, 3) },
		"climatology":    func() (*data.Array, error) { return Climatology(series, c, 3, 5) },
		"seasonal-naive": func() (*data.Array, error) { return SeasonalNaive(series, c, 3, 3) },
		"random-walk":    func() (*data.Array, error) { return RandomWalk(series, c, scale, 3, 5) },
	}
	for method, f := range want {
		w, err := f()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Baseline{Method: method, Members: 3, Seed: 5, Pool: series, Period: 3, TrainRows: 8}.Forecast(series, c)
		if err != nil || !slices.Equal(got.Float64(), w.Float64()) || !slices.Equal(got.Shape, w.Shape) {
			t.Errorf("%s: %v (%v) differs from its function's %v", method, got, err, w.Shape)
		}
	}
	if _, err := (Baseline{Method: "climatology", Members: 1}).Forecast(series, c); err == nil {
		t.Error("climatology without a pool was accepted")
	}
	if _, err := (Baseline{Method: "oracle", Members: 1}).Forecast(series, c); err == nil {
		t.Error("an unknown method was accepted")
	}
}
