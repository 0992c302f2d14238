package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// MetricNames lists the metrics Score knows, in the order a report lists them, each with a one-line
// description (docs/METRICS.md has the formulas).
var MetricNames = []struct{ Name, Description string }{
	{"crps", "ensemble CRPS of the empirical distribution (properscoring's crps_ensemble)"},
	{"crps-fair", "fair (ensemble-size-unbiased) CRPS"},
	{"crps-pwm", "CRPS in DyDiff's probability-weighted-moment form (= crps-fair)"},
	{"crps-sum", "CRPS of the sum over the field, normalised by Σ|sum of truth| (ensemble form)"},
	{"crps-sum-fair", "crps-sum with the fair estimator"},
	{"crps-sum-ql", "GluonTS/CSDI CRPS-sum: quantile loss at 0.05..0.95 of the summed series / Σ|sum|"},
	{"crps-ql", "GluonTS/CSDI per-series \"CRPS\" (mean_wQuantileLoss)"},
	{"energy", "energy score of each case's and lead's field as a vector (scoringRules' es_sample)"},
	{"variogram", "variogram score of order 0.5, unit weights, over the field's pairs of points (Scheuerer & Hamill 2015)"},
	{"spread", "ensemble spread √(mean unbiased variance)"},
	{"skill", "RMSE of the ensemble mean, root after averaging over cases"},
	{"ssr", "spread-skill ratio √((M+1)/M)·spread/skill (1 is calibrated)"},
	{"rmse", "RMSE of the ensemble mean, root per case then averaged"},
	{"bias", "mean of the bias map (truth − ensemble mean)"},
	{"abs-bias", "mean absolute value of the bias map"},
	{"rank-hist", "rank histogram of the truth among the members (M+1 bins per lead)"},
	{"csi", "critical success index at each --threshold and CSI window"},
	{"fss", "fractions skill score at each --threshold and FSS window"},
	{"psnr", "peak signal-to-noise ratio, dB (best or mean member)"},
	{"ssim", "structural similarity, Gaussian window 11, σ 1.5 (best or mean member)"},
}

// CheckMetricNames refuses a name that is not one of MetricNames, listing those.
func CheckMetricNames(names []string) error {
	known := make([]string, 0, len(MetricNames))
	for _, m := range MetricNames {
		known = append(known, m.Name)
	}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return fmt.Errorf("unknown metric %q; expected some of %s", n, strings.Join(known, ", "))
		}
	}
	return nil
}

// DefaultMetrics is what Score computes when no metric is named.
var DefaultMetrics = []string{"crps", "crps-fair", "spread", "skill", "ssr", "rmse", "bias"}

// SeriesMetrics are what `tidal score` computes on a series forecast [windows, members, lead, N] when
// no metric is named: CRPS-sum in both forms, the per-series weighted quantile loss, the energy and
// variogram scores (CRPS-sum alone can be gamed, Koochali et al. 2022), the fair CRPS and spread-skill.
var SeriesMetrics = []string{"crps-sum-ql", "crps-sum-fair", "crps-ql", "energy", "variogram", "crps-fair", "spread", "skill"}

// ScoreOptions configures Score. Zero values pick the documented defaults.
type ScoreOptions struct {
	Metrics    []string  // names from MetricNames; nil means DefaultMetrics
	Weights    []float64 // one weight per field point, mean 1 (see PointWeights); nil: unweighted
	Thresholds []float64 // event thresholds for csi and fss (required by them)
	CSIWindows []int     // CSI max-pool windows; nil means {1} (per grid cell)
	FSSWindows []int     // FSS neighbourhoods; nil means {5}
	// CRPSPools adds pooled variants of the crps metrics (DyDiff's pooled CRPS), e.g. {"avg",2} → "crps@avg2".
	CRPSPools []Pooling
	// NonNegativeTruthOnly applies DyDiff's CRPS mask (truth ≥ 0 only) to the crps metrics.
	NonNegativeTruthOnly bool
	Quantiles            []float64 // quantile levels of crps-sum-ql and crps-ql; nil: 0.05..0.95
	DataRange            float64   // R of psnr and ssim; 0: max − min of the truth, reported in the settings
	BestMember           bool      // psnr/ssim keep the best member (DyDiff) instead of the mean
	Seed                 uint64    // seed of the rank histogram's tie-breaking
	// PerCase keeps the per-case values of the metrics that are means over cases (crps, crps-fair,
	// crps-pwm, rmse) in MetricResult.PerCase, so that differences between forecasts can be bootstrapped.
	PerCase bool
	// CI, when set, adds bootstrap intervals over cases (PairedBootstrap) of those metrics' per-lead
	// values and of their mean over leads; it implies PerCase.
	CI *BootstrapOptions
}

