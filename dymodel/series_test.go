package dymodel

import (
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

func seriesConfig() Config {
	return Config{Method: Method, Net: "series", Context: 4, Predict: 3, Eta: 0.5, Noising: "dependent",
		Frame: []int{3}, Series: SeriesNetConfig{Channels: 8, Blocks: 1, Rank: 2}}
}

// The series window's units (docs/SERIES.md, "Where the scaling applies"): a fresh SeriesNet predicts
// zero noise whatever its inputs, so the sampled window in the scaled space does not depend on the
// context, and the forecast must be that window times each member's own per-series scale: contexts
// whose member m's series n is multiplied by k_mn (a different factor for each member and series) give
// forecasts multiplied by k_mn (a forecast left in the scaled space, or scaled by another series' or
// member's scale, e.g. member 0's for every member, fails). After
// training steps and random weights, a change of the context moves the forecast.
func TestSeriesWindowUnits(t *testing.T) {
	m, err := New(seriesConfig())
	if err != nil {
		t.Fatal(err)
	}
	b := tensortest.Backend(t)
	store := model.NewStore()
	f, err := m.NewForecaster(b, store, SamplerOptions{Kind: "ddim", Steps: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const M, P, N = 2, 4, 3
	ctx := make([]float32, M*P*N)
	for i := range ctx {
		ctx[i] = float32(1 + 0.3*math.Sin(float64(i)) + float64(i/(P*N)))
	}
	k := [M][N]float32{{10, 0.5, 3}, {0.25, 4, 7}} // [member][series]
	factor := func(i, per int) float32 { return k[i/per][i%N] }
	scaled := append([]float32(nil), ctx...)
	for i := range scaled {
		scaled[i] *= factor(i, P*N)
	}
	w, err := f.Window(ctx, M, 5)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := f.Window(scaled, M, 5)
	if err != nil {
		t.Fatal(err)
	}
	S := len(w) / M
	for i := range w {
		if want := w[i] * factor(i, S); math.Abs(float64(ws[i]-want)) > 1e-5*math.Abs(float64(want))+1e-6 {
			t.Fatalf("value %d (member %d, series %d): %v, want %v = %v × %v", i, i/S, i%N, ws[i], want, factor(i, S), w[i])
		}
	}
	trainedContextMatters(t, m, store, SamplerOptions{Kind: "ddim", Steps: 4}, ctx[:P*N], P-1)
}

// trainedContextMatters takes two AdamW steps of m's loss on smooth windows [2, 7, N], gives its
// variables random values, and checks that changing series 1 of context row `row` moves a window
// sampled with o from ctx (one member's context). It returns the training losses.
func trainedContextMatters(t *testing.T, m *Model, store *model.Store, o SamplerOptions, ctx []float32, row int) []float64 {
	t.Helper()
	b := tensortest.Backend(t)
	N := m.Config.Frame[0]
	xv := make([]float32, 2*7*N)
	for i := range xv {
		xv[i] = float32(2 + math.Cos(float64(i)))
	}
	x0 := tensors.FromFlatDataAndDimensions(xv, 2, 7, N)
	losses := tensortest.AdamW(t, b, store.RootScope(), 2, 1e-2, func(scope *model.Scope, in []*Node) *Node { return m.Loss(scope, in) }, x0)
	tensortest.RandomizeVariables(t, store, 3, 0.2)
	f, err := m.NewForecaster(b, store, o)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := f.Window(ctx, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	moved := append([]float32(nil), ctx...)
	moved[row*N+1] += 0.5
	c, err := f.Window(moved, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(a, c); d < 1e-5 {
		t.Errorf("the forecast moved by %v when context row %d changed", d, row)
	}
	return losses
}

// The anchored edm-form series window (docs/SERIES.md, "The persistence anchor"): the window is
// modelled as (x − x_last)/scale with scale from the context's increments, so for a fresh SeriesNet
// (which predicts zero whatever its inputs) the forecast is x_last + scale·y with y independent of the
// context: a context mapped series by series by x ↦ k_n·x + c_n (k_n > 0) gives the forecast mapped
// the same way. A forecast that forgot the anchor or the scale fails. After training steps and random
// weights a change of the context moves the forecast, and the edm form's loss is finite. The same holds
// for the "walk" anchor, whose steps are also divided by a random walk's spread at their distance.
func TestSeriesAnchoredWindowAffine(t *testing.T) {
	for _, a := range []string{AnchorLast, AnchorWalk} {
		t.Run(a, func(t *testing.T) { testAnchoredWindowAffine(t, a) })
	}
}

func testAnchoredWindowAffine(t *testing.T, anchor string) {
	c := seriesConfig()
	c.Param, c.Anchor, c.EDM = ParamEDM, anchor, DefaultSeriesEDM()
	m, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	if m.DefaultSampler() != "heun" {
		t.Fatalf("default sampler %q, want heun", m.DefaultSampler())
	}
	b := tensortest.Backend(t)
	store := model.NewStore()
	f, err := m.NewForecaster(b, store, SamplerOptions{Steps: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const M, P, N = 2, 4, 3
	ctx := make([]float32, M*P*N)
	for i := range ctx {
		ctx[i] = float32(1 + 0.3*math.Sin(float64(i)) + float64(i/(P*N)))
	}
	k := []float32{10, 0.5, 3}
	off := []float32{-7, 2, 100}
	mapped := append([]float32(nil), ctx...)
	for i := range mapped {
		mapped[i] = k[i%N]*mapped[i] + off[i%N]
	}
	w, err := f.Window(ctx, M, 5)
	if err != nil {
		t.Fatal(err)
	}
	wm, err := f.Window(mapped, M, 5)
	if err != nil {
		t.Fatal(err)
	}
	var spread float64
	for i := range w {
		want := k[i%N]*w[i] + off[i%N]
		if math.Abs(float64(wm[i]-want)) > 2e-5*math.Abs(float64(want))+1e-5 {
			t.Fatalf("value %d (series %d): %v, want %v·%v + %v = %v", i, i%N, wm[i], k[i%N], w[i], off[i%N], want)
		}
		m, s := i/((c.Predict)*N), i%N
		spread = max(spread, math.Abs(float64(w[i]-ctx[(m*P+P-1)*N+s])))
	}
	if spread == 0 {
		t.Errorf("the fresh model's forecast is exactly the last observation: no noise reached it")
	}
	for i, l := range trainedContextMatters(t, m, store, SamplerOptions{Steps: 4}, ctx[:P*N], P-2) {
		if math.IsNaN(l) || math.IsInf(l, 0) {
			t.Fatalf("edm-form loss at step %d is %v", i, l)
		}
	}
}

// TestSeriesAnchorNeedsTwoSteps checks that a series anchored at its last observation refuses a
// context of one step (its scale is the context's increments).
func TestSeriesAnchorNeedsTwoSteps(t *testing.T) {
	c := seriesConfig()
	c.Context, c.Anchor = 1, AnchorLast
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "at least 2") {
		t.Errorf("context 1 with anchor last: %v", err)
	}
	f := Config{Method: Method, Net: "unet", Context: 2, Predict: 2, Noising: "dependent", Frame: []int{1, 4, 4}, Anchor: AnchorWalk}
	if err := f.Validate(); err == nil || !strings.Contains(err.Error(), "for series") {
		t.Errorf("fields with anchor walk: %v", err)
	}
}
