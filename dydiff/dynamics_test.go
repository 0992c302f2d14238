package dydiff

import (
	"math"
	"math/rand/v2"
	"testing"

	gm "github.com/tidal-forecast/tidal/internal/testref/gaussian"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/noise"
)

// goldenDyn is Dyn(1, 2, 3, 4) at γ̄ = 0.5 (docs/DIFFUSION.md, "Dynamics").
var goldenDyn = []float64{1, 2.121320343559643, 3.621320343559643, 5.389087296526013}

func TestDynamicsGoldenFloat64(t *testing.T) {
	y, err := DynamicsFloat64([]float64{1, 2, 3, 4}, 4, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range y {
		if !tensortest.CloseRel(y[i], goldenDyn[i], 1e-15) {
			t.Errorf("Dynamics([1,2,3,4], 0.5)[%d] = %.17g, want %.17g", i, y[i], goldenDyn[i])
		}
	}
	x, err := InverseDynamicsFloat64(y, 4, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if math.Abs(x[i]-float64(i+1)) > 1e-14 {
			t.Errorf("InverseDynamics(Dynamics(x))[%d] = %.17g, want %d", i, x[i], i+1)
		}
	}
	if _, err := DynamicsFloat64([]float64{1, 2, 3}, 2, 0.5); err == nil {
		t.Error("3 values in 2 frames accepted")
	}
	if _, err := InverseDynamicsFloat64([]float64{1, 2}, 2, 0); err == nil {
		t.Error("γ̄=0 accepted by InverseDynamics")
	}
}

// The golden sequence in float32 inside a graph, with per-sample coefficients: sample 0 uses γ̄ = 0.5,
// sample 1 γ̄ = 1 (the identity), and a trailing pixel axis.
func TestDynamicsGoldenGraph(t *testing.T) {
	b := tensortest.Backend(t)
	exec := MustNewExec(b, func(x, g *Node) (*Node, *Node) {
		y := Dynamics(x, g)
		return y, InverseDynamics(y, g)
	})
	// [batch 2, frames 4, pixels 2]; pixel 1 holds 10× pixel 0.
	in := make([]float64, 0, 16)
	for range 2 {
		for f := 1; f <= 4; f++ {
			in = append(in, float64(f), 10*float64(f))
		}
	}
	out, err := exec.Call(tensortest.Float32(in, 2, 4, 2), tensors.FromValue([]float32{0.5, 1}))
	if err != nil {
		t.Fatal(err)
	}
	y, x := tensortest.Float64s(out[0]), tensortest.Float64s(out[1])
	for f := range 4 {
		for p, scale := range []float64{1, 10} {
			if got, want := y[f*2+p], scale*goldenDyn[f]; !tensortest.CloseRel(got, want, 2e-7) {
				t.Errorf("graph Dynamics frame %d pixel %d = %.9g, want %.9g", f, p, got, want)
			}
			if got, want := y[8+f*2+p], scale*float64(f+1); got != want {
				t.Errorf("γ̄=1 must be the identity: frame %d pixel %d = %v, want %v", f, p, got, want)
			}
			if got, want := x[f*2+p], scale*float64(f+1); !tensortest.CloseRel(got, want, 5e-7) {
				t.Errorf("graph InverseDynamics frame %d pixel %d = %.9g, want %.9g", f, p, got, want)
			}
		}
	}
}

// Graph and host versions agree on random [batch, frames, channels, pixels] data with per-sample γ̄.
func TestDynamicsGraphMatchesHost(t *testing.T) {
	const B, L, C, P = 3, 7, 2, 3
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, B*L*C*P)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	gs := []float64{0.3, 0.75, 0.999}
	out, err := MustNewExec(tensortest.Backend(t), func(x, g *Node) (*Node, *Node) {
		return Dynamics(x, g), InverseDynamics(x, g)
	}).Call(tensortest.Float32(x, B, L, C, P), tensortest.Float32(gs, B))
	if err != nil {
		t.Fatal(err)
	}
	dyn, inv := tensortest.Float64s(out[0]), tensortest.Float64s(out[1])
	n := L * C * P
	for b, g := range gs {
		sample := make([]float64, n)
		for i := range sample {
			sample[i] = float64(float32(x[b*n+i]))
		}
		wantDyn, _ := DynamicsFloat64(sample, L, g)
		wantInv, _ := InverseDynamicsFloat64(sample, L, g)
		for i := range n {
			if math.Abs(dyn[b*n+i]-wantDyn[i]) > 2e-6*(1+math.Abs(wantDyn[i])) {
				t.Fatalf("sample %d (γ̄=%v) Dynamics[%d] = %v, host %v", b, g, i, dyn[b*n+i], wantDyn[i])
			}
			if math.Abs(inv[b*n+i]-wantInv[i]) > 2e-6*(1+math.Abs(wantInv[i])) {
				t.Fatalf("sample %d (γ̄=%v) InverseDynamics[%d] = %v, host %v", b, g, i, inv[b*n+i], wantInv[i])
			}
		}
	}
}

// Dyn(ε) of i.i.d. ε is a stationary AR(1) sequence: unit variance in every frame, lag-k correlation
// (1−γ̄)^(k/2) (docs/DIFFUSION.md, "Dynamics"). 40 000 sequences of 6 frames (fixed seed); the tolerance is 5
// standard errors (SE of a variance √(2/n) ≈ 0.007, of a correlation ρ at most (1−ρ²)/√n ≤ 0.005), so 0.035
// and 0.025.
func TestDynamicsNoiseStatistics(t *testing.T) {
	const n, L = 40000, 6
	for _, g := range []float64{0.5, 0.2} {
		eps, err := noise.Initial(7, n, L)
		if err != nil {
			t.Fatal(err)
		}
		out, err := MustNewExec(tensortest.Backend(t), func(x, g *Node) *Node { return Dynamics(x, g) }).
			Call(eps, tensors.FromScalar(float32(g)))
		if err != nil {
			t.Fatal(err)
		}
		y := tensortest.Float64s(out[0])
		mean, cov := gm.Moments(y, L, 1)
		for f := range L {
			if math.Abs(cov[f][f]-1) > 0.035 || math.Abs(mean[f]) > 0.025 {
				t.Errorf("γ̄=%v frame %d: mean %.4f variance %.4f, want 0 and 1", g, f, mean[f], cov[f][f])
			}
			for k := 1; f+k < L; k++ {
				rho := cov[f][f+k] / math.Sqrt(cov[f][f]*cov[f+k][f+k])
				if want := math.Pow(1-g, float64(k)/2); math.Abs(rho-want) > 0.025 {
					t.Errorf("γ̄=%v frames %d,%d: correlation %.4f, want (1−γ̄)^(%d/2) = %.4f", g, f, f+k, rho, k, want)
				}
			}
		}
	}
}