// Value is a float that encodes as JSON null when it is NaN or infinite (JSON has no such numbers).
type Value float64

// MarshalJSON writes the number, or null when it is not finite.
func (v Value) MarshalJSON() ([]byte, error) {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(f, 'g', -1, 64)), nil
}

// MetricResult is one metric's values in a Report.
type MetricResult struct {
	Name    string  `json:"name"`
	PerLead []Value `json:"per_lead"`
	Mean    Value   `json:"mean"` // mean over leads
	// Pooled, for metrics defined as a ratio of sums (crps-sum*, crps-ql, csi, fss), is the ratio of the sums
	// over every lead: the figure papers report.
	Pooled *Value `json:"pooled,omitempty"`
	// Histogram holds, for rank-hist, the counts per lead (M+1 bins each).
	Histogram [][]int64 `json:"histogram,omitempty"`
	// PerCase holds, for metrics that are means over cases and when asked for (ScoreOptions.PerCase),
	// the value of every case at every lead, [case][lead], cases in the order of the input.
	PerCase [][]Value `json:"per_case,omitempty"`
	// CI holds the bootstrap interval over cases of every per-lead value, and CIMean that of the mean over
	// leads (ScoreOptions.CI).
	CI     []Interval `json:"ci_per_lead,omitempty"`
	CIMean *Interval  `json:"ci_mean,omitempty"`
}

// Report is what Score returns: the shape it scored, the settings it used and every metric.
type Report struct {
	Cases int `json:"cases"`
	// LeadNumbers numbers the leads of every per-lead list, from 1 (the first forecast frame) as the
	// report and the table do.
	LeadNumbers []int             `json:"lead_numbers"`
	Members     int               `json:"members"`
	Leads       int               `json:"leads"`
	Field       []int             `json:"field"`
	Settings    map[string]string `json:"settings"`
	Metrics     []MetricResult    `json:"metrics"`
	// BiasMaps holds the bias map of every lead when bias or abs-bias was asked for (not in JSON).
	BiasMaps [][]float64 `json:"-"`
}

