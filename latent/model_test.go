package latent

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// TestKLClosedForm checks KL against ½Σ(μ² + σ² − 1 − ln σ²) computed in float64 on the host, per
// example, on given means and log-variances.
func TestKLClosedForm(t *testing.T) {
	const B, n = 3, 2 * 2 * 4
	r := rand.New(rand.NewPCG(1, 2))
	mu, lv := make([]float32, B*n), make([]float32, B*n)
	for i := range mu {
		mu[i] = float32(2*r.Float64() - 1)
		lv[i] = float32(4*r.Float64() - 3)
	}
	want := make([]float64, B)
	for b := range B {
		for j := range n {
			m, l := float64(mu[b*n+j]), float64(lv[b*n+j])
			want[b] += 0.5 * (m*m + math.Exp(l) - 1 - l)
		}
	}
	got := tensortest.RunGraph(t, func(in []*Node) []*Node { return []*Node{KL(in[0], in[1])} },
		tensors.FromFlatDataAndDimensions(mu, B, 2, 2, 4), tensors.FromFlatDataAndDimensions(lv, B, 2, 2, 4))[0]
	for b := range B {
		if math.Abs(float64(got[b])-want[b]) > 1e-5*math.Max(1, want[b]) {
			t.Errorf("example %d: KL %v, closed form %v", b, got[b], want[b])
		}
	}
	// A posterior equal to the prior has KL 0.
	zero := tensortest.RunGraph(t, func(in []*Node) []*Node { return []*Node{KL(in[0], in[1])} },
		tensors.FromFlatDataAndDimensions(make([]float32, 8), 2, 4), tensors.FromFlatDataAndDimensions(make([]float32, 8), 2, 4))[0]
	for _, z := range zero {
		if z != 0 {
			t.Errorf("KL(N(0, 1) ‖ N(0, 1)) = %v, want 0", z)
		}
	}
}

// TestReparameterizeMoments draws many posterior samples with ε from the graph's generator and checks
// their mean and standard deviation against μ and exp(½ ln σ²): a missing ½ (σ² instead of σ) or exp
// is far outside the tolerance.
func TestReparameterizeMoments(t *testing.T) {
	const n = 200_000
	const mu, sigma = 1.5, 0.5
	store := model.NewStore()
	exec, err := model.NewExec(tensortest.Backend(t), store, func(scope *model.Scope, m, l *Node) *Node {
		return Reparameterize(m, l, scope.RandomNormal(m.Graph(), m.Shape()))
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	m, l := make([]float32, n), make([]float32, n)
	for i := range m {
		m[i], l[i] = mu, float32(math.Log(sigma*sigma))
	}
	out, err := exec.Call(tensors.FromFlatDataAndDimensions(m, n), tensors.FromFlatDataAndDimensions(l, n))
	if err != nil {
		t.Fatal(err)
	}
	var s, ss float64
	tensors.MustConstFlatData(out[0], func(x []float32) {
		for _, u := range x {
			s += float64(u)
		}
		for _, u := range x {
			d := float64(u) - s/n
			ss += d * d
		}
	})
	mean, std := s/n, math.Sqrt(ss/n)
	// Standard errors: σ/√n ≈ 0.0011 for the mean, σ/√(2n) ≈ 0.0008 for the deviation.
	if math.Abs(mean-mu) > 0.006 || math.Abs(std-sigma) > 0.005 {
		t.Errorf("samples have mean %.4f and standard deviation %.4f, want %v and %v", mean, std, mu, sigma)
	}
}

// TestReconstructionLosses checks the L1 and L2 losses against the host's mean |d| and mean d².
func TestReconstructionLosses(t *testing.T) {
	x := []float32{1, -2, 0.5, 3}
	y := []float32{0, -1, 1.5, 1}
	out := tensortest.RunGraph(t, func(in []*Node) []*Node {
		return []*Node{Reconstruction(in[0], in[1], ReconL1), Reconstruction(in[0], in[1], ReconL2)}
	}, tensors.FromFlatDataAndDimensions(x, 1, 1, 2, 2), tensors.FromFlatDataAndDimensions(y, 1, 1, 2, 2))
	if l1, l2 := out[0][0], out[1][0]; math.Abs(float64(l1)-1.25) > 1e-6 || math.Abs(float64(l2)-1.75) > 1e-6 {
		t.Errorf("L1 %v, L2 %v; want 1.25 and 1.75", l1, l2)
	}
}

// TestConfigRefusals checks that bad configurations are refused with the field named.
func TestConfigRefusals(t *testing.T) {
	c := DefaultConfig()
	c.Frame = []int{2, 16, 16}
	for name, mod := range map[string]func(*Config){
		"reconstruction": func(c *Config) { c.Recon = "l3" },
		"encoding":       func(c *Config) { c.Encode = "mode" },
		"KL weight":      func(c *Config) { c.KLWeight = math.NaN() },
		"frame":          func(c *Config) { c.Frame = []int{2, 16} },
		"grid":           func(c *Config) { c.Frame = []int{2, 18, 16} },
	} {
		cc := c
		cc.Mults = append([]int(nil), c.Mults...)
		mod(&cc)
		if _, err := New(cc); err == nil {
			t.Errorf("%s: a bad configuration was accepted", name)
		}
	}
	if _, err := New(c); err != nil {
		t.Errorf("default configuration on 2×16×16: %v", err)
	}
}
