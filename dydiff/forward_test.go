package dydiff

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

var allNoising = []Noising{DependentNoise, IndependentNoise, NoiseDynamicsOnly}

func forwardExec(t *testing.T, s Schedule) *Exec {
	return MustNewExec(tensortest.Backend(t), func(x0, ts, eps *Node) (*Node, *Node) { return Forward(s, x0, ts, eps) })
}

// The schedule's golden values (docs/DIFFUSION.md, "Schedules"), read back in float32 from the compiled
// forward process: with x₀ = (1, 0) and ε = 0 the first frame of x_t is √ᾱ_t; with x₀ = 0 and ε = (1, 0) the
// second frame of the target is √(1−γ̄_t).
func TestForwardScheduleGoldenGraph(t *testing.T) {
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	steps := []int32{0, 1, 499, 981, 999}
	alpha := []float64{0.999958715775178, 0.9999125759273678, 0.49384359044063775, 7.867147536445502e-4, 2.4287669070348542e-9}
	gamma := []float64{0.9999793578875891, 0, 0.7469217952203189, 0.5003933573768222, 0.5}
	B := len(steps)
	one, zero := make([]float64, 2*B), make([]float64, 2*B)
	for b := range B {
		one[2*b] = 1
	}
	exec := forwardExec(t, s)
	data, err := exec.Call(tensortest.Float32(one, B, 2), tensors.FromValue(steps), tensortest.Float32(zero, B, 2))
	if err != nil {
		t.Fatal(err)
	}
	noisy, err := exec.Call(tensortest.Float32(zero, B, 2), tensors.FromValue(steps), tensortest.Float32(one, B, 2))
	if err != nil {
		t.Fatal(err)
	}
	xt, target := tensortest.Float64s(data[0]), tensortest.Float64s(noisy[1])
	for b, step := range steps {
		if want := math.Sqrt(alpha[b]); !tensortest.CloseRel(xt[2*b], want, 1e-6) {
			t.Errorf("√ᾱ[%d] in graph = %.9g, want %.9g", step, xt[2*b], want)
		}
		if step == 1 {
			continue // no golden γ̄[1]
		}
		if want := math.Sqrt(1 - gamma[b]); !tensortest.CloseRel(target[2*b+1], want, 1e-6) {
			t.Errorf("√(1−γ̄[%d]) in graph = %.9g, want %.9g", step, target[2*b+1], want)
		}
	}
	// γ̄ of the other η values: η=0.1 at 499; η=0.9 at 499 and 999.
	for _, c := range []struct {
		eta  float64
		t    int32
		want float64
	}{{0.1, 499, 0.9493843590440638}, {0.9, 499, 0.5444592313965739}, {0.9, 999, 0.1}} {
		out, err := forwardExec(t, mustSchedule(t, c.eta, ScheduleOptions{})).
			Call(tensortest.Float32([]float64{0, 0}, 1, 2), tensors.FromValue([]int32{c.t}), tensortest.Float32([]float64{1, 0}, 1, 2))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tensortest.Float64s(out[1])[1], math.Sqrt(1-c.want); !tensortest.CloseRel(got, want, 1e-6) {
			t.Errorf("η=%v: √(1−γ̄[%d]) in graph = %.9g, want %.9g", c.eta, c.t, got, want)
		}
	}
}

// The compiled forward process equals the host formula (docs/DIFFUSION.md, "Forward process and loss") in
// every ablation mode.
func TestForwardMatchesHost(t *testing.T) {
	const B, L, P = 4, 5, 3
	r := rand.New(rand.NewPCG(3, 4))
	x0, eps := make([]float64, B*L*P), make([]float64, B*L*P)
	for i := range x0 {
		x0[i], eps[i] = float64(float32(r.NormFloat64())), float64(float32(r.NormFloat64()))
	}
	steps := []int32{0, 250, 981, 999}
	for _, mode := range allNoising {
		s := mustSchedule(t, 0.5, ScheduleOptions{Noising: mode})
		out, err := forwardExec(t, s).Call(tensortest.Float32(x0, B, L, P), tensors.FromValue(steps), tensortest.Float32(eps, B, L, P))
		if err != nil {
			t.Fatal(err)
		}
		xt, target := tensortest.Float64s(out[0]), tensortest.Float64s(out[1])
		n := L * P
		for b, step := range steps {
			a, g := s.AlphaBar(int(step)), s.GammaBar(int(step))
			d, e := x0[b*n:(b+1)*n], eps[b*n:(b+1)*n]
			if mode != NoiseDynamicsOnly {
				d, _ = DynamicsFloat64(d, L, g)
			}
			if mode != IndependentNoise {
				e, _ = DynamicsFloat64(e, L, g)
			}
			for i := range n {
				want := math.Sqrt(a)*d[i] + math.Sqrt(1-a)*e[i]
				if math.Abs(xt[b*n+i]-want) > 3e-6*(1+math.Abs(want)) || math.Abs(target[b*n+i]-e[i]) > 3e-6*(1+math.Abs(e[i])) {
					t.Fatalf("%v t=%d [%d]: x_t %v target %v, host %v %v", mode, step, i, xt[b*n+i], target[b*n+i], want, e[i])
				}
			}
		}
	}
}

