package guided

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// TestRolloutIdentity: the identity a resumed rollout is checked against is pinned (a change would
// refuse to resume every partial rollout written before it), and changes with the guide, λ and the seed.
func TestRolloutIdentity(t *testing.T) {
	m := &Model{Config: ModelConfig{Kind: KindIDM}, Run: "runs/idm", Step: 600}
	opt := DefaultSamplerOptions()
	opt.Grid.Steps = 8
	got := RolloutIdentity(m, nil, "", opt, 1)
	want := "guided rollout v1: idm runs/idm step 600; disc \"\"; λ 14; grid {SigmaMin:0.002 SigmaMax:80 Rho:7 Steps:8}; heun {Churn:55 TMin:0 TMax:1000 Noise:1.005 Seed:0}; seed 1"
	if got != want {
		t.Errorf("identity\n%s\nwant\n%s", got, want)
	}
	d := &Model{Config: ModelConfig{Kind: KindDiscriminator}, Run: "runs/disc", Step: 40}
	opt.GuideSigmaMax = 2
	g := RolloutIdentity(m, d, "runs/disc", opt, 2)
	for _, part := range []string{`disc "runs/disc" step 40`, "; seed 2", "; guide σ ≤ 2"} {
		if !strings.Contains(g, part) {
			t.Errorf("identity with a guide and a σ bound %q lacks %q", g, part)
		}
	}
	// λ per band: the bands are part of the identity, so a partial rollout with others is not resumed.
	opt.GuideSigmaMax, opt.Lambda, opt.LambdaBands = 0, 0, LambdaBands{{0.5, 30}, {math.Inf(1), 4}}
	banded := RolloutIdentity(m, d, "runs/disc", opt, 2)
	opt.LambdaBands[1].Lambda = 5
	if other := RolloutIdentity(m, d, "runs/disc", opt, 2); !strings.HasSuffix(banded, "; λ bands 0.5=30,inf=4") || other == banded {
		t.Errorf("identities with bands %q and %q", banded, other)
	}
}

// TestInitialFrames: the last two frames, each repeated per member, oldest first.
func TestInitialFrames(t *testing.T) {
	series := []float32{0, 1, 10, 11, 20, 21} // 3 frames of 2 values
	got := InitialFrames(series, 2, 2)
	if want := []float32{10, 11, 10, 11, 20, 21, 20, 21}; !slices.Equal(got, want) {
		t.Errorf("initial frames %v, want %v", got, want)
	}
}

// TestDescribe names the four kinds of rollouts.
func TestDescribe(t *testing.T) {
	for _, c := range []struct {
		kind   string
		guided bool
		want   string
	}{{KindIDM, false, "unguided image model"}, {KindIDM, true, "image model guided with λ = 14"},
		{KindVDM, false, "video model"}, {KindVDM, true, "video model guided with λ = 14"}} {
		g := &Generator{model: &Model{Config: ModelConfig{Kind: c.kind}}, guided: c.guided, opt: DefaultSamplerOptions()}
		if got := g.Describe(); got != c.want {
			t.Errorf("%s guided %v: %q, want %q", c.kind, c.guided, got, c.want)
		}
	}
	g := &Generator{model: &Model{Config: ModelConfig{Kind: KindIDM}}, guided: true, opt: SamplerOptions{LambdaBands: LambdaBands{{1, 20}, {math.Inf(1), 3}}}}
	if got, want := g.Describe(), "image model guided with λ bands 1=20,inf=3"; got != want {
		t.Errorf("bands: %q, want %q", got, want)
	}
}

// TestSummaryString: the line the training commands print, with a discriminator's accuracy bins.
func TestSummaryString(t *testing.T) {
	s := Summary{Kind: KindDiscriminator, Params: 1234, Step: 40, Loss: 0.123456, Accuracy: 0.75,
		AccuracyBins: []AccuracyBin{{Lo: 0, Hi: 0.5, Count: 10, Accuracy: 0.9}, {Lo: 0.5, Count: 6, Accuracy: 0.5}}}
	want := "discriminator (1234 parameters) at step 40, loss 0.1235, held-out accuracy 0.750 (σ∈[0,0.5): 0.900 of 10, σ∈[0.5,∞): 0.500 of 6)"
	if got := s.String(); got != want {
		t.Errorf("%s\nwant\n%s", got, want)
	}
	if got := (Summary{Kind: KindIDM, Params: 5, Step: 2, Loss: 1}).String(); got != "idm (5 parameters) at step 2, loss 1" {
		t.Errorf("image model: %s", got)
	}
}
