package diffusion

import (
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// Guided(D, logit, λ) − D is λσ²∇ₓ logit, checked against central differences of the logit itself, for
// the conv guide of tidal's nn layers (input-only gradients through its convolutions, the case GoMLX's
// Dense cannot do on the Go backend) at two samples with different σ, over 12 coordinates: relative
// error below 2%, where a gradient of the wrong sample, sign or σ power would be off by O(1).
func TestGuidedIsScaledLogitGradient(t *testing.T) {
	const lambda = 0.7
	b := tensortest.Backend(t)
	scope := model.NewStore().RootScope()
	den := func(_ *model.Scope, x, sigma *Node, _ []*Node) *Node {
		return Div(x, OnePlus(Square(Reshape(sigma, -1, 1, 1, 1))))
	}
	g, err := Guided(den, convLogit, lambda)
	if err != nil {
		t.Fatal(err)
	}
	diffExec, err := model.NewExec(b, scope.Store(), func(_ *model.Scope, x, s, c *Node) *Node {
		return Sub(g(scope.ResetVisited(), x, s, []*Node{c}), den(nil, x, s, nil))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer diffExec.Finalize()
	logitExec, err := model.NewExec(b, scope.Store(), func(_ *model.Scope, x, s, c *Node) *Node {
		return convLogit(scope.ResetVisited(), x, s, nil, []*Node{c})
	})
	if err != nil {
		t.Fatal(err)
	}
	defer logitExec.Finalize()

	x, _ := noise.Initial(3, 2, unetC, unetHW, unetHW)
	ctx, _ := noise.Initial(4, 2, 1, unetHW, unetHW)
	sigmas := []float64{0.3, 2.5}
	sig := tensortest.Float32(sigmas, 2)
	// The first call initialises the guide's variables (random convolutions), the later ones reuse them.
	out, err := diffExec.Call(x, sig, ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := tensortest.Float64s(out[0])
	xv := tensortest.Float64s(x)
	per := len(xv) / 2
	logit := func(v []float64) []float64 {
		o, err := logitExec.Call(tensortest.Float32(v, 2, unetC, unetHW, unetHW), sig, ctx)
		if err != nil {
			t.Fatal(err)
		}
		return tensortest.Float64s(o[0])
	}
	const h = 1e-2
	// The central differences are of float32 logits, so each carries an absolute rounding error of about
	// 1e-7·|logit|/h: coordinates are compared to 2% of the largest gradient checked, not of their own
	// (a coordinate whose gradient is near 0 would otherwise measure only that rounding).
	idx, wants := make([]int, 12), make([]float64, 12)
	scale := 0.0
	for k := range idx {
		i := (k * 37) % len(xv)
		row := i / per
		up, down := append([]float64(nil), xv...), append([]float64(nil), xv...)
		up[i] += h
		down[i] -= h
		lu, ld := logit(up), logit(down)
		idx[k], wants[k] = i, lambda*sigmas[row]*sigmas[row]*(lu[row]-ld[row])/(2*h)
		scale = max(scale, math.Abs(wants[k]))
		if other := lu[1-row] - ld[1-row]; other != 0 {
			t.Errorf("coordinate %d of sample %d moved the other sample's logit by %g", i, row, other)
		}
	}
	for k, i := range idx {
		if math.Abs(got[i]-wants[k]) > 0.02*scale {
			t.Errorf("coordinate %d (σ = %v): D′ − D = %.5g, λσ²·(finite difference) = %.5g (tolerance %.3g)",
				i, sigmas[i/per], got[i], wants[k], 0.02*scale)
		}
	}
}

// Guided refuses a missing network and a non-finite λ, and a logit of the wrong shape is an error of the
// sampler, not a panic.
func TestGuidedErrors(t *testing.T) {
	if _, err := Guided(nil, convLogit, 1); err == nil {
		t.Error("nil denoiser accepted")
	}
	if _, err := Guided(wobblyD, nil, 1); err == nil {
		t.Error("nil logit accepted")
	}
	if _, err := Guided(wobblyD, convLogit, math.NaN()); err == nil || !strings.Contains(err.Error(), "λ") {
		t.Errorf("NaN λ: err = %v", err)
	}
	perElement := func(_ *model.Scope, x, _, _ *Node, _ []*Node) *Node { return x }
	g, err := Guided(wobblyD, perElement, 1)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := noise.Initial(1, 4, 2)
	_, err = Heun(Denoiser{Backend: tensortest.Backend(t), D: g}, x, nil, []float64{80, 1, 0}, HeunOptions{})
	if err == nil || !strings.Contains(err.Error(), "logit returned") {
		t.Errorf("a [batch, 2] logit: err = %v, want one naming the logit", err)
	}
}
