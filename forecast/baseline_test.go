package forecast

import "testing"

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
