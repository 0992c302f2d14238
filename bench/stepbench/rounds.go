package stepbench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tidal-forecast/tidal/bench/benchenv"
)

// Round is one pass over the cases: tidal's results, then PyTorch's (empty without --torch).
type Round struct {
	Tidal []Result
	Torch []TorchResult
}

// RoundSummary is one case over all rounds: the median step of tidal and of PyTorch eager (0 when
// PyTorch has no figure for it), and tidal/eager of each round with its median. The median of the
// rounds' ratios, each taken between steps timed minutes apart, is what to quote: a drift of the
// machine's speed between rounds touches both sides of a round's ratio alike.
type RoundSummary struct {
	Case         Case
	Tidal, Eager time.Duration
	Ratios       []float64
	MedianRatio  float64
}

// SummarizeRounds returns one summary per case of the first round, in its order.
func SummarizeRounds(rounds []Round) []RoundSummary {
	if len(rounds) == 0 {
		return nil
	}
	var out []RoundSummary
	for _, first := range rounds[0].Tidal {
		s := RoundSummary{Case: first.Case}
		var tidal, eager []time.Duration
		for _, r := range rounds {
			t, ok := findResult(r.Tidal, first.Case)
			if !ok {
				continue
			}
			tidal = append(tidal, t.Step)
			if e, ok := findTorch(r.Torch, first.Case); ok && e.Eager > 0 {
				eager = append(eager, e.Eager)
				s.Ratios = append(s.Ratios, t.Step.Seconds()/e.Eager.Seconds())
			}
		}
		s.Tidal = benchenv.Median(tidal)
		if len(eager) > 0 {
			s.Eager = benchenv.Median(eager)
			sorted := slices.Clone(s.Ratios)
			slices.Sort(sorted)
			s.MedianRatio = sorted[len(sorted)/2] // the upper median, as benchenv.Median
		}
		out = append(out, s)
	}
	return out
}

func findResult(rs []Result, c Case) (Result, bool) {
	for _, r := range rs {
		if r.Case == c {
			return r, true
		}
	}
	return Result{}, false
}

func findTorch(ts []TorchResult, c Case) (TorchResult, bool) {
	for _, t := range ts {
		if t.Net == c.Net && t.Size == c.Size {
			return t, true
		}
	}
	return TorchResult{}, false
}

// WriteRoundSummary writes SummarizeRounds as a table: medians, each round's tidal/eager, and their
// median.
func WriteRoundSummary(w io.Writer, rounds []Round) error {
	if _, err := fmt.Fprintf(w, "Medians of %d rounds (tidal's cases, then PyTorch's, alternating)\n%-12s %13s %13s  %-26s %12s\n",
		len(rounds), "net size", "tidal", "torch eager", "tidal/eager by round", "median ratio"); err != nil {
		return err
	}
	for _, s := range SummarizeRounds(rounds) {
		eager, byRound, median := "-", "-", "-"
		if s.Eager > 0 {
			eager = fmt.Sprintf("%.1f ms", ms(s.Eager))
			rs := make([]string, len(s.Ratios))
			for i, r := range s.Ratios {
				rs[i] = fmt.Sprintf("%.2f×", r)
			}
			byRound, median = strings.Join(rs, " "), fmt.Sprintf("%.2f×", s.MedianRatio)
		}
		if _, err := fmt.Fprintf(w, "%-12s %10.1f ms %13s  %-26s %12s\n", s.Case, ms(s.Tidal), eager, byRound, median); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}
