package forecast

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

func TestRolloutScoreSettings(t *testing.T) {
	s := RolloutScoreSettings{MaxLag: 4, Bins: 10, Window: 5, Channel: 1, Band: []int{1, 2, 6}, Spectrum: "zonal"}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	view, full := []int{20, 2, 8, 16}, []int{20, 3, 2, 8, 16}
	o, err := s.Options("--forecast f.npy", view, full, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.MaxLag != 4 || o.Bins != 10 || o.Window != 5 || o.Channel != 1 || o.Band == nil || o.Band.To != 6 || len(o.ZonalRows) != 8 || o.Weights != nil {
		t.Errorf("options %+v", o)
	}
	w := filepath.Join(t.TempDir(), "w.npy")
	if err := data.WriteNPY(w, data.FromFloat64([]float64{1, 3, 1, 3, 1, 3, 1, 3}, 8)); err != nil {
		t.Fatal(err)
	}
	s.LatWeights = w
	if o, err = s.Options("--forecast f.npy", view, full, nil); err != nil || len(o.Weights) != 8*16 || o.Weights[0] != 0.5 || o.Weights[16] != 1.5 {
		t.Errorf("weights %v: %v", o.Weights[:17], err)
	}
	if err := s.CheckLengths("--forecast f.npy", []int{20, 8, 16}, "--obs o.npy", []int{4, 8, 16}); err == nil ||
		err.Error() != "--max-lag 4: expected a lag below the 4 frames of --obs o.npy" {
		t.Errorf("a lag beyond the truth: %v", err)
	}
	if err := s.CheckLengths("--forecast f.npy", []int{4, 8, 16}, "--obs o.npy", []int{20, 8, 16}); err == nil || !strings.Contains(err.Error(), "of --forecast f.npy") {
		t.Errorf("a lag beyond the forecast: %v", err)
	}
	for _, c := range []struct {
		change func(*RolloutScoreSettings)
		want   string
	}{
		{func(s *RolloutScoreSettings) { s.Spectrum = "radial" }, `--spectrum "radial"`},
		{func(s *RolloutScoreSettings) { s.Band = []int{1, 2, 17} }, "--band 1,2,17"},
		{func(s *RolloutScoreSettings) { s.Channel = 2 }, "--channel 2"},
		{func(s *RolloutScoreSettings) { s.LatWeights = w + ".absent" }, "--lat-weights: "},
	} {
		bad := s
		c.change(&bad)
		if _, err := bad.Options("--forecast f.npy", view, full, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error with %q", err, c.want)
		}
	}
	if got := (RolloutScoreSettings{Bins: 10}).Bytes(800, 80, false); got != 2400+240+640 {
		t.Errorf("Bytes = %d", got)
	}
	if got := (RolloutScoreSettings{Bins: 10}).Bytes(800, 80, true); got != 2400+240+640+800 {
		t.Errorf("Bytes of split members = %d", got)
	}
	if err := (RolloutScoreSettings{MaxLag: 0, Bins: 1}).Check(); err == nil || !strings.Contains(err.Error(), "max-lag") {
		t.Errorf("--max-lag 0: %v", err)
	}
}
