package navierstokes

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// TestAutoNu: ν auto is the paper's ν on the paper's grid and keeps ν·M^(2nν) fixed on every grid.
func TestAutoNu(t *testing.T) {
	if got := AutoNu(PaperN, 2); math.Abs(got/PaperNu-1) > 1e-15 {
		t.Fatalf("AutoNu(256, 2) = %g, want %g", got, PaperNu)
	}
	rate := PaperNu * math.Pow(85, 4)
	for _, n := range []int{32, 48, 64, 100, 128, 512} {
		for _, order := range []int{1, 2, 4} {
			m := float64(Cutoff(n))
			if got := AutoNu(n, order) * math.Pow(m, 2*float64(order)); math.Abs(got/rate-1) > 1e-14 {
				t.Errorf("n=%d order %d: ν·M^(2nν) = %g, want %g", n, order, got, rate)
			}
		}
	}
	if Cutoff(256) != 85 || Cutoff(64) != 21 || Cutoff(32) != 10 {
		t.Errorf("cutoffs %d %d %d, want 85 21 10", Cutoff(256), Cutoff(64), Cutoff(32))
	}
	auto := DefaultParams(64)
	auto.NuAuto = true
	p, err := auto.Resolved()
	if err != nil || p.Nu != AutoNu(64, 2) || p.Workers != 1 {
		t.Fatalf("resolved %+v, %v", p, err)
	}
}

func TestValidateNamesTheParameter(t *testing.T) {
	for _, c := range []struct {
		want string
		edit func(p *Params)
	}{
		{"even", func(p *Params) { p.N = 63 }},
		{"even", func(p *Params) { p.N = 4 }},
		{"viscosity ν", func(p *Params) { p.NuAuto, p.Nu = false, math.Inf(1) }},
		{"order", func(p *Params) { p.NuOrder = 0 }},
		{"drag", func(p *Params) { p.Mu = -0.1 }},
		{"injection", func(p *Params) { p.Eps = math.NaN() }},
		{"time step", func(p *Params) { p.Dt = 0 }},
		{"forcing width", func(p *Params) { p.DeltaF = 0 }},
		{"cutoff", func(p *Params) { p.Kf = 21 }},
		{"workers", func(p *Params) { p.Workers = -2 }},
	} {
		p := DefaultParams(64)
		c.edit(&p)
		if _, err := New(p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v", c.want, err)
		}
	}
	p := DefaultParams(64)
	p.Eps, p.Kf = 0, 0 // an unforced flow needs no forcing wavenumber
	if _, err := New(p); err != nil {
		t.Fatal(err)
	}
}

// TestDeterministic: a run is a function of its parameters: the same seed gives the same field bit for
// bit whatever the number of workers, and another seed gives another field.
func TestDeterministic(t *testing.T) {
	run := func(seed uint64, workers int) []float64 {
		p := DefaultParams(48)
		p.Seed, p.Workers = seed, workers
		s := mustSolver(t, p)
		for i := 0; i < 50; i++ {
			s.Step()
		}
		return s.Vorticity(nil)
	}
	a := run(1, 1)
	if !reflect.DeepEqual(a, run(1, 1)) || !reflect.DeepEqual(a, run(1, 3)) {
		t.Fatal("the same seed gave different fields")
	}
	if reflect.DeepEqual(a, run(2, 1)) {
		t.Fatal("different seeds gave the same field")
	}
}
