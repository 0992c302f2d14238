package diffusion

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// Golden preconditioning values (Karras et al. 2022, Table 1) at σ_data = 0.5, worked out by hand:
// σ = 0.5: c_skip = 1/2, c_out = 0.25/√0.5 = √2/4, c_in = √2, c_noise = ln(0.5)/4;
// σ = 2:   c_skip = 0.25/4.25 = 1/17, c_out = 1/√4.25, c_in = 1/√4.25, c_noise = ln(2)/4.
func TestPreconditionGolden(t *testing.T) {
	for _, c := range []struct{ sigma, skip, out, in, noise float64 }{
		{0.5, 0.5, math.Sqrt2 / 4, math.Sqrt2, -0.17328679513998632},
		{2, 1.0 / 17, 1 / math.Sqrt(4.25), 1 / math.Sqrt(4.25), 0.17328679513998632},
	} {
		for name, got := range map[string][2]float64{
			"c_skip": {CSkip(c.sigma, 0.5), c.skip}, "c_out": {COut(c.sigma, 0.5), c.out},
			"c_in": {CIn(c.sigma, 0.5), c.in}, "c_noise": {CNoise(c.sigma), c.noise},
		} {
			if !tensortest.CloseRel(got[0], got[1], 1e-15) {
				t.Errorf("σ=%v %s = %.17g, want %.17g", c.sigma, name, got[0], got[1])
			}
		}
	}
	if w := LossWeight(0.5, 0.5); !tensortest.CloseRel(w, 0.5/(0.0625), 1e-15) {
		t.Errorf("λ(0.5) = %v, want 8", w)
	}
}

// The compiled D = c_skip x + c_out F(c_in x; c_noise) for a network F(u; c) = 2u + c (which lets the
// test see both inputs), against the host formula, at per-sample σ.
func TestPreconditionGraph(t *testing.T) {
	const B, P = 4, 3
	sigmas := []float64{0.002, 0.5, 2, 80}
	r := rand.New(rand.NewPCG(1, 1))
	x := make([]float64, B*P)
	for i := range x {
		x[i] = float64(float32(r.NormFloat64() * 3))
	}
	net := func(_ *model.Scope, u, c *Node, _ []*Node) *Node {
		return Add(MulScalar(u, 2), ExpandAxes(c, -1))
	}
	d := Precondition(net, 0.5)
	out, err := model.MustNewExec(tensortest.Backend(t), model.NewStore(), func(s *model.Scope, x, sig *Node) *Node {
		return d(s, x, sig, nil)
	}).Call(tensortest.Float32(x, B, P), tensortest.Float32(sigmas, B))
	if err != nil {
		t.Fatal(err)
	}
	got := tensortest.Float64s(out[0])
	for b, s := range sigmas {
		for p := range P {
			xi := x[b*P+p]
			want := CSkip(s, 0.5)*xi + COut(s, 0.5)*(2*CIn(s, 0.5)*xi+CNoise(float64(float32(s))))
			if math.Abs(got[b*P+p]-want) > 2e-6*(1+math.Abs(want)) {
				t.Errorf("σ=%v x=%v: D = %.7g, want %.7g", s, xi, got[b*P+p], want)
			}
		}
	}
}
