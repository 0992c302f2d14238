package stepbench

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestSummarizeRounds: medians of three rounds, each round's ratio taken within the round, and a case
// without a PyTorch figure keeps only tidal's median.
func TestSummarizeRounds(t *testing.T) {
	ms := func(v float64) time.Duration { return time.Duration(v * 1e6) }
	u32, dit := Case{Net: "unet", Size: 32}, Case{Net: "dit", Size: 32}
	round := func(tidal, torch, ditStep float64) Round {
		return Round{Tidal: []Result{{Case: u32, Step: ms(tidal)}, {Case: dit, Step: ms(ditStep)}},
			Torch: []TorchResult{{Net: "unet", Size: 32, Eager: ms(torch)}}}
	}
	// The machine slows down in round 2 (both sides double): the ratios stay 0.9, 0.9 and 1.2.
	got := SummarizeRounds([]Round{round(90, 100, 50), round(180, 200, 70), round(120, 100, 60)})
	if len(got) != 2 {
		t.Fatalf("%d summaries, want 2", len(got))
	}
	u := got[0]
	if u.Case != u32 || u.Tidal != ms(120) || u.Eager != ms(100) || math.Abs(u.MedianRatio-0.9) > 1e-12 {
		t.Errorf("unet: %+v, want tidal 120 ms, eager 100 ms, median ratio 0.9", u)
	}
	if want := []float64{0.9, 0.9, 1.2}; len(u.Ratios) != 3 || math.Abs(u.Ratios[2]-want[2]) > 1e-12 || math.Abs(u.Ratios[1]-want[1]) > 1e-12 {
		t.Errorf("ratios %v, want %v", u.Ratios, want)
	}
	if d := got[1]; d.Tidal != ms(60) || d.Eager != 0 || d.Ratios != nil {
		t.Errorf("dit: %+v, want tidal 60 ms and no PyTorch figures", d)
	}
	var b strings.Builder
	if err := WriteRoundSummary(&b, []Round{round(90, 100, 50), round(180, 200, 70), round(120, 100, 60)}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Medians of 3 rounds", "0.90× 0.90× 1.20×", "unet 32²"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
