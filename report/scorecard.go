package report

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"github.com/tidal-forecast/tidal/metrics"
)

// scorecardMetrics are the negatively oriented scores a scorecard shows as skill against a reference,
// in order; a metric that no model and the reference share is left out.
var scorecardMetrics = []string{"crps", "rmse"}

// Scorecard is WeatherBench2's scorecard for tidal's scores: a row per model and metric, a column per
// lead, each cell the skill 1 − score/score_ref against one reference (CRPSS for the CRPS), with the
// paired-bootstrap interval of the skill where both scores hold per-case values.
type Scorecard struct {
	Reference string
	Leads     int
	Rows      []ScorecardRow
	// Span is the skill the colour scale's ends stand for (±Span): the largest |skill| rounded up to 10 %,
	// at most 50 %; larger skills get the end colours.
	Span float64
}

// ScorecardRow is one model's skill in one metric at every lead.
type ScorecardRow struct {
	Model, Metric string
	Cells         []ScorecardCell
}

// ScorecardCell is the skill at one lead. Significant is false where the interval includes 0 (no
// interval: not known, drawn as not significant).
type ScorecardCell struct {
	Lead           int
	Value, RefVal  float64
	Skill          float64
	CI             *metrics.Interval
	Significant    bool
	Text, Tooltip  string
	Background, Fg string
}

// NewScorecard builds the scorecard of every score but ref against the score labelled ref.
func NewScorecard(scores []Score, ref string, boot metrics.BootstrapOptions, lead func(int) string) (*Scorecard, error) {
	var refScore *Score
	for i := range scores {
		if scores[i].Label == ref {
			refScore = &scores[i]
		}
	}
	if refScore == nil {
		return nil, fmt.Errorf("scorecard reference %q is not the label of any score", ref)
	}
	sc := &Scorecard{Reference: ref, Leads: refScore.Leads}
	for _, name := range scorecardMetrics {
		if findMetric(*refScore, name) == nil {
			continue
		}
		for _, s := range rowOrder(scores, name, ref) {
			m := findMetric(s, name)
			row := ScorecardRow{Model: s.Label, Metric: name}
			for l := 1; l <= min(len(m.PerLead), refScore.Leads); l++ {
				skill, ci := skillAt(s, *refScore, name, l, boot)
				c := ScorecardCell{Lead: l, Value: float64(m.PerLead[l-1]), RefVal: float64(findMetric(*refScore, name).PerLead[l-1]),
					Skill: skill, CI: ci, Significant: ci != nil && ci.Excludes(0)}
				row.Cells = append(row.Cells, c)
				if !math.IsNaN(skill) && !math.IsInf(skill, 0) {
					sc.Span = math.Max(sc.Span, math.Abs(skill))
				}
			}
			sc.Rows = append(sc.Rows, row)
		}
	}
	if len(sc.Rows) == 0 {
		return nil, nil
	}
	// The colours saturate at ±50 %: beyond, a reference is far better or worse and the differences that
	// matter (a few per cent) would be washed out by a scale stretched to −300 %.
	sc.Span = math.Max(0.1, math.Ceil(math.Min(sc.Span, 0.5)*10)/10)
	for r := range sc.Rows {
		for i := range sc.Rows[r].Cells {
			c := &sc.Rows[r].Cells[i]
			c.Text = percent(c.Skill)
			if !c.Significant {
				c.Text += " ○"
			}
			ci := "no interval: rerun tidal score with --ci or --per-case"
			if c.CI != nil {
				ci = fmt.Sprintf("%.0f %% interval %s to %s", 100*c.CI.Level, percent(float64(c.CI.Lo)), percent(float64(c.CI.Hi)))
				if !c.Significant {
					ci += ", includes 0: not significant"
				}
			}
			c.Tooltip = fmt.Sprintf("%s, %s at %s: %s against %s %s; skill %s (%s)", sc.Rows[r].Model, sc.Rows[r].Metric,
				lead(c.Lead), FormatNumber(c.Value), ref, FormatNumber(c.RefVal), percent(c.Skill), ci)
			bg := skillColour(c.Skill, sc.Span)
			c.Background = hex(bg)
			c.Fg = "#000"
			if lum := 0.299*float64(bg.R) + 0.587*float64(bg.G) + 0.114*float64(bg.B); lum < 110 {
				c.Fg = "#fff"
			}
		}
	}
	return sc, nil
}

// rowOrder is the scores other than ref that have metric name, the best mean first (lower is better for
// every scorecard metric); stable, so ties keep the input order.
func rowOrder(scores []Score, name, ref string) []Score {
	var out []Score
	for _, s := range scores {
		if s.Label != ref && findMetric(s, name) != nil {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := float64(findMetric(out[i], name).Mean), float64(findMetric(out[j], name).Mean)
		return a < b || !math.IsNaN(a) && math.IsNaN(b)
	})
	return out
}

// skillColour maps a skill in [−span, span] onto the cool-warm map reversed, as WeatherBench2's
// scorecards: blue where the model is better than the reference, red where it is worse, white at 0.
func skillColour(skill, span float64) color.NRGBA {
	if math.IsNaN(skill) || math.IsInf(skill, 0) {
		return color.NRGBA{220, 220, 220, 255}
	}
	return CoolWarm().At(0.5 - 0.5*skill/span)
}

func hex(c color.NRGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// LegendStops are the colour key of the scorecard: skill values from +span to −span with their colours.
func (sc *Scorecard) LegendStops() []struct{ Text, Background, Fg string } {
	var out []struct{ Text, Background, Fg string }
	for i := 0; i <= 8; i++ {
		v := sc.Span * (1 - float64(i)/4)
		if i > 4 {
			v = -sc.Span * float64(i-4) / 4
		}
		bg := skillColour(v, sc.Span)
		fg := "#000"
		if 0.299*float64(bg.R)+0.587*float64(bg.G)+0.114*float64(bg.B) < 110 {
			fg = "#fff"
		}
		text := percent(v)
		if i == 0 {
			text = "≥ " + text
		} else if i == 8 {
			text = "≤ " + text
		}
		out = append(out, struct{ Text, Background, Fg string }{text, hex(bg), fg})
	}
	return out
}
