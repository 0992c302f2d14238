package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/tidal-forecast/tidal/metrics"
)

// fewCases is the number of cases below which the headline warns that the bootstrap intervals are too
// narrow: the percentile bootstrap of a mean over n cases spreads √((n−1)/n) as wide as it should and
// misses the tails, which at n = 10 is already a 90 % interval covering about 85 %.
const fewCases = 10

// MainMetric is the score the headline ranks the models by: the ensemble CRPS, mean over leads.
const MainMetric = "crps"

// Headline is the report's first statement: which model is best on the main score, by how much against
// each reference at the first and the last lead, and how calibrated it is.
type Headline struct {
	Metric string
	// Best is the label of the non-reference score with the lowest mean CRPS over leads, BestMean that mean;
	// Ranking lists every non-reference score from best to worst.
	Best     string
	BestMean float64
	Ranking  []Ranked
	// Against holds the best model's skill against each reference at the first and the last lead.
	Against []Comparison
	// SSR is the best model's spread-skill ratio, mean over leads (NaN when it was not scored).
	SSR float64
	// Margin is the best model's skill against the runner-up on the mean CRPS over leads, 1 − best/second,
	// with its paired-bootstrap interval (nil without per-case values): is the winner clearly the winner?
	Margin   float64
	MarginCI *metrics.Interval
	// Cases is the number of forecast cases of the best model's score.
	Cases int
}

// Ranked is one model's mean of the main score over leads.
type Ranked struct {
	Label string
	Mean  float64
}

// Comparison is a model's skill against one reference at some leads: CRPSS = 1 − CRPS/CRPS_ref, with the
// paired-bootstrap interval where both scores hold per-case values.
type Comparison struct {
	Reference string
	Leads     []int     // 1-based
	Skill     []float64 // at those leads
	CI        []*metrics.Interval
}

// NewHeadline finds the best model on the main score among the scores that are not references and
// compares it with every reference at the first and the last lead. ok is false when no non-reference
// score has the main metric.
func NewHeadline(scores []Score, refs []string, boot metrics.BootstrapOptions) (Headline, bool) {
	isRef := map[string]bool{}
	for _, r := range refs {
		isRef[r] = true
	}
	h := Headline{Metric: MainMetric, SSR: math.NaN()}
	var best *Score
	for i, s := range scores {
		m := findMetric(s, MainMetric)
		if isRef[s.Label] || m == nil || math.IsNaN(float64(m.Mean)) {
			continue
		}
		h.Ranking = append(h.Ranking, Ranked{s.Label, float64(m.Mean)})
		if best == nil || float64(m.Mean) < h.BestMean {
			best, h.Best, h.BestMean = &scores[i], s.Label, float64(m.Mean)
		}
	}
	if best == nil {
		return h, false
	}
	for i := 1; i < len(h.Ranking); i++ { // insertion sort: a handful of models, stable
		for j := i; j > 0 && h.Ranking[j].Mean < h.Ranking[j-1].Mean; j-- {
			h.Ranking[j], h.Ranking[j-1] = h.Ranking[j-1], h.Ranking[j]
		}
	}
	if m := findMetric(*best, "ssr"); m != nil {
		h.SSR = float64(m.Mean)
	}
	h.Cases = best.Cases
	h.Margin = math.NaN()
	if len(h.Ranking) > 1 {
		h.Margin = 1 - h.Ranking[0].Mean/h.Ranking[1].Mean
		for _, s := range scores {
			if s.Label != h.Ranking[1].Label {
				continue
			}
			a, b := findMetric(*best, MainMetric), findMetric(s, MainMetric)
			if len(a.PerCase) > 0 && len(a.PerCase) == len(b.PerCase) {
				iv, err := metrics.PairedBootstrap(caseMeans(a), caseMeans(b), metrics.SkillScore, boot)
				if err == nil && !math.IsNaN(float64(iv.Lo)) {
					h.MarginCI = &iv
				}
			}
		}
	}
	for _, r := range refs {
		for _, s := range scores {
			if s.Label != r || findMetric(s, MainMetric) == nil {
				continue
			}
			leads := []int{1}
			if best.Leads > 1 {
				leads = append(leads, best.Leads)
			}
			c := Comparison{Reference: r}
			for _, l := range leads {
				sk, ci := skillAt(*best, s, MainMetric, l, boot)
				c.Leads, c.Skill, c.CI = append(c.Leads, l), append(c.Skill, sk), append(c.CI, ci)
			}
			h.Against = append(h.Against, c)
		}
	}
	return h, true
}

