package guided

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// ParseLambdaBands reads the written form into the bands, String writes it back, and At picks each
// band's λ with its edge inclusive: σ = 0.05 is in the first band, the next float above it in the second.
func TestParseLambdaBands(t *testing.T) {
	b, err := ParseLambdaBands(" 0.05=40, 0.5 =14,inf= 4")
	if err != nil {
		t.Fatal(err)
	}
	want := LambdaBands{{0.05, 40}, {0.5, 14}, {math.Inf(1), 4}}
	if len(b) != len(want) {
		t.Fatalf("%v, want %v", b, want)
	}
	for i := range want {
		if b[i] != want[i] {
			t.Fatalf("%v, want %v", b, want)
		}
	}
	if s := b.String(); s != "0.05=40,0.5=14,inf=4" {
		t.Errorf("String %q", s)
	}
	for _, c := range []struct{ sigma, lambda float64 }{
		{0, 40}, {0.01, 40}, {0.05, 40}, {math.Nextafter(0.05, 1), 14}, {0.3, 14}, {0.5, 14},
		{math.Nextafter(0.5, 1), 4}, {80, 4}, {math.Inf(1), 4},
	} {
		if got := b.At(c.sigma); got != c.lambda {
			t.Errorf("At(%v) = %g, want %g", c.sigma, got, c.lambda)
		}
	}
	if m := b.Max(); m != 40 {
		t.Errorf("Max %g", m)
	}
	if _, ok := b.Constant(); ok {
		t.Error("three different λ reported constant")
	}
	if l, ok := (LambdaBands{{1, 3}, {math.Inf(1), 3}}).Constant(); !ok || l != 3 {
		t.Errorf("equal bands: constant %v %g", ok, l)
	}
	if one, err := ParseLambdaBands("INF=2"); err != nil || one.String() != ConstantLambda(2).String() {
		t.Errorf("one band: %v %v", one, err)
	}
}

// Hostile written bands are refused with an error naming the bad item and what was expected.
func TestParseLambdaBandsHostile(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "no bands"},
		{"  ", "no bands"},
		{"0.5=14", "the last band 0.5=14: expected the edge inf"},
		{"0.5=14,0.1=3,inf=1", "band 0.1=3: expected a finite edge above the previous one (0.5)"},
		{"0.5=14,0.5=3,inf=1", "band 0.5=3: expected a finite edge above the previous one (0.5)"},
		{"0=3,inf=1", "band 0=3: expected a finite edge above the previous one (0)"},
		{"-1=3,inf=1", "band -1=3"},
		{"inf=3,inf=1", "band inf=3"},
		{"0.5=-1,inf=2", "band 0.5=-1: expected a guidance strength λ in [0, 1e+06]"},
		{"0.5=NaN,inf=2", "band 0.5=NaN"},
		{"0.5=inf,inf=2", "band 0.5=+Inf"},
		{"0.5=14,inf=1e7", "band inf=1e+07"},
		{"abc", `item "abc": expected σ=λ`},
		{"0.5=14,,inf=4", `item "": expected σ=λ`},
		{"x=3,inf=1", `item "x=3": the edge "x" is not a number`},
		{"nan=3,inf=1", `item "nan=3": the edge "nan" is not a number`},
		{"0.5=fourteen,inf=1", `item "0.5=fourteen": the strength "fourteen" is not a number`},
		{"0.5=14;inf=4", `the strength "14;inf=4" is not a number`},
	} {
		_, err := ParseLambdaBands(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.in, err, c.want)
		}
	}
	var v LambdaBands
	if err := v.Set("0.5=14"); err == nil || v != nil {
		t.Errorf("Set accepted bad bands: %v, %v", v, err)
	}
	if err := v.Set("0.5=14,inf=2"); err != nil || v.String() != "0.5=14,inf=2" {
		t.Errorf("Set: %v, %v", v, err)
	}
	if err := v.Set(""); err != nil || v != nil {
		t.Errorf("Set of the empty default: %v, %v; want no bands", v, err)
	}
}

