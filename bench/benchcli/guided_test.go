package benchcli

import (
	"encoding/json"
	"math"
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
		{[]string{"--lambda-bands", "0.5=14"}, `invalid argument "0.5=14" for "--lambda-bands" flag: the last band 0.5=14: expected the edge inf`},
		{[]string{"--lambda-bands", "0.5=14,inf=4", "--lambda-bands", "1=x,inf=2"}, `for "--lambda-bands" flag: item "1=x": the strength "x" is not a number`},
		{[]string{"--lambda-bands", "0.5=14,inf=4", "--guide-sigma-max", "1"}, "--guide-sigma-max 1 and --lambda-bands: give one of them"},
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

// `bench guided --lambda-bands`, given twice, scores the image model at each setting beside λ = 14 on a
// tiny run: a row per setting named by its bands, and an ideal-guide table per setting whose cosines are
// λ = 14's and whose norm ratios are λ = 14's times λ(σ)/14 (the guidance term is linear in λ; the
// bands' table is measured through the banded sampler's denoiser, not derived from the other), to 2 %:
// the probe takes the term as guided minus unguided D in float32, which loses digits at small σ where the
// term is small (a band's wrong λ is off by a factor of 2.9 or more here, or not 0).
func TestBenchGuidedLambdaBandsOut(t *testing.T) {
	if testing.Short() {
		t.Skip("trains three tiny models")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "g.json")
	bands := []string{"0.05=40,0.5=14,inf=4", "1=0,inf=7"}
	printed, err := runTidal(t, "bench", "guided", "--quick", "--steps", "2", "--frames", "12", "--members", "1", "--sampler-steps", "2",
		"--lambdas", "0", "--probe-windows", "2", "--dydiff=false", "--vdm-lambda", "0", "--dir", filepath.Join(dir, "runs"), "--out", out,
		"--lambda-bands", bands[0], "--lambda-bands", bands[1])
	if err != nil {
		t.Fatalf("%v\n%s", err, printed)
	}
	type agreement struct {
		Sigma, Cosine float64
		NormRatio     float64 `json:"norm_ratio"`
	}
	var r struct {
		Models []struct {
			Name           string
			ACFError, CRPS float64
		}
		Guide      []agreement
		BandGuides [][]agreement
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Models) != 5 || r.Models[3].Name != "guided λ bands "+bands[0] || r.Models[4].Name != "guided λ bands "+bands[1] {
		t.Fatalf("models %+v: want guided, unguided, VDM and one row per --lambda-bands", r.Models)
	}
	for _, m := range r.Models[3:] { // sampled at its bands: not the unguided nor the λ = 14 model
		for _, other := range r.Models[:2] {
			if m.ACFError == other.ACFError && m.CRPS == other.CRPS {
				t.Errorf("%s scores as %s: %+v", m.Name, other.Name, m)
			}
		}
	}
	if len(r.BandGuides) != 2 || len(r.Guide) == 0 {
		t.Fatalf("%d tables at bands, %d noise levels at λ 14", len(r.BandGuides), len(r.Guide))
	}
	lambdaAt := func(setting int, sigma float64) float64 { // the two settings, written out
		switch {
		case setting == 0 && sigma <= 0.05:
			return 40
		case setting == 0 && sigma <= 0.5:
			return 14
		case setting == 0:
			return 4
		case sigma <= 1:
			return 0
		}
		return 7
	}
	for i, g := range r.BandGuides {
		for j, a := range g {
			ref := r.Guide[j]
			want := ref.NormRatio * lambdaAt(i, ref.Sigma) / 14
			if a.Sigma != ref.Sigma || math.Abs(a.NormRatio-want) > 0.02*want+1e-12 { // float32: the term is guided − unguided D, small at small σ
				t.Errorf("bands %s, σ = %g: norm ratio %g, want %g (λ 14's %g scaled)", bands[i], a.Sigma, a.NormRatio, want, ref.NormRatio)
			}
			if want > 0 && math.Abs(a.Cosine-ref.Cosine) > 0.02 {
				t.Errorf("bands %s, σ = %g: cosine %g, λ 14's %g", bands[i], a.Sigma, a.Cosine, ref.Cosine)
			}
		}
	}
	for _, want := range []string{"guide at λ bands " + bands[0], "| guided λ bands " + bands[1] + " |"} {
		if !strings.Contains(printed, want) {
			t.Errorf("printed without %q", want)
		}
	}
}
