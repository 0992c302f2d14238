package benchcli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Hostile flags of `bench guided` are refused before anything is generated or trained, with an error
// naming the flag.
func TestBenchGuidedHostileFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--velocity=maybe"}, "velocity"},
		{[]string{"--velocity", "--size", "6"}, "--size 6"},
		{[]string{"--velocity", "--size", "12"}, "--size 12: expected a multiple of 4, at least 16"}, // k_f = 3 is not below 12's cutoff 3
		{[]string{"--velocity", "--frames", "4"}, "--frames"},
		{[]string{"--velocity", "--lambda", "-1"}, "--lambda"},
		{[]string{"--velocity", "--probe-windows", "-2"}, "--probe-windows"},
	} {
		dir := t.TempDir()
		args := append([]string{"bench", "guided", "--quick", "--dir", filepath.Join(dir, "runs")}, c.args...)
		_, err := runTidal(t, args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one naming %q", c.args, err, c.want)
		}
		if _, serr := os.Stat(filepath.Join(dir, "runs")); serr == nil {
			t.Errorf("%v: the refused run made its folder", c.args)
		}
	}
}

// `bench guided --velocity` runs end to end on a tiny setting and writes (ζ, u, v) scores: the settings,
// each model's per-channel scores and its spectrum ratios, in --out's JSON.
func TestBenchGuidedVelocityOut(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four tiny models")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "g.json")
	printed, err := runTidal(t, "bench", "guided", "--quick", "--velocity", "--steps", "2", "--frames", "12", "--members", "1", "--sampler-steps", "1",
		"--lambdas", "0", "--probe-windows", "2", "--dydiff=false", "--vdm-lambda", "0", "--dir", filepath.Join(dir, "runs"), "--out", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, printed)
	}
	var r struct {
		Options struct{ Velocity bool }
		Models  []struct {
			Name          string
			SpectrumRatio []float64
			Channels      []struct{ Name string }
		}
		SpectrumBands [][2]int
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if !r.Options.Velocity || len(r.Models) != 3 || len(r.SpectrumBands) != 3 {
		t.Fatalf("--out holds velocity %v, %d models, bands %v: want true, 3, 3 bands", r.Options.Velocity, len(r.Models), r.SpectrumBands)
	}
	for _, m := range r.Models {
		if len(m.Channels) != 3 || m.Channels[0].Name != "zeta" || m.Channels[2].Name != "v" || len(m.SpectrumRatio) != 3 {
			t.Errorf("%s: channels %+v, spectrum %v", m.Name, m.Channels, m.SpectrumRatio)
		}
	}
	for _, want := range []string{"frames (ζ, u, v)", "single-frame spectrum of ζ", "| VDM | u |"} {
		if !strings.Contains(printed, want) {
			t.Errorf("printed without %q", want)
		}
	}
}