// The sampler's options: bands replace λ and the window, and are refused beside either.
func TestSamplerOptionsStrength(t *testing.T) {
	o := DefaultSamplerOptions()
	if b, err := o.Strength(); err != nil || b.String() != "inf=14" {
		t.Errorf("λ 14: %v %v", b, err)
	}
	o.LambdaBands = LambdaBands{{1, 5}, {math.Inf(1), 2}}
	if _, err := o.Strength(); err == nil || !strings.Contains(err.Error(), "give one of them") {
		t.Errorf("λ and bands: %v", err)
	}
	o.Lambda = 0
	if b, err := o.Strength(); err != nil || b.String() != "1=5,inf=2" {
		t.Errorf("bands: %v %v", b, err)
	}
	o.GuideSigmaMax = 3
	if _, err := o.Strength(); err == nil || !strings.Contains(err.Error(), "window") {
		t.Errorf("window and bands: %v", err)
	}
	o.GuideSigmaMax, o.LambdaBands = 0, LambdaBands{{1, 5}}
	if _, err := o.Strength(); err == nil || !strings.Contains(err.Error(), "edge inf") {
		t.Errorf("bands without inf: %v", err)
	}
	if _, err := NewGenerator(testBackend(t), &Model{Config: ModelConfig{Kind: KindIDM}}, nil, o); err == nil || !strings.Contains(err.Error(), "edge inf") {
		t.Errorf("NewGenerator with bad bands: %v", err)
	}
}

