package report

import (
	"image/color"
	"testing"
)

// TestColoursDistinctPerPlot gives the demo's labels their colours: five runs, seven scores and three
// rollouts, fifteen labels (nine models) for nine colours. Every skill plot's seven lines differ, a rollout is drawn in
// the colour of its model's scores, and a plot whose report-wide colours collide still gets distinct lines.
func TestColoursDistinctPerPlot(t *testing.T) {
	scores := []string{"persistence", "climatology", "dydiff", "dpm", "guided", "unguided", "vdm"}
	in := Inputs{}
	for _, l := range []string{"dydiff", "dpm", "idm", "vdm", "disc"} {
		in.Runs = append(in.Runs, Run{Label: l})
	}
	for _, l := range scores {
		in.Scores = append(in.Scores, Score{Label: l})
	}
	for _, l := range []string{"guided rollout", "unguided rollout", "vdm rollout"} {
		in.Rollouts = append(in.Rollouts, Rollout{Label: l})
	}
	col := newColours(in)
	pal := col.plot()
	seen := map[color.NRGBA]string{}
	for _, l := range scores {
		c := pal.of(l)
		if other, ok := seen[c]; ok {
			t.Errorf("skill plot: %q and %q share colour %v", l, other, c)
		}
		seen[c] = l
	}
	for _, m := range []string{"guided", "unguided", "vdm"} {
		if a, b := col.of(m+" rollout"), col.of(m); a != b {
			t.Errorf("%s rollout drawn in %v, its scores in %v", m, a, b)
		}
	}
	// The image model and the discriminator, runs without scores, get colours of their own: all nine
	// models of the demo keep one distinct colour across every plot.
	all := map[color.NRGBA]string{}
	for _, l := range append(scores, "idm", "disc") {
		if other, ok := all[col.of(l)]; ok {
			t.Errorf("%q and %q share the report-wide colour %v", l, other, col.of(l))
		}
		all[col.of(l)] = l
	}
	// A tenth label wraps round onto a colour a score has; in a plot with that score it must differ.
	p := col.plot()
	a, b := p.of("persistence"), p.of("tenth")
	if a == b {
		t.Errorf("persistence and a wrapped label share colour %v in one plot", a)
	}
	if col.of("tenth") != Palette[0] {
		t.Errorf("the tenth label's report-wide colour %v, want the wrapped Palette[0] %v", col.of("tenth"), Palette[0])
	}
}
