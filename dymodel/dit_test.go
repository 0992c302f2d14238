package dymodel

import (
	"encoding/json"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/noise"
)

// tinyDiTConfig is tinyConfig with the "dit" network: patch 4 (4 tokens a frame of 8×8), hidden 16,
// depth 2, 2 heads.
func tinyDiTConfig() Config {
	c := tinyConfig()
	c.Net, c.UNet = "dit", UNetConfig{}
	c.DiT = &DiTConfig{Patch: 4, Hidden: 16, Depth: 2, Heads: 2}
	return c
}

// The "dit" network takes the frames and context as nets.DiT does (its own per-frame conditioning
// channels): Model.Net equals the bare network on (x_t, t, context); it trains through Loss, and
// forecasts through Window, where a changed context frame changes every predicted frame (its
// temporal attention carries it along the window).
func TestDiTModel(t *testing.T) {
	c := tinyDiTConfig()
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	if m.NumParams() != m.dit.NumParams() || m.dit.Config().Patch != 4 || m.dit.Config().DataChannels != 2 {
		t.Fatalf("model %d parameters, network %s with %d", m.NumParams(), m.dit, m.dit.NumParams())
	}
	b := tensortest.Backend(t)
	store := model.NewStore()
	x0, _ := noise.Initial(1, 2, 5, 2, 8, 8)
	losses := tensortest.AdamW(t, b, store.RootScope(), 2, 1e-2, func(scope *model.Scope, in []*Node) *Node { return m.Loss(scope, in) }, x0)
	if len(losses) != 2 {
		t.Fatalf("losses %v", losses)
	}
	tensortest.RandomizeVariables(t, store, 3, 0.2)
	x, _ := noise.Initial(3, 2, 5, 2, 8, 8)
	ctx, _ := noise.Initial(4, 2, 2, 2, 8, 8)
	tt := tensors.FromValue([]float32{100, 700})
	run := func(fn func(scope *model.Scope, in []*Node) *Node) []float32 {
		e, err := model.NewExec(b, store, fn)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Finalize()
		out, err := e.Call(x, tt, ctx)
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	got := run(func(scope *model.Scope, in []*Node) *Node { return m.Net(scope, in[0], in[1], in[2:]) })
	want := run(func(scope *model.Scope, in []*Node) *Node { return m.dit.Apply(scope, in[0], in[1], in[2:]) })
	tensortest.CheckClose(t, "Model.Net vs nets.DiT", got, want, 1e-6)
	if s := maxAbs(got); s < 1e-3 {
		t.Fatalf("output %v: the random weights left it ~0, the comparison is void", s)
	}
	checkContextReachesEveryFrame(t, m, b, store)
}

// A "dit" configuration survives the JSON of options.json; DiT settings on another network and DiT
// settings nets.DiT refuses are errors naming them.
func TestDiTConfigRecorded(t *testing.T) {
	c := tinyDiTConfig()
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"dit":{"patch":4,"hidden":16,"depth":2,"heads":2}`) {
		t.Errorf("recorded %s, want the dit settings", raw)
	}
	back, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(back)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustDiT(t, c).NumParams(); m.NumParams() != want {
		t.Errorf("parsed model has %d parameters, want %d", m.NumParams(), want)
	}
	if u, _ := json.Marshal(tinyConfig()); strings.Contains(string(u), `"dit"`) {
		t.Errorf("a unet run records dit settings: %s", u)
	}
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.Net = "unet" }, "dit settings"},
		{func(c *Config) { c.DiT.Heads = 3 }, "Heads"},
		{func(c *Config) { c.DiT.Hidden = 18 }, "Hidden"},
		{func(c *Config) { c.DiT.Patch = -1 }, "Patch"},
		{func(c *Config) { c.Frame = []int{5} }, "frame"},
	} {
		c := tinyDiTConfig()
		tc.mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error naming %q", c.DiT, err, tc.want)
		}
	}
	c.DiT = nil // nets.DiT's defaults
	if m, err := New(c); err != nil || m.dit.Config().Hidden != 64 {
		t.Errorf("dit without settings: %v", err)
	}
}

func mustDiT(t *testing.T, c Config) *nets.DiT {
	t.Helper()
	d, err := c.dit()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The DiT's memory estimate grows with the blocks and the tokens: twice the depth about doubles the
// activations, a patch of 2 instead of 4 (4× the tokens, the same pixels) more than triples them.
func TestDiTBudget(t *testing.T) {
	bytes := func(mutate func(*DiTConfig)) int64 {
		c := tinyDiTConfig()
		mutate(c.DiT)
		m, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		return m.activationBytes()
	}
	base := bytes(func(*DiTConfig) {})
	deep := bytes(func(d *DiTConfig) { d.Depth = 4 })
	fine := bytes(func(d *DiTConfig) { d.Patch = 2 })
	if !(base > 0 && deep > base*3/2 && deep < base*2 && fine > 3*base) {
		t.Errorf("activations: base %d, depth ×2 %d, patch 2 %d", base, deep, fine)
	}
}
