package guided

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/nets"
)

// TestDiTImageAndVideoModels trains the IDM and the VDM with the image DiT (TrainSpec.DiT) on the test
// waves: each run records its DiT (and no UNet) with the data's channels filled in, the parameters the
// DiT counts, and the training loss falls; the VDM then forecasts through NewGenerator, guided by the
// package's discriminator run, and the IDM rolls out guided too: finite frames of the field's shape.
func TestDiTImageAndVideoModels(t *testing.T) {
	_, _, disc, s := trainedRuns(t)
	b := testBackend(t)
	dir := t.TempDir()
	wantIn := map[string]int{KindIDM: 1, KindVDM: 3}
	for _, kind := range []string{KindIDM, KindVDM} {
		spec := tinySpec(kind, s, filepath.Join(dir, kind), b)
		spec.DiT = &nets.DiTConfig{Patch: 2, Hidden: 16, Depth: 2, Heads: 2, WrapW: true}
		tr, err := NewTrainer(spec)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := tr.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(spec.Dir, "options.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Config ModelConfig `json:"config"`
		}
		if err := json.Unmarshal(raw, &rec); err != nil {
			t.Fatal(err)
		}
		d := rec.Config.DiT
		if d == nil || rec.Config.UNet != nil || d.InChannels != wantIn[kind] || d.DataChannels != 1 || !d.SpatialOnly {
			t.Fatalf("%s: options.json records unet %v, dit %+v; want a spatial-only DiT with %d input channels", kind, rec.Config.UNet, d, wantIn[kind])
		}
		n, err := nets.NewDiT(*d)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Params != n.NumParams() {
			t.Errorf("%s: %d parameters trained, the DiT has %d", kind, sum.Params, n.NumParams())
		}
		stats := readLosses(t, spec.Dir)
		t.Logf("%s: loss by logged step %.3f", kind, stats)
		if first, last := stats[0], stats[len(stats)-1]; !(last < first) {
			t.Errorf("%s: training loss went from %.4f to %.4f", kind, first, last)
		}
	}
	vdm, discModel := load(t, filepath.Join(dir, KindVDM), KindVDM), load(t, disc, KindDiscriminator)
	g, err := NewGenerator(b, vdm, discModel, fastSampler(0.5))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	const M, lead = 2, 3
	fc, err := g.Forecast(context.Background(), s.Data, forecast.Cases{Context: 2, Lead: lead, Starts: []int{10}}, M, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(fc) != M*lead*64 {
		t.Fatalf("forecast of %d values, want %d", len(fc), M*lead*64)
	}
	for i, v := range fc {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("forecast value %d is %v", i, v)
		}
	}
	gi, err := NewGenerator(b, load(t, filepath.Join(dir, KindIDM), KindIDM), discModel, fastSampler(0.5))
	if err != nil {
		t.Fatal(err)
	}
	defer gi.Close()
	if _, err := gi.Forecast(context.Background(), s.Data, forecast.Cases{Context: 2, Lead: 2, Starts: []int{12}}, M, 5); err != nil {
		t.Fatal(err)
	}
}

// TestRecordedNetwork: a recorded image model builds the DiT when it records one (its parameters are
// the DiT's), the UNet otherwise, and a record of neither is an error naming the missing network.
func TestRecordedNetwork(t *testing.T) {
	idm, _, _, _ := trainedRuns(t)
	c := load(t, idm, KindIDM).Config
	u, err := c.network()
	if _, ok := u.(*nets.UNet); err != nil || !ok {
		t.Fatalf("the UNet run builds %T, %v", u, err)
	}
	c.UNet, c.DiT = nil, &nets.DiTConfig{DataChannels: 1, InChannels: 1, Hidden: 8, Depth: 1, Patch: 2}
	d, err := c.network()
	if dn, ok := d.(*nets.DiT); err != nil || !ok || dn.NumParams() != d.NumParams() || dn.Config().Hidden != 8 {
		t.Fatalf("the DiT record builds %T, %v", d, err)
	}
	if w := c.NetWidth(); w != 1 { // depth 1, hidden 8, patch 2: ⌈192/256⌉
		t.Errorf("DiT NetWidth %d, want 1", w)
	}
	c.DiT.Depth, c.DiT.Hidden = 12, 384 // DiT-S at patch 2: 12·384·24/(64·4) = 432
	if w := c.NetWidth(); w != 432 {
		t.Errorf("DiT-S/2 NetWidth %d, want 432", w)
	}
	c.DiT = nil
	if _, err := c.network(); err == nil || !strings.Contains(err.Error(), "no network") {
		t.Errorf("a record without a network: error %v, want one saying so", err)
	}
}

// readLosses returns the training losses logged in run's stats.jsonl.
func readLosses(t *testing.T, run string) []float64 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(run, "stats.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var st struct {
			Loss float64 `json:"loss"`
		}
		if err := json.Unmarshal([]byte(line), &st); err != nil {
			t.Fatal(err)
		}
		out = append(out, st.Loss)
	}
	if len(out) < 2 {
		t.Fatalf("%d losses logged", len(out))
	}
	return out
}
