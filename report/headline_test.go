package report

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/metrics"
)

// writeSyntheticScore writes a score JSON as `tidal score --per-case` does, with per-case CRPS and RMSE
// drawn around base·(1 + 0.15 l) and an SSR per lead.
func writeSyntheticScore(t *testing.T, path string, base, ssr float64, cases, leads int, rng *rand.Rand) {
	t.Helper()
	r := metrics.Report{Cases: cases, Members: 8, Leads: leads, Field: []int{1, 16, 16}, LeadNumbers: metrics.LeadNumbers(leads),
		Settings: map[string]string{}}
	for _, name := range []string{"crps", "rmse"} {
		m := metrics.MetricResult{Name: name, PerLead: make([]metrics.Value, leads)}
		var all float64
		for c := 0; c < cases; c++ {
			row := make([]metrics.Value, leads)
			for l := range row {
				row[l] = metrics.Value(base * (1 + 0.15*float64(l)) * math.Exp(0.2*rng.NormFloat64()))
				m.PerLead[l] += row[l] / metrics.Value(cases)
			}
			m.PerCase = append(m.PerCase, row)
		}
		for _, v := range m.PerLead {
			all += float64(v)
		}
		m.Mean = metrics.Value(all / float64(leads))
		r.Metrics = append(r.Metrics, m)
	}
	s := metrics.MetricResult{Name: "ssr", PerLead: make([]metrics.Value, leads)}
	for l := range s.PerLead {
		s.PerLead[l] = metrics.Value(ssr + 0.01*float64(l))
	}
	s.Mean = metrics.Value(ssr + 0.01*float64(leads-1)/2)
	r.Metrics = append(r.Metrics, s)
	js, err := r.JSON()
	must(t, err)
	must(t, os.WriteFile(path, js, 0o644))
}

// rawScore is what the test reads back from a score JSON on its own, without the report's reader.
type rawScore struct {
	Metrics []struct {
		Name    string      `json:"name"`
		PerLead []float64   `json:"per_lead"`
		PerCase [][]float64 `json:"per_case"`
	} `json:"metrics"`
}

func readRaw(t *testing.T, path string) rawScore {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	var r rawScore
	must(t, json.Unmarshal(b, &r))
	return r
}

func (r rawScore) metric(name string) ([]float64, [][]float64) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m.PerLead, m.PerCase
		}
	}
	return nil, nil
}

// The headline's model and numbers equal a recomputation from the score JSON files: the lowest mean of
// the per-lead CRPS over leads among the models, its skill 1 − CRPS/CRPS_ref at the first and the last
// lead against each reference with the paired-bootstrap interval of the per-case values, and its mean SSR.
func TestHeadlineEqualsRecomputationFromScoreFiles(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	const cases, leads = 12, 5
	bases := map[string]float64{"persistence": 0.30, "climatology": 0.45, "dydiff": 0.21, "vdm": 0.205, "dpm": 0.26}
	ssrs := map[string]float64{"persistence": 0, "climatology": 1, "dydiff": 0.7, "vdm": 0.9, "dpm": 1.3}
	in := Inputs{Title: "headline"}
	files := map[string]string{}
	for _, label := range []string{"persistence", "climatology", "dydiff", "vdm", "dpm"} {
		p := filepath.Join(dir, label+".json")
		writeSyntheticScore(t, p, bases[label], ssrs[label], cases, leads, rng)
		s, err := ReadScore(p, label)
		must(t, err)
		in.Scores = append(in.Scores, s)
		files[label] = p
	}
	out := filepath.Join(dir, "rep")
	must(t, Write(out, in))
	page, err := os.ReadFile(filepath.Join(out, HTMLFile))
	must(t, err)
	head := regexp.MustCompile(`(?s)<div class="headline" id="headline">(.*?)</div>`).FindSubmatch(page)
	if head == nil {
		t.Fatal("the page has no headline")
	}
	text := strings.NewReplacer("&#43;", "+", "\u00a0", " ").Replace(string(head[1]))

	// Recompute from the files.
	best, bestMean := "", math.Inf(1)
	for _, label := range []string{"dydiff", "vdm", "dpm"} {
		pl, _ := readRaw(t, files[label]).metric("crps")
		var s float64
		for _, v := range pl {
			s += v
		}
		if s/float64(len(pl)) < bestMean {
			best, bestMean = label, s/float64(len(pl))
		}
	}
	if !strings.Contains(text, `<span id="best-model">`+best+`</span>`) {
		t.Errorf("headline does not name %s (mean CRPS %.4g):\n%s", best, bestMean, text)
	}
	if !strings.Contains(text, fmt.Sprintf("%s has the lowest mean CRPS over leads: %.4g", best, bestMean)) {
		t.Errorf("headline lacks the mean CRPS %.4g of %s:\n%s", bestMean, best, text)
	}
	// The margin over the runner-up, recomputed: skill of the best's per-case means over leads against the
	// second's.
	second, secondMean := "", math.Inf(1)
	for _, label := range []string{"dydiff", "vdm", "dpm"} {
		pl, _ := readRaw(t, files[label]).metric("crps")
		var s float64
		for _, v := range pl {
			s += v
		}
		if m := s / float64(len(pl)); label != best && m < secondMean {
			second, secondMean = label, m
		}
	}
	_, bc := readRaw(t, files[best]).metric("crps")
	_, sc := readRaw(t, files[second]).metric("crps")
	rowMeans := func(rows [][]float64) []float64 {
		out := make([]float64, len(rows))
		for c, r := range rows {
			for _, v := range r {
				out[c] += v / float64(len(r))
			}
		}
		return out
	}
	miv, err := metrics.PairedBootstrap(rowMeans(bc), rowMeans(sc), func(ma, mb float64) float64 { return 1 - ma/mb }, metrics.BootstrapOptions{})
	must(t, err)
	if want := fmt.Sprintf("Its margin over %s is %+.0f %% in mean CRPS (90 %% CI %+.0f %% to %+.0f %%)", second, 100*(1-bestMean/secondMean),
		100*float64(miv.Lo), 100*float64(miv.Hi)); !strings.Contains(text, want) {
		t.Errorf("headline lacks %q:\n%s", want, text)
	}
	bpl, bpc := readRaw(t, files[best]).metric("crps")
	for _, ref := range []string{"persistence", "climatology"} {
		rpl, rpc := readRaw(t, files[ref]).metric("crps")
		for _, l := range []int{1, leads} {
			skill := 1 - bpl[l-1]/rpl[l-1]
			a, b := make([]float64, cases), make([]float64, cases)
			for c := range cases {
				a[c], b[c] = bpc[c][l-1], rpc[c][l-1]
			}
			iv, err := metrics.PairedBootstrap(a, b, func(ma, mb float64) float64 { return 1 - ma/mb }, metrics.BootstrapOptions{})
			must(t, err)
			want := fmt.Sprintf("%+.0f %% (90 %% CI %+.0f %% to %+.0f %%) at lead %d", 100*skill, 100*float64(iv.Lo), 100*float64(iv.Hi), l)
			if !strings.Contains(text, want) {
				t.Errorf("headline lacks %q against %s:\n%s", want, ref, text)
			}
		}
	}
	ssr, _ := readRaw(t, files[best]).metric("ssr")
	var s float64
	for _, v := range ssr {
		s += v
	}
	if want := fmt.Sprintf("spread-skill ratio, mean over leads, is %.4g", s/float64(len(ssr))); !strings.Contains(text, want) {
		t.Errorf("headline lacks %q:\n%s", want, text)
	}
	// The headline and the scorecard come before every figure and before the folded shortfalls.
	p := string(page)
	if !(strings.Index(p, `id="headline"`) < strings.Index(p, `id="scorecard"`) && strings.Index(p, `id="scorecard"`) < strings.Index(p, `id="verdict"`)) {
		t.Error("the headline, the scorecard and the shortfalls are not in that order")
	}
	if !strings.Contains(p, "<details><summary>") {
		t.Error("the shortfalls are not folded")
	}
}

