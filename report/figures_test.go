package report

import (
	"image/color"
	"testing"
)

// TestColoursDistinctPerPlot gives the demo's labels their colours: five runs, seven scores and three
// rollouts, fifteen labels for seven colours. Every skill plot's seven lines differ, a rollout is drawn in
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
	// "idm" wraps round onto a colour a score has; in a plot with that score it must differ.
	p := col.plot()
	a, b := p.of("persistence"), p.of("idm")
	if a == b {
		t.Errorf("persistence and idm share colour %v in one plot", a)
	}
	if col.of("idm") != Palette[0] {
		t.Errorf("idm's report-wide colour %v, want the wrapped Palette[0] %v", col.of("idm"), Palette[0])
	}
}
