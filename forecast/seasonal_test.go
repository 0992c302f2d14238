package forecast

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// Seasonal naive repeats the last P observed frames; period 1 is persistence.
func TestSeasonalNaive(t *testing.T) {
	s := ramp(20, 2) // frame t holds t, t
	c := Cases{Context: 4, Lead: 7, Starts: []int{5, 12}}
	f, err := SeasonalNaive(s, c, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Shape, []int{2, 2, 7, 2}) {
		t.Fatalf("shape %v", f.Shape)
	}
	for b, start := range c.Starts {
		for m := range 2 {
			for h := range 7 {
				want := float32(start - 3 + h%3) // frames s−3, s−2, s−1, s−3, ...
				for p := range 2 {
					if got := f.F32[((b*2+m)*7+h)*2+p]; got != want {
						t.Fatalf("case %d member %d lead %d point %d = %v, expected %v", b, m, h, p, got, want)
					}
				}
			}
		}
	}
	one, err := SeasonalNaive(s, c, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	pers, _ := Persistence(s, c, 2)
	if !slices.Equal(one.F32, pers.F32) {
		t.Error("period 1 differs from persistence")
	}
}

func TestSeasonalNaiveRefuses(t *testing.T) {
	s := ramp(20, 2)
	c := Cases{Context: 4, Lead: 2, Starts: []int{5}}
	for _, tc := range []struct {
		period, members int
		want            string
	}{{0, 1, "period 0"}, {5, 1, "period 5 needs at least 5 context frames"}, {2, 0, "members 0"}} {
		if _, err := SeasonalNaive(s, c, tc.period, tc.members); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("period %d members %d: error %v, expected %q", tc.period, tc.members, err, tc.want)
		}
	}
	s.F32[3*2+1] = float32(math.NaN())
	if _, err := SeasonalNaive(s, c, 2, 1); err == nil || !strings.Contains(err.Error(), "NaN at point 1") {
		t.Errorf("a NaN in the last season: error %v", err)
	}
	if _, err := SeasonalNaive(s, Cases{Context: 4, Lead: 2, Starts: []int{19}}, 2, 1); err == nil {
		t.Error("a case past the end accepted")
	}
}
