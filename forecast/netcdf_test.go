package forecast

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
)

// encodeRead writes spec and vals to a file and returns its path and header.
func encodeRead(t *testing.T, spec *data.NCSpec, vals map[string]*data.Array) (string, *data.NCHeader) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.nc")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := data.EncodeNC(f, spec, vals); err != nil {
		t.Fatal(err)
	}
	f.Close()
	h, err := data.StatNC(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, h
}

func ncValues(t *testing.T, path, name string) []float64 {
	t.Helper()
	a, err := data.ReadNC(path, name)
	if err != nil {
		t.Fatal(err)
	}
	return a.Float64()
}

// TestFieldSpecCoordinates: a forecast [init, member, lead, channel, y, x] from a lat-lon input with a
// 6-hourly time coordinate gets init times of the frames before each start, leads in hours, lat and lon,
// the start frames, the input's units and the provenance; without a source, plain indices.
func TestFieldSpecCoordinates(t *testing.T) {
	src := &data.FieldSource{Kind: "nc", Vars: []string{"t2m"}, Lat: []float64{10, 20}, Lon: []float64{0, 90, 180},
		Time: []float64{0, 6, 12, 18, 24}, TimeUnits: "hours since 2000-01-01", Units: "K"}
	a := data.FromFloat32(make([]float32, 2*1*3*1*2*3), 2, 1, 3, 1, 2, 3)
	meta := NCMeta{Src: src, Starts: []int{2, 4}, Provenance: Provenance{Version: "v", Command: "tidal forecast", Run: "r", Seed: 1<<53 + 2}}
	spec, vals, err := FieldSpec("forecast", a, Axes([]string{"init", "member", "lead"}, 3), meta)
	if err != nil {
		t.Fatal(err)
	}
	path, h := encodeRead(t, spec, vals)
	for name, want := range map[string][]float64{"init": {6, 18}, "lead": {6, 12, 18}, "lat": {10, 20}, "lon": {0, 90, 180},
		"start_frame": {2, 4}, "member": {0}, "channel": {0}} {
		if got := ncValues(t, path, name); !slices.Equal(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	v, err := h.Var("forecast")
	if err != nil || !slices.Equal(v.Dims, []string{"init", "member", "lead", "channel", "lat", "lon"}) {
		t.Fatalf("forecast variable %+v, %v", v, err)
	}
	if u, _ := v.Attr("units"); u.Text != "K" {
		t.Errorf("units %q, want K", u.Text)
	}
	if lv, _ := h.Var("lead"); lv != nil {
		if u, _ := lv.Attr("units"); u.Text != "hours" {
			t.Errorf("lead units %q, want hours", u.Text)
		}
	}
	if s, _ := h.Attr("tidal_seed"); s.Text != "9007199254740994" {
		t.Errorf("a seed beyond 2⁵³ written as %+v, want its decimal text", s)
	}
	if c, _ := h.Attr("tidal_command"); c.Text != "tidal forecast" {
		t.Errorf("tidal_command %q", c.Text)
	}
	spec, vals, err = FieldSpec("truth", data.FromFloat32(make([]float32, 4), 4, 1), []string{"time", "channel"}, NCMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if path, _ = encodeRead(t, spec, vals); !slices.Equal(ncValues(t, path, "time"), []float64{0, 1, 2, 3}) {
		t.Errorf("time without a source: %v, want frame indices", ncValues(t, path, "time"))
	}
	if _, _, err := FieldSpec("x", a, []string{"init"}, meta); err == nil {
		t.Error("one axis name for a rank-6 array was accepted")
	}
}

// TestScoreSpec: a metric per lead with its mean and pooled value, per-channel scores, and the lead
// coordinate read back from a NetCDF forecast.
func TestScoreSpec(t *testing.T) {
	pooled := metrics.Value(0.25)
	rep := &metrics.Report{Cases: 3, Members: 4, Leads: 2, Settings: map[string]string{"pool": "none"},
		Metrics: []metrics.MetricResult{{Name: "crps", PerLead: []metrics.Value{1, 3}, Mean: 2, Pooled: &pooled}}}
	per := []*metrics.Report{
		{Metrics: []metrics.MetricResult{{Name: "crps", PerLead: []metrics.Value{1, 2}}}},
		{Metrics: []metrics.MetricResult{{Name: "crps", PerLead: []metrics.Value{1, 4}}}},
	}
	lead, attrs := LeadCoordinate(filepath.Join(t.TempDir(), "none.nc"), 2)
	if !slices.Equal(lead, []float64{1, 2}) || len(attrs) != 2 {
		t.Fatalf("lead of a missing file: %v %v", lead, attrs)
	}
	spec, vals := ScoreSpec(rep, Provenance{Version: "v"}, []float64{6, 12}, attrs, per, []string{"u", "v"})
	path, h := encodeRead(t, spec, vals)
	if got := ncValues(t, path, "crps"); !slices.Equal(got, []float64{1, 3}) {
		t.Errorf("crps %v", got)
	}
	if got := ncValues(t, path, "crps_per_channel"); !slices.Equal(got, []float64{1, 2, 1, 4}) {
		t.Errorf("crps_per_channel %v", got)
	}
	v, _ := h.Var("crps")
	if m, _ := v.Attr("pooled"); len(m.Values) != 1 || m.Values[0] != 0.25 {
		t.Errorf("pooled %+v", m)
	}
	if s, _ := h.Attr("setting_pool"); s.Text != "none" {
		t.Errorf("setting_pool %+v", s)
	}
	if lead, _ := LeadCoordinate(path, 2); !slices.Equal(lead, []float64{6, 12}) {
		t.Errorf("lead coordinate read back %v, want 6, 12", lead)
	}
}
