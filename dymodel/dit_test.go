package dymodel

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gomlx/compute"
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
// activations, a patch of 2 instead of 4 (4× the tokens, the same pixels) more than triples them, and
// action planes add their channels to the patches.
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
	c := tinyDiTConfig()
	c.Actions, c.ActionScale = 2, []float64{1, 1}
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	// The frames' patches, twice, with A = 2 more channels: L·A·N·p²·2 floats = 5·2·4·16·2·4 bytes.
	if d := m.activationBytes() - base; d != 5120 {
		t.Errorf("2 action channels add %d bytes of activations, want 5120", d)
	}
}

// A "dit" model with actions (Config.Actions A = 2, the pushing videos' conditioning): the network
// takes A more channels per frame; Model.Net equals the bare network on (x_t, t, context, actions /
// ActionScale), so the actions arrive scaled; it trains through Loss with the windows' action rows as
// the batch's second tensor; the configuration survives options.json; and a forecast depends on the
// actions: with the same seed, two action sequences give different windows, the same one the same
// window.
func TestDiTModelActions(t *testing.T) {
	c := tinyDiTConfig()
	c.Actions, c.ActionScale = 2, []float64{0.5, 4}
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	if a := m.dit.Config().ActionChannels; a != 2 {
		t.Fatalf("the network takes %d action channels, want 2", a)
	}
	plain := tinyDiTConfig()
	if d := m.NumParams() - mustDiT(t, plain).NumParams(); d != 2*4*4*16 { // two more channels of 4×4 patches into 16 features
		t.Errorf("actions add %d parameters, want 2·p²·hidden = 512", d)
	}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := Parse(raw); err != nil || back.Actions != 2 || mustDiT(t, back).Config().ActionChannels != 2 {
		t.Fatalf("recorded %s, parsed back %+v, %v", raw, back, err)
	}
	b := tensortest.Backend(t)
	store := model.NewStore()
	x0, _ := noise.Initial(1, 2, 5, 2, 8, 8)
	acts0, _ := noise.Initial(2, 2, 5, 2)
	losses := tensortest.AdamW(t, b, store.RootScope(), 2, 1e-2, func(scope *model.Scope, in []*Node) *Node { return m.Loss(scope, in) }, x0, acts0)
	if len(losses) != 2 {
		t.Fatalf("losses %v", losses)
	}
	tensortest.RandomizeVariables(t, store, 3, 0.2)
	x, _ := noise.Initial(3, 2, 5, 2, 8, 8)
	ctx, _ := noise.Initial(4, 2, 2, 2, 8, 8)
	acts, _ := noise.Initial(5, 2, 5, 2)
	av := tensors.MustCopyFlatData[float32](acts)
	scaled := make([]float32, len(av))
	for i, v := range av {
		scaled[i] = v / float32(c.ActionScale[i%2])
	}
	tt := tensors.FromValue([]float32{100, 700})
	run := func(a []float32, fn func(scope *model.Scope, in []*Node) *Node) []float32 {
		e, err := model.NewExec(b, store, fn)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Finalize()
		out, err := e.Call(x, tt, ctx, tensors.FromFlatDataAndDimensions(a, 2, 5, 2))
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	got := run(av, func(scope *model.Scope, in []*Node) *Node { return m.Net(scope, in[0], in[1], in[2:]) })
	want := run(scaled, func(scope *model.Scope, in []*Node) *Node { return m.dit.Apply(scope, in[0], in[1], in[2:]) })
	tensortest.CheckClose(t, "Model.Net vs nets.DiT on the scaled actions", got, want, 1e-6)
	if s := maxAbs(got); s < 1e-3 {
		t.Fatalf("output %v: the random weights left it ~0, the comparison is void", s)
	}
	checkForecastFollowsActions(t, m, b, store)
}

// checkForecastFollowsActions samples one window of the model (2 context frames of 2×8×8, actions of 2
// components) from the same context and seed with two action sequences that differ in the predicted
// frames' rows only: every predicted frame differs; the first sequence again gives exactly the first
// window.
func checkForecastFollowsActions(t *testing.T, m *Model, b compute.Backend, store *model.Store) {
	t.Helper()
	f, cv := probeForecaster(t, m, b, store)
	L := m.Config.Frames()
	a1 := make([]float32, L*2)
	for r := 2; r < L; r++ { // rows of the predicted frames: push right, then left
		a1[2*r] = 0.3
	}
	a2 := append([]float32(nil), a1...)
	for r := 2; r < L; r++ {
		a2[2*r] = -0.3
	}
	window := func(a []float32) []float32 {
		w, err := f.WindowActions(cv, a, 1, 4)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	w1, w2, again := window(a1), window(a2), window(a1)
	F := 128
	for s := range L - 2 {
		if d := maxAbsDiff(w1[s*F:(s+1)*F], w2[s*F:(s+1)*F]); d < 1e-5 {
			t.Errorf("predicted frame %d moved by only %v when the actions changed", s, d)
		}
	}
	if d := maxAbsDiff(w1, again); d != 0 {
		t.Errorf("the same actions and seed gave windows %v apart", d)
	}
	if _, err := f.Window(cv, 1, 4); err == nil || !strings.Contains(err.Error(), "action values") {
		t.Errorf("a window without actions: %v, want an error counting the action values", err)
	}
}
