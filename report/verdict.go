package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/tidal-forecast/tidal/metrics"
)

// Orientation says which way a metric is better.
type Orientation int

const (
	NotASkill      Orientation = iota // spread, bias: no better or worse
	LowerIsBetter                     // CRPS, RMSE, skill
	HigherIsBetter                    // CSI, FSS, PSNR, SSIM
	NearOneBetter                     // spread-skill ratio
)

// OrientationOf classifies a metric name of `tidal score` (docs/METRICS.md).
func OrientationOf(name string) Orientation {
	base, _, _ := strings.Cut(name, "@")
	switch base {
	case "crps", "crps-fair", "crps-pwm", "crps-sum", "crps-sum-fair", "crps-sum-ql", "crps-ql", "rmse", "skill", "abs-bias":
		return LowerIsBetter
	case "csi", "fss", "psnr", "ssim":
		return HigherIsBetter
	case "ssr":
		return NearOneBetter
	}
	return NotASkill
}

// worse reports whether a is worse than the reference value r under orientation o.
func worse(o Orientation, a, r float64) bool {
	switch o {
	case LowerIsBetter:
		return a > r
	case HigherIsBetter:
		return a < r
	case NearOneBetter:
		return math.Abs(a-1) > math.Abs(r-1)
	}
	return false
}

// Shortfall is a run of leads where a model scores worse than a reference in one metric.
type Shortfall struct {
	Model, Reference, Metric string
	Leads                    []int     // 1-based lead numbers, increasing
	Values, RefValues        []float64 // at those leads
	// Intervals holds, where both scores carry per-case values, the paired-bootstrap interval of the
	// difference model − reference at each of the leads (see Annotate); nil otherwise.
	Intervals []*metrics.Interval
}

// String says the shortfall plainly, e.g.
// "dydiff does worse than persistence in crps at leads 3–5 (0.41, 0.45, 0.52 against 0.40, 0.43, 0.47; lower is better)".
func (s Shortfall) String() string {
	leads := fmt.Sprintf("lead %d", s.Leads[0])
	if n := len(s.Leads); n > 1 {
		leads = fmt.Sprintf("leads %d–%d", s.Leads[0], s.Leads[n-1])
	}
	better := map[Orientation]string{LowerIsBetter: "lower is better", HigherIsBetter: "higher is better", NearOneBetter: "nearer 1 is better"}[OrientationOf(s.Metric)]
	out := fmt.Sprintf("%s does worse than %s in %s at %s (%s against %s; %s)",
		s.Model, s.Reference, s.Metric, leads, numbers(s.Values), numbers(s.RefValues), better)
	var ivs []string
	sig := 0
	for _, iv := range s.Intervals {
		if iv == nil {
			continue
		}
		ivs = append(ivs, fmt.Sprintf("[%s, %s]", FormatNumber(float64(iv.Lo)), FormatNumber(float64(iv.Hi))))
		if iv.Excludes(0) {
			sig++
		}
	}
	if len(ivs) > 0 {
		out += fmt.Sprintf("; %.0f %% interval of the difference: %s, significant at %d of %d leads",
			100*s.Intervals[0].Level, strings.Join(ivs, ", "), sig, len(ivs))
	}
	return out
}

// Significant reports whether the difference is significant at some lead of the shortfall (its
// interval excludes 0); without intervals it is true, as nothing says otherwise.
func (s Shortfall) Significant() bool {
	if len(s.Intervals) == 0 || s.Intervals[0] == nil {
		return true
	}
	for _, iv := range s.Intervals {
		if iv != nil && iv.Excludes(0) {
			return true
		}
	}
	return false
}

// Annotate adds to each shortfall the paired-bootstrap interval of the difference at each of its leads,
// where both scores hold per-case values of the metric.
func Annotate(sf []Shortfall, scores []Score, boot metrics.BootstrapOptions) {
	byLabel := map[string]Score{}
	for _, s := range scores {
		byLabel[s.Label] = s
	}
	for i := range sf {
		a, b := findMetric(byLabel[sf[i].Model], sf[i].Metric), findMetric(byLabel[sf[i].Reference], sf[i].Metric)
		if a == nil || b == nil {
			continue
		}
		sf[i].Intervals = make([]*metrics.Interval, len(sf[i].Leads))
		for j, l := range sf[i].Leads {
			pa, pb := perCaseAt(a, l), perCaseAt(b, l)
			if pa == nil || pb == nil || len(pa) != len(pb) {
				continue
			}
			if iv, err := metrics.PairedBootstrap(pa, pb, metrics.Difference, boot); err == nil && !math.IsNaN(float64(iv.Lo)) {
				sf[i].Intervals[j] = &iv
			}
		}
	}
}

func numbers(v []float64) string {
	p := make([]string, len(v))
	for i, x := range v {
		p[i] = FormatNumber(x)
	}
	return strings.Join(p, ", ")
}

// FormatNumber prints a report number with four significant digits ("n/a" when not finite).
func FormatNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.4g", v)
}

// Shortfalls compares every score that is not a reference with every reference, metric by metric, and
// returns the runs of consecutive leads where the model is worse. Metrics that are no skill (spread,
// bias), that the reference lacks, or whose values are undefined at a lead are passed over there.
func Shortfalls(scores []Score, references []string) []Shortfall {
	isRef := map[string]bool{}
	for _, r := range references {
		isRef[r] = true
	}
	var out []Shortfall
	for _, ref := range scores {
		if !isRef[ref.Label] {
			continue
		}
		for _, s := range scores {
			if isRef[s.Label] {
				continue
			}
			out = append(out, compare(s, ref)...)
		}
	}
	return out
}

// compare finds the shortfalls of model s against reference ref.
func compare(s, ref Score) []Shortfall {
	var out []Shortfall
	for _, m := range s.Metrics {
		o := OrientationOf(m.Name)
		r := findMetric(ref, m.Name)
		if o == NotASkill || r == nil {
			continue
		}
		var cur *Shortfall
		for i := range min(len(m.PerLead), len(r.PerLead)) {
			a, b := float64(m.PerLead[i]), float64(r.PerLead[i])
			if math.IsNaN(a) || math.IsNaN(b) || !worse(o, a, b) {
				cur = nil
				continue
			}
			if cur == nil {
				out = append(out, Shortfall{Model: s.Label, Reference: ref.Label, Metric: m.Name})
				cur = &out[len(out)-1]
			}
			cur.Leads = append(cur.Leads, i+1)
			cur.Values, cur.RefValues = append(cur.Values, a), append(cur.RefValues, b)
		}
	}
	return out
}

func findMetric(s Score, name string) *metrics.MetricResult {
	for i := range s.Metrics {
		if s.Metrics[i].Name == name {
			return &s.Metrics[i]
		}
	}
	return nil
}