// With the exact (MMSE) denoiser of Gaussian data, the loss at a fixed t averages to the closed-form
// posterior variance tr(Cov(Nε | x_t))/L; a zero network gives the target's second moment, 1. 8 000
// windows; tolerance 5 standard errors of the mean of the per-window loss.
func TestLossExactDenoiser(t *testing.T) {
	const rows, P = 4000, 2
	d := testGaussian()
	L := d.frames()
	x0 := d.Sample(11, rows, P)
	r := rand.New(rand.NewPCG(5, 6))
	eps := make([]float64, len(x0))
	for i := range eps {
		eps[i] = r.NormFloat64()
	}
	for _, mode := range allNoising {
		s := mustSchedule(t, 0.5, ScheduleOptions{Noising: mode})
		for _, step := range []int{20, 300, 700} {
			_, _, want := d.optimal(s, step)
			ts := make([]int32, rows)
			for i := range ts {
				ts[i] = int32(step)
			}
			for _, c := range []struct {
				name string
				net  Net
				want float64
			}{{"exact", d.net(s), want}, {"zero", func(_ *model.Scope, xt, _ *Node, _ []*Node) *Node { return ZerosLike(xt) }, 1}} {
				exec := model.MustNewExec(tensortest.Backend(t), model.NewStore(), func(sc *model.Scope, x0, ts, eps *Node) *Node {
					return Loss(sc, c.net, s, x0, ts, eps, nil)
				})
				out, err := exec.Call(tensortest.Float32(x0, rows, L, P), tensors.FromValue(ts), tensortest.Float32(eps, rows, L, P))
				if err != nil {
					t.Fatal(err)
				}
				got := tensortest.Float64s(out[0])[0]
				// Per-element squared errors of a Gaussian have variance ≤ 2·(mean)²·(correlation within a
				// window ≤ L·P elements): SE ≤ want·√(2·L·P/(rows·L·P)).
				se := c.want * math.Sqrt(2/float64(rows))
				if math.Abs(got-c.want) > 5*se {
					t.Errorf("%v t=%d %s net: loss %.5f, want %.5f ± %.5f", mode, step, c.name, got, c.want, 5*se)
				}
			}
		}
	}
}

// RandomLoss draws t ~ U{0..T−1} and ε ~ N(0, I) from the store's seeded state: a network that outputs
// t/T everywhere has expected loss E[(t/T)²] + E[target²] = (T−1)(2T−1)/(6T²) + 1, and the same seed
// gives the same loss.
func TestRandomLoss(t *testing.T) {
	const rows, L, P = 2048, 4, 2
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	T := float64(s.T())
	net := func(_ *model.Scope, xt, ts *Node, _ []*Node) *Node {
		return BroadcastToShape(Reshape(DivScalar(ts, T), rows, 1, 1), xt.Shape())
	}
	x0 := make([]float64, rows*L*P)
	run := func(seed int64) float64 {
		store := model.NewStore()
		if err := store.SetRNGStateFromSeed(seed); err != nil {
			t.Fatal(err)
		}
		out, err := model.MustNewExec(tensortest.Backend(t), store, func(sc *model.Scope, x0 *Node) *Node {
			return RandomLoss(sc, net, s, x0, nil)
		}).Call(tensortest.Float32(x0, rows, L, P))
		if err != nil {
			t.Fatal(err)
		}
		return tensortest.Float64s(out[0])[0]
	}
	want := (T-1)*(2*T-1)/(6*T*T) + 1
	got := run(42)
	// Per-row variance of (u − e)² averaged over L·P elements is below 1; SE ≤ 1/√rows ≈ 0.022.
	if math.Abs(got-want) > 0.07 {
		t.Errorf("RandomLoss = %.4f, want %.4f ± 0.07", got, want)
	}
	if again := run(42); again != got {
		t.Errorf("same seed: %v then %v", got, again)
	}
	if other := run(43); other == got {
		t.Errorf("seeds 42 and 43 gave the same loss %v", got)
	}
}