// Score computes the chosen metrics of forecast f against truth o.
func Score[F, O Float](f *Fields[F], o *Fields[O], opt ScoreOptions) (*Report, error) {
	if err := Match(f, o); err != nil {
		return nil, err
	}
	names := opt.Metrics
	if len(names) == 0 {
		names = DefaultMetrics
	}
	if err := checkNames(names); err != nil {
		return nil, err
	}
	if opt.Weights != nil && len(opt.Weights) != f.Points() {
		return nil, fmt.Errorf("%d weights for a field of %d points", len(opt.Weights), f.Points())
	}
	r := &Report{Cases: f.Cases, Members: f.Members, Leads: f.Leads, Field: f.Field, Settings: map[string]string{}, LeadNumbers: LeadNumbers(f.Leads)}
	r.Settings["weights"] = "none"
	if opt.Weights != nil {
		r.Settings["weights"] = "per point, normalised to mean 1"
	}
	var ss *SpreadSkill
	var bias *Bias
	for _, name := range names {
		var err error
		switch name {
		case "crps", "crps-fair", "crps-pwm":
			err = addCRPS(r, f, o, name, opt)
		case "crps-sum", "crps-sum-fair":
			est := Empirical
			if name == "crps-sum-fair" {
				est = Fair
			}
			var v Ratio
			if v, err = CRPSSum(f, o, est); err == nil {
				r.addRatio(name, v)
			}
		case "crps-sum-ql", "crps-ql":
			var v Ratio
			if name == "crps-sum-ql" {
				v, err = CRPSSumQuantile(f, o, opt.Quantiles)
			} else {
				v, err = QuantileCRPS(f, o, opt.Quantiles)
			}
			if err == nil {
				r.addRatio(name, v)
				r.Settings["quantiles"] = formatList(orDefault(opt.Quantiles, DefaultQuantiles()))
			}
		case "energy", "variogram":
			var v []float64
			if name == "energy" {
				v, err = EnergyScore(f, o)
			} else {
				v, err = VariogramScore(f, o, DefaultVariogramOrder)
			}
			if err == nil {
				r.add(name, v)
			}
		case "spread", "skill", "ssr":
			if ss == nil {
				var v SpreadSkill
				if v, err = SpreadSkillRatio(f, o, opt.Weights); err != nil {
					break
				}
				ss = &v
			}
			r.add(name, map[string][]float64{"spread": ss.Spread, "skill": ss.Skill, "ssr": ss.SSR}[name])
		case "rmse":
			var v []float64
			if v, err = RMSE(f, o, opt.Weights); err == nil {
				r.add(name, v)
				if opt.PerCase || opt.CI != nil {
					err = r.addPerCase(RMSEPerCase(f, o, opt.Weights), opt.CI)
				}
			}
		case "bias", "abs-bias":
			if bias == nil {
				var v Bias
				if v, err = BiasMaps(f, o, opt.Weights); err != nil {
					break
				}
				bias = &v
				r.BiasMaps = v.Maps
			}
			if name == "bias" {
				r.add(name, bias.Mean)
			} else {
				r.add(name, bias.MeanAbs)
			}
		case "rank-hist":
			var h [][]int64
			if h, err = RankHistogram(f, o, opt.Seed); err == nil {
				r.Metrics = append(r.Metrics, MetricResult{Name: name, PerLead: []Value{}, Mean: Value(math.NaN()), Histogram: h})
			}
		case "csi", "fss":
			err = addEvents(r, f, o, name, opt)
		case "psnr", "ssim":
			err = addImage(r, f, o, name, opt)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return r, nil
}

func checkNames(names []string) error {
	for _, n := range names {
		known := false
		for _, m := range MetricNames {
			known = known || m.Name == n
		}
		if !known {
			var all []string
			for _, m := range MetricNames {
				all = append(all, m.Name)
			}
			return fmt.Errorf("unknown metric %q; known: %s", n, strings.Join(all, ", "))
		}
	}
	return nil
}

func (r *Report) add(name string, perLead []float64) {
	res := MetricResult{Name: name, PerLead: make([]Value, len(perLead))}
	var s float64
	for i, v := range perLead {
		res.PerLead[i] = Value(v)
		s += v
	}
	res.Mean = Value(s / float64(len(perLead)))
	r.Metrics = append(r.Metrics, res)
}

// LeadNumbers is 1..n: leads are counted from 1, the first forecast frame, everywhere tidal prints them.
func LeadNumbers(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// addPerCase attaches per-case values [case][lead] to the last metric and, with ci, the bootstrap
// intervals of its per-lead values and of its mean over leads.
func (r *Report) addPerCase(perCase [][]float64, ci *BootstrapOptions) error {
	m := &r.Metrics[len(r.Metrics)-1]
	m.PerCase = make([][]Value, len(perCase))
	for c, row := range perCase {
		m.PerCase[c] = make([]Value, len(row))
		for l, v := range row {
			m.PerCase[c][l] = Value(v)
		}
	}
	if ci == nil {
		return nil
	}
	mean := func(ma, _ float64) float64 { return ma }
	for l := range r.Leads {
		iv, err := PairedBootstrap(column(perCase, l), nil, mean, *ci)
		if err != nil {
			return err
		}
		m.CI = append(m.CI, iv)
	}
	iv, err := PairedBootstrap(CaseMeans(perCase), nil, mean, *ci)
	if err != nil {
		return err
	}
	m.CIMean = &iv
	r.Settings["ci"] = fmt.Sprintf("%g percentile bootstrap over cases, %d resamples, blocks of %d cases, seed %d",
		ci.withDefaults().Level, ci.withDefaults().Resamples, ci.withDefaults().Block, ci.Seed)
	return nil
}

// column is lead l of [case][lead] values.
func column(perCase [][]float64, l int) []float64 {
	out := make([]float64, len(perCase))
	for c, row := range perCase {
		out[c] = row[l]
	}
	return out
}

// CaseMeans is the mean over leads of every case of [case][lead] values (NaN leads left out).
func CaseMeans(perCase [][]float64) []float64 {
	out := make([]float64, len(perCase))
	for c, row := range perCase {
		var s float64
		n := 0
		for _, v := range row {
			if !math.IsNaN(v) {
				s += v
				n++
			}
		}
		out[c] = s / float64(n)
	}
	return out
}

func (r *Report) addRatio(name string, v Ratio) {
	r.add(name, v.PerLead)
	p := Value(v.Pooled)
	r.Metrics[len(r.Metrics)-1].Pooled = &p
}

// addCRPS adds the named CRPS estimator and its pooled variants.
func addCRPS[F, O Float](r *Report, f *Fields[F], o *Fields[O], name string, opt ScoreOptions) error {
	est := map[string]Estimator{"crps": Empirical, "crps-fair": Fair, "crps-pwm": PWM}[name]
	v, err := CRPS(f, o, CRPSOptions{Estimator: est, Weights: opt.Weights, NonNegativeTruthOnly: opt.NonNegativeTruthOnly})
	if err != nil {
		return err
	}
	r.add(name, v)
	if opt.PerCase || opt.CI != nil {
		pc, err := CRPSPerCase(f, o, CRPSOptions{Estimator: est, Weights: opt.Weights, NonNegativeTruthOnly: opt.NonNegativeTruthOnly})
		if err != nil {
			return err
		}
		if err := r.addPerCase(pc, opt.CI); err != nil {
			return err
		}
	}
	if opt.NonNegativeTruthOnly {
		r.Settings["crps_mask"] = "truth >= 0 only (DyDiff)"
	}
	for _, p := range opt.CRPSPools {
		v, err := CRPS(f, o, CRPSOptions{Estimator: est, Pool: &p, NonNegativeTruthOnly: opt.NonNegativeTruthOnly})
		if err != nil {
			return err
		}
		r.add(fmt.Sprintf("%s@%s%d", name, p.Kind, p.Size), v)
	}
	return nil
}

// addEvents adds CSI or FSS for every threshold and window.
func addEvents[F, O Float](r *Report, f *Fields[F], o *Fields[O], name string, opt ScoreOptions) error {
	if len(opt.Thresholds) == 0 {
		return fmt.Errorf("no event threshold given")
	}
	windows := orDefault(opt.CSIWindows, []int{1})
	if name == "fss" {
		windows = orDefault(opt.FSSWindows, []int{5})
	}
	for _, thr := range opt.Thresholds {
		for _, k := range windows {
			eo := EventOptions{Threshold: thr, Window: k}
			var v Ratio
			var err error
			if name == "csi" {
				v, err = CSI(f, o, eo)
			} else {
				v, err = FSS(f, o, eo)
			}
			if err != nil {
				return err
			}
			label := fmt.Sprintf("%s@%s", name, strconv.FormatFloat(thr, 'g', -1, 64))
			if name == "fss" || k > 1 {
				label += fmt.Sprintf("/w%d", k)
			}
			r.addRatio(label, v)
		}
	}
	r.Settings["events"] = "value >= threshold; forecast counts pooled over members"
	return nil
}

// addImage adds PSNR or SSIM; the data range defaults to the truth's range.
func addImage[F, O Float](r *Report, f *Fields[F], o *Fields[O], name string, opt ScoreOptions) error {
	io := ImageOptions{DataRange: opt.DataRange, Best: opt.BestMember}
	if io.DataRange == 0 {
		lo, hi := math.Inf(1), math.Inf(-1)
		for c := 0; c < o.Cases; c++ {
			for l := 0; l < o.Leads; l++ {
				for p := 0; p < o.Points(); p++ {
					v := o.At(c, 0, l, p)
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
		io.DataRange = hi - lo
		if !(io.DataRange > 0) {
			return fmt.Errorf("the truth is constant, so its range cannot serve as the data range; give one")
		}
	}
	r.Settings["data_range"] = strconv.FormatFloat(io.DataRange, 'g', -1, 64)
	r.Settings["member_reduction"] = "mean over members"
	if io.Best {
		r.Settings["member_reduction"] = "best member"
	}
	var v []float64
	var err error
	if name == "psnr" {
		v, err = PSNRFields(f, o, io)
	} else {
		v, err = SSIMFields(f, o, io)
	}
	if err != nil {
		return err
	}
	r.add(name, v)
	return nil
}

func orDefault[T any](v, def []T) []T {
	if len(v) == 0 {
		return def
	}
	return v
}

func formatList(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

// JSON is the report as indented JSON.
func (r *Report) JSON() ([]byte, error) { return json.MarshalIndent(r, "", "  ") }

// Table is the report as a text table: one row per lead, one column per metric, then the mean over leads
// and, where a metric has one, the pooled value; rank histograms follow, one line per lead.
func (r *Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d cases, %d members, %d leads, field %v\n", r.Cases, r.Members, r.Leads, r.Field)
	keys := make([]string, 0, len(r.Settings))
	for k := range r.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %s\n", k, r.Settings[k])
	}
	var cols []MetricResult
	for _, m := range r.Metrics {
		if m.Histogram == nil {
			cols = append(cols, m)
		}
	}
	if len(cols) > 0 {
		width := 12
		for _, m := range cols {
			width = max(width, len(m.Name)+2)
		}
		cell := func(v Value) string {
			f := float64(v)
			if math.IsNaN(f) {
				return fmt.Sprintf(" %*s", width-1, "nan")
			}
			return fmt.Sprintf(" %*.6g", width-1, f)
		}
		fmt.Fprintf(&b, "%-7s", "lead")
		for _, m := range cols {
			fmt.Fprintf(&b, "%*s", width, m.Name)
		}
		b.WriteString("\n")
		for l := 0; l < r.Leads; l++ {
			fmt.Fprintf(&b, "%-7d", l+1)
			for _, m := range cols {
				b.WriteString(cell(m.PerLead[l]))
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%-7s", "mean")
		for _, m := range cols {
			b.WriteString(cell(m.Mean))
		}
		b.WriteString("\n")
		hasPooled := false
		for _, m := range cols {
			hasPooled = hasPooled || m.Pooled != nil
		}
		if hasPooled {
			fmt.Fprintf(&b, "%-7s", "pooled")
			for _, m := range cols {
				if m.Pooled == nil {
					fmt.Fprintf(&b, "%*s", width, "-")
				} else {
					b.WriteString(cell(*m.Pooled))
				}
			}
			b.WriteString("\n")
		}
	}
	for _, m := range r.Metrics {
		if m.CI == nil {
			continue
		}
		fmt.Fprintf(&b, "%s, %g interval (bootstrap over cases):", m.Name, m.CI[0].Level)
		for l, iv := range m.CI {
			fmt.Fprintf(&b, " lead %d [%.4g, %.4g]", l+1, float64(iv.Lo), float64(iv.Hi))
		}
		if m.CIMean != nil {
			fmt.Fprintf(&b, " mean [%.4g, %.4g]", float64(m.CIMean.Lo), float64(m.CIMean.Hi))
		}
		b.WriteString("\n")
	}
	for _, m := range r.Metrics {
		if m.Histogram == nil {
			continue
		}
		fmt.Fprintf(&b, "%s (count of truth ranks 0..%d per lead)\n", m.Name, r.Members)
		for l, h := range m.Histogram {
			fmt.Fprintf(&b, "%-7d%v\n", l+1, h)
		}
	}
	return b.String()
}