// skillAt is the skill 1 − m/ref of score s against ref in metric name at 1-based lead l, with its
// paired-bootstrap interval when both hold per-case values for the same number of cases (else nil).
func skillAt(s, ref Score, name string, l int, boot metrics.BootstrapOptions) (float64, *metrics.Interval) {
	a, b := findMetric(s, name), findMetric(ref, name)
	if a == nil || b == nil || l > len(a.PerLead) || l > len(b.PerLead) {
		return math.NaN(), nil
	}
	skill := 1 - float64(a.PerLead[l-1])/float64(b.PerLead[l-1])
	pa, pb := perCaseAt(a, l), perCaseAt(b, l)
	if pa == nil || pb == nil || len(pa) != len(pb) {
		return skill, nil
	}
	iv, err := metrics.PairedBootstrap(pa, pb, metrics.SkillScore, boot)
	if err != nil || math.IsNaN(float64(iv.Lo)) {
		return skill, nil
	}
	return skill, &iv
}

// caseMeans is every case's mean over leads of a metric's per-case values.
func caseMeans(m *metrics.MetricResult) []float64 {
	rows := make([][]float64, len(m.PerCase))
	for c, row := range m.PerCase {
		rows[c] = make([]float64, len(row))
		for l, v := range row {
			rows[c][l] = float64(v)
		}
	}
	return metrics.CaseMeans(rows)
}

// perCaseAt is lead l (1-based) of a metric's per-case values, nil when it has none.
func perCaseAt(m *metrics.MetricResult, l int) []float64 {
	if len(m.PerCase) == 0 {
		return nil
	}
	out := make([]float64, len(m.PerCase))
	for c, row := range m.PerCase {
		if l > len(row) {
			return nil
		}
		out[c] = float64(row[l-1])
	}
	return out
}

// percent prints a skill as a signed percentage, "+23 %".
func percent(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%+.0f\u00a0%%", 100*v) // a no-break space: "+19" and "%" stay on one line
}

// intervalText prints "90 % CI +12 % to +30 %", or "no interval" without per-case values.
func intervalText(ci *metrics.Interval) string {
	if ci == nil {
		return "no interval: the scores hold no per-case values (tidal score --ci or --per-case)"
	}
	return fmt.Sprintf("%.0f %% CI %s to %s", 100*ci.Level, percent(float64(ci.Lo)), percent(float64(ci.Hi)))
}

// Sentences renders the headline as short sentences; lead names a 1-based lead in the data's time units.
func (h Headline) Sentences(lead func(int) string) []string {
	var out []string
	s := fmt.Sprintf("%s has the lowest mean CRPS over leads: %s", h.Best, FormatNumber(h.BestMean))
	if len(h.Ranking) > 1 {
		var rest []string
		for _, r := range h.Ranking[1:] {
			rest = append(rest, fmt.Sprintf("%s %s", r.Label, FormatNumber(r.Mean)))
		}
		s += " (then " + strings.Join(rest, ", ") + ")"
	}
	out = append(out, s+".")
	if len(h.Ranking) > 1 && !math.IsNaN(h.Margin) {
		margin := fmt.Sprintf("Its margin over %s is %s in mean CRPS (%s)", h.Ranking[1].Label, percent(h.Margin), intervalText(h.MarginCI))
		switch {
		case h.MarginCI == nil:
			out[0] += " " + margin + "."
		case h.MarginCI.Excludes(0):
			out[0] += " " + margin + ": significant."
		default:
			out[0] += " " + margin + ": not significant, the two are tied on these cases."
		}
	}
	for _, c := range h.Against {
		var parts []string
		for i, l := range c.Leads {
			parts = append(parts, fmt.Sprintf("%s (%s) at %s", percent(c.Skill[i]), intervalText(c.CI[i]), lead(l)))
		}
		out = append(out, fmt.Sprintf("Against %s its CRPS skill (CRPSS = 1 − CRPS/CRPS_%s; positive is better) is %s.",
			c.Reference, c.Reference, strings.Join(parts, " and ")))
	}
	if !math.IsNaN(h.SSR) {
		cal := "well calibrated"
		switch {
		case h.SSR < 0.8:
			cal = "under-dispersed (too confident)"
		case h.SSR > 1.2:
			cal = "over-dispersed"
		}
		out = append(out, fmt.Sprintf("Its spread-skill ratio, mean over leads, is %s (1 is calibrated): %s.", FormatNumber(h.SSR), cal))
	}
	if h.Cases > 0 && h.Cases < fewCases {
		out = append(out, fmt.Sprintf("These are %d cases: a bootstrap over so few cases gives intervals that are too narrow (a 90 %% interval covers less than 90 %%); score more cases before trusting a small difference.", h.Cases))
	}
	return out
}
