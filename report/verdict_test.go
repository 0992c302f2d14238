package report

import (
	"math"
	"reflect"
	"testing"

	"github.com/tidal-forecast/tidal/metrics"
)

func score(label string, m map[string][]float64) Score {
	s := Score{Label: label}
	for _, name := range []string{"crps", "csi@0.5", "ssr", "spread"} {
		v, ok := m[name]
		if !ok {
			continue
		}
		r := metrics.MetricResult{Name: name}
		for _, x := range v {
			r.PerLead = append(r.PerLead, metrics.Value(x))
		}
		s.Metrics = append(s.Metrics, r)
		s.Leads = len(v)
	}
	return s
}

func TestShortfallsFindLeadsWorseThanReference(t *testing.T) {
	nan := math.NaN()
	model := score("dydiff", map[string][]float64{
		"crps":    {0.10, 0.20, 0.45, 0.50, 0.30, nan},
		"csi@0.5": {0.9, 0.8, 0.5, 0.6, 0.7, 0.1},
		"ssr":     {0.9, 1.3, 0.95, 1, 1, 1},
		"spread":  {9, 9, 9, 9, 9, 9},
	})
	pers := score("persistence", map[string][]float64{
		"crps":    {0.05, 0.30, 0.40, 0.40, 0.35, 0.1},
		"csi@0.5": {0.8, 0.8, 0.6, 0.5, 0.7, 0.2},
		"ssr":     {1.05, 0.8, 0.9, 1, 1, 1},
		"spread":  {0, 0, 0, 0, 0, 0},
	})
	got := Shortfalls([]Score{model, pers}, []string{"persistence"})
	want := []Shortfall{
		{Model: "dydiff", Reference: "persistence", Metric: "crps", Leads: []int{1}, Values: []float64{0.10}, RefValues: []float64{0.05}},
		{Model: "dydiff", Reference: "persistence", Metric: "crps", Leads: []int{3, 4}, Values: []float64{0.45, 0.50}, RefValues: []float64{0.40, 0.40}},
		{Model: "dydiff", Reference: "persistence", Metric: "csi@0.5", Leads: []int{3}, Values: []float64{0.5}, RefValues: []float64{0.6}},
		{Model: "dydiff", Reference: "persistence", Metric: "csi@0.5", Leads: []int{6}, Values: []float64{0.1}, RefValues: []float64{0.2}},
		{Model: "dydiff", Reference: "persistence", Metric: "ssr", Leads: []int{1, 2}, Values: []float64{0.9, 1.3}, RefValues: []float64{1.05, 0.8}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%+v\nwant\n%+v", got, want)
	}
	if s := got[1].String(); s != "dydiff does worse than persistence in crps at leads 3–4 (0.45, 0.5 against 0.4, 0.4; lower is better)" {
		t.Errorf("statement %q", s)
	}
	if s := got[2].String(); s != "dydiff does worse than persistence in csi@0.5 at lead 3 (0.5 against 0.6; higher is better)" {
		t.Errorf("statement %q", s)
	}
	// References are not compared with each other, and a model better everywhere gives nothing.
	if n := len(Shortfalls([]Score{pers, pers}, []string{"persistence"})); n != 0 {
		t.Errorf("references compared: %d shortfalls", n)
	}
	if n := len(Shortfalls([]Score{pers, model}, nil)); n != 0 {
		t.Errorf("no reference named, yet %d shortfalls", n)
	}
}

func TestOrientationOf(t *testing.T) {
	for name, want := range map[string]Orientation{
		"crps": LowerIsBetter, "crps@avg2": LowerIsBetter, "rmse": LowerIsBetter, "csi@0.5/w4": HigherIsBetter,
		"fss@1/w5": HigherIsBetter, "ssr": NearOneBetter, "spread": NotASkill, "bias": NotASkill,
	} {
		if got := OrientationOf(name); got != want {
			t.Errorf("%s: %d, want %d", name, got, want)
		}
	}
}
