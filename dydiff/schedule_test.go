package dydiff

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// Golden values (docs/DIFFUSION.md, "Schedules"; float64, from the reference code's formulas).
func TestScheduleGolden(t *testing.T) {
	const rel = 1e-12
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	for _, c := range []struct {
		t    int
		want float64
	}{{0, 0.999958715775178}, {1, 0.9999125759273678}, {499, 0.49384359044063775},
		{981, 7.867147536445502e-4}, {999, 2.4287669070348542e-9}} {
		if got := s.AlphaBar(c.t); !tensortest.CloseRel(got, c.want, rel) {
			t.Errorf("ᾱ[%d] = %.17g, want %.17g", c.t, got, c.want)
		}
	}
	for _, c := range []struct {
		eta  float64
		t    int
		want float64
	}{{0.5, 0, 0.9999793578875891}, {0.5, 499, 0.7469217952203189}, {0.5, 981, 0.5003933573768222},
		{0.5, 999, 0.5}, {0.1, 499, 0.9493843590440638}, {0.9, 499, 0.5444592313965739}, {0.9, 999, 0.1}} {
		s := mustSchedule(t, c.eta, ScheduleOptions{})
		if got := s.GammaBar(c.t); !tensortest.CloseRel(got, c.want, rel) {
			t.Errorf("η=%v: γ̄[%d] = %.17g, want %.17g", c.eta, c.t, got, c.want)
		}
	}
}

// γ̄_t = 1 − η(1−ᾱ_t) for t ≤ 998 (docs/DIFFUSION.md, "Schedules"); at t = 999, where ᾱ comes from the clip,
// the product telescopes to w_T/w_0 = 1 − η exactly, ηᾱ_999 ≈ 2e-9 from the closed form. η = 0 gives γ̄ ≡ 1.
func TestGammaBarClosedForm(t *testing.T) {
	for _, eta := range []float64{0, 0.1, 0.5, 0.9} {
		s := mustSchedule(t, eta, ScheduleOptions{})
		for i := range s.T() {
			want := 1 - eta*(1-s.AlphaBar(i))
			tol := 1e-12
			if i == s.T()-1 {
				want = 1 - eta
			}
			if got := s.GammaBar(i); math.Abs(got-want) > tol {
				t.Fatalf("η=%v γ̄[%d] = %.17g, closed form %.17g", eta, i, got, want)
			}
		}
	}
	if s := mustSchedule(t, 0, ScheduleOptions{}); slices.ContainsFunc(s.GammaBars(), func(g float64) bool { return g != 1 }) {
		t.Fatal("η=0: γ̄ is not identically 1")
	}
}

// η ≥ 1 is refused unless guarded (docs/DIFFUSION.md, "Schedules", AllowEtaOne); with the guard, γ̄ follows ᾱ
// and the clip.
func TestScheduleEtaGuard(t *testing.T) {
	_, err := NewSchedule(1, ScheduleOptions{})
	if err == nil || !strings.Contains(err.Error(), "AllowEtaOne") {
		t.Fatalf("η=1 without guard: err=%v, want a refusal naming AllowEtaOne", err)
	}
	for _, eta := range []float64{1.2, -0.1, math.NaN()} {
		if _, err := NewSchedule(eta, ScheduleOptions{AllowEtaOne: true}); err == nil {
			t.Errorf("η=%v accepted", eta)
		}
	}
	s := mustSchedule(t, 1, ScheduleOptions{AllowEtaOne: true})
	if got := s.GammaBar(981); !tensortest.CloseRel(got, 7.867147536445502e-4, 1e-9) {
		t.Errorf("η=1: γ̄[981] = %g, want ≈7.87e-4 (= ᾱ[981])", got)
	}
	if got := s.GammaBar(999); !tensortest.CloseRel(got, 2.4287669070348542e-9, 1e-6) {
		t.Errorf("η=1: γ̄[999] = %g, want ≈2.43e-9 (from the clip)", got)
	}
	if _, err := NewSchedule(0.5, ScheduleOptions{T: 1}); err == nil {
		t.Error("T=1 accepted")
	}
	if _, err := NewSchedule(0.5, ScheduleOptions{Noising: 7}); err == nil {
		t.Error("unknown Noising accepted")
	}
}

// The reference's uniform DDIM steps with the +1 offset (docs/DIFFUSION.md, "Samplers", "Steps").
func TestTimesteps(t *testing.T) {
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	ts, err := s.Timesteps(50)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 50 || ts[0] != 1 || ts[1] != 21 || ts[49] != 981 {
		t.Fatalf("Timesteps(50) = %v, want 1, 21, …, 981", ts)
	}
	if ts, err = s.Timesteps(1000); err != nil || len(ts) != 1000 || ts[0] != 0 || ts[999] != 999 {
		t.Fatalf("Timesteps(1000): %v %v, want 0..999", len(ts), err)
	}
	if ts, err = s.Timesteps(30); err != nil || len(ts) != 31 || ts[0] != 1 || ts[1] != 34 || ts[30] != 991 {
		t.Fatalf("Timesteps(30): %v (%v), want the reference's 31 steps 1, 34, …, 991", ts, err)
	}
	for _, n := range []int{0, 300, 999, 1001} { // 300 and 999: the +1 offset runs past 999
		if _, err := s.Timesteps(n); err == nil {
			t.Errorf("Timesteps(%d) accepted", n)
		}
	}
	for _, bad := range [][]int{{}, {3, 2}, {0, 1000}, {-1, 4}} {
		if err := s.checkTimesteps(bad); err == nil {
			t.Errorf("timesteps %v accepted", bad)
		}
	}
}