// The scorecard's cells are the skill against the chosen reference, with the interval in the tooltip, a
// mark where the interval includes 0, and blue for better, red for worse.
func TestScorecardCellsSkillIntervalAndColour(t *testing.T) {
	mk := func(label string, perCase [][]float64) Score {
		m := metrics.MetricResult{Name: "crps", PerLead: make([]metrics.Value, len(perCase[0]))}
		for _, row := range perCase {
			var vr []metrics.Value
			for l, v := range row {
				m.PerLead[l] += metrics.Value(v / float64(len(perCase)))
				vr = append(vr, metrics.Value(v))
			}
			m.PerCase = append(m.PerCase, vr)
		}
		return Score{Label: label, Report: metrics.Report{Leads: len(perCase[0]), Metrics: []metrics.MetricResult{m}}}
	}
	// good is half the reference in every case (skill +50 %, significant); even equals it up to noise
	// that flips sign between cases (skill near 0, not significant).
	ref := mk("persistence", [][]float64{{1, 2}, {2, 2}, {1, 3}, {2, 1}, {1.5, 2}, {1, 1}})
	good := mk("good", [][]float64{{0.5, 1}, {1, 1}, {0.5, 1.5}, {1, 0.5}, {0.75, 1}, {0.5, 0.5}})
	even := mk("even", [][]float64{{1.1, 1.8}, {1.8, 2.2}, {1.1, 2.7}, {1.8, 1.1}, {1.5, 2.2}, {0.9, 1.1}})
	sc, err := NewScorecard([]Score{ref, good, even}, "persistence", metrics.BootstrapOptions{}, func(l int) string { return fmt.Sprintf("lead %d", l) })
	must(t, err)
	if len(sc.Rows) != 2 || sc.Rows[0].Model != "good" || len(sc.Rows[0].Cells) != 2 {
		t.Fatalf("rows %+v", sc.Rows)
	}
	g := sc.Rows[0].Cells[0]
	g.Text, g.Tooltip = strings.ReplaceAll(g.Text, "\u00a0", " "), strings.ReplaceAll(g.Tooltip, "\u00a0", " ")
	if math.Abs(g.Skill-0.5) > 1e-12 || !g.Significant || g.Text != "+50 %" || !strings.Contains(g.Tooltip, "90 % interval +50 % to +50 %") {
		t.Errorf("good cell %+v", g)
	}
	if c := skillColour(0.5, sc.Span); !(c.B > c.R) {
		t.Errorf("better is not blue: %v", c)
	}
	if c := skillColour(-0.5, sc.Span); !(c.R > c.B) {
		t.Errorf("worse is not red: %v", c)
	}
	e := sc.Rows[1].Cells[0]
	e.Tooltip = strings.ReplaceAll(e.Tooltip, "\u00a0", " ")
	if e.Significant || !strings.HasSuffix(e.Text, "○") || !strings.Contains(e.Tooltip, "not significant") {
		t.Errorf("even cell %+v", e)
	}
	if _, err := NewScorecard([]Score{ref}, "climatology", metrics.BootstrapOptions{}, nil); err == nil {
		t.Error("a missing reference accepted")
	}
}