// The banded guidance on the exact world (exact_test.go): one batch whose rows sit at noise levels in
// every band, edges included (0.5 and 2 are exact in float32, so σ = 0.5 is in the first band and the
// next float32 above it in the second), gives each row the term λ(σ)·(D_c − D) of its own band's λ,
// computed on the host in float64; and the same rows through the constant-λ path (diffusion.Guided at
// each band's λ, the sampler's arithmetic without bands) agree with the banded ones to float32 rounding
// (about 1e-5 of the term at σ = 80, where D_c − D is a difference of large terms).
// A band chosen by the wrong side of an edge, the bands' order reversed, or λ applied twice would each
// be off by O(1).
func TestBandedGuideIsPerSigma(t *testing.T) {
	w := newGaussWorld()
	b := testBackend(t)
	bands := LambdaBands{{0.5, 3}, {2, 0}, {math.Inf(1), 1.5}}
	sigmas := []float64{0.01, 0.3, 0.5, float64(math.Nextafter32(0.5, 1)), 1, 2, float64(math.Nextafter32(2, 3)), 7, 80}
	wantBand := []float64{3, 3, 3, 0, 0, 0, 1.5, 1.5, 1.5}
	rows := len(sigmas)
	rng := rand.New(rand.NewPCG(3, 4))
	prev, cur := w.draw(rng, rows)
	y := make([]float64, rows*gaussP)
	for r, s := range sigmas {
		for k := range gaussP {
			y[r*gaussP+k] = cur[r*gaussP+k]*0.7 + s*rng.NormFloat64()
		}
	}
	dims := []int{rows, gaussC, gaussH, gaussW}
	terms := func(lambda LambdaBands) []float32 {
		guide, _ := w.guide(0)
		p, err := newGuideProbe(b, model.NewStore(), w.idm, w.cond, guide, lambda)
		if err != nil {
			t.Fatal(err)
		}
		defer p.close()
		tens := func(v []float64, d ...int) *tensors.Tensor { return tensors.FromFlatDataAndDimensions(f32(v), d...) }
		g, _, err := p.terms(tens(y, dims...), tens(sigmas, rows), tens(cur, dims...), tens(prev, dims...))
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	banded := terms(bands)
	perBand := map[float64][]float32{}
	for _, band := range bands {
		perBand[band.Lambda] = terms(ConstantLambda(band.Lambda))
	}
	for r, s := range sigmas {
		lambda := bands.At(float64(float32(s)))
		if lambda != wantBand[r] {
			t.Fatalf("At(%v) = %g, want %g", s, lambda, wantBand[r])
		}
		z, zc := hostModes(f64(f32(y[r*gaussP:(r+1)*gaussP]))), hostModes(f64(f32(cur[r*gaussP:(r+1)*gaussP])))
		dz := make([]float64, gaussP)
		for k := range dz {
			m, s2 := w.ar[k]*zc[k], s*s
			dz[k] = m + w.q[k]/(w.q[k]+s2)*(z[k]-m) - w.lam[k]/(w.lam[k]+s2)*z[k]
		}
		want := hostModes(dz)
		scale := 0.0
		for _, v := range want {
			scale = max(scale, math.Abs(v))
		}
		tol := (2e-5*(1+s) + 1e-4*scale) * max(lambda, 1)
		name := fmt.Sprintf("row %d, σ = %v (λ %g)", r, s, lambda)
		for k := range gaussP {
			got := float64(banded[r*gaussP+k])
			if d := math.Abs(got - lambda*want[k]); d > tol {
				t.Errorf("%s: value %d: banded term %.6g, λ(σ)(D_c − D) = %.6g", name, k, got, lambda*want[k])
			}
			one := float64(perBand[lambda][r*gaussP+k])
			if d := math.Abs(got - one); d > 4e-5*(1+math.Abs(one)) { // float32: the gradient of λ·logit, not λ times the gradient
				t.Errorf("%s: value %d: banded term %.8g, the constant λ %g's %.8g", name, k, got, lambda, one)
			}
		}
	}
}

// The bands on trained models, through the whole sampler (Generator.Next): one band up to inf is the
// constant λ (bit for bit: the same arithmetic), the bands {1: 14, inf: 0} make the frames of the
// guidance window σ ≤ 1 at λ = 14 (to float32 rounding: the window multiplies the logit by 1[σ ≤ 1]
// and guides at 14, the bands scale it by 14 and guide at 1), and bands of λ 0 everywhere are unguided.
func TestBandsGeneraliseTheWindow(t *testing.T) {
	idm, _, disc, s := trainedRuns(t)
	b := testBackend(t)
	m, d := load(t, idm, KindIDM), load(t, disc, KindDiscriminator)
	F := 64
	prev, cur := append(s.Data[:F:F], s.Data[:F]...), append(s.Data[F:2*F:2*F], s.Data[F:2*F]...)
	frame := func(o SamplerOptions) []float32 { return firstFrame(t, b, m, d, o, prev, cur) }
	bands := func(b LambdaBands) SamplerOptions {
		o := fastSampler(0)
		o.LambdaBands = b
		return o
	}
	guided, plain := frame(fastSampler(14)), frame(fastSampler(0))
	window := fastSampler(14)
	window.GuideSigmaMax = 1
	win := frame(window)
	if got := frame(bands(ConstantLambda(14))); !equal(got, guided) {
		t.Error("the one band inf=14 differs from λ = 14")
	}
	if got := frame(bands(LambdaBands{{1, 0}, {math.Inf(1), 0}})); !equal(got, plain) {
		t.Error("bands of λ 0 are not the unguided frames")
	}
	got := frame(bands(LambdaBands{{1, 14}, {math.Inf(1), 0}}))
	worst := 0.0
	for i := range got {
		worst = max(worst, math.Abs(float64(got[i]-win[i]))/(1+math.Abs(float64(win[i]))))
	}
	if worst > 1e-4 {
		t.Errorf("bands 1=14,inf=0 differ from the window σ ≤ 1 at λ 14 by %.3g (relative)", worst)
	}
	if equal(win, guided) || equal(win, plain) {
		t.Error("the window inside the grid made the fully guided or the unguided frames: the comparison proves nothing")
	}
	t.Logf("bands against the window: largest relative difference %.3g", worst)
}

// Bands cross JSON (the bench's --out, resolved options) in their written form, since JSON has no +Inf,
// and come back equal; absent bands are left out; a bad string is refused.
func TestLambdaBandsJSON(t *testing.T) {
	type holder struct {
		Bands LambdaBands   `json:",omitempty"`
		List  []LambdaBands `json:",omitempty"`
	}
	in := holder{Bands: LambdaBands{{0.05, 40}, {math.Inf(1), 4}}, List: []LambdaBands{ConstantLambda(14), {{1, 0}, {math.Inf(1), 7}}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Bands":"0.05=40,inf=4","List":["inf=14","1=0,inf=7"]}`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	var out holder
	if err := json.Unmarshal(b, &out); err != nil || out.Bands.String() != in.Bands.String() || len(out.List) != 2 || out.List[1].String() != "1=0,inf=7" {
		t.Errorf("round trip: %+v, %v", out, err)
	}
	if b, err := json.Marshal(holder{}); err != nil || string(b) != "{}" {
		t.Errorf("no bands: %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"Bands":"0.5=1"}`), &out); err == nil || !strings.Contains(err.Error(), "edge inf") {
		t.Errorf("bad bands in JSON: %v", err)
	}
}
