package dydiff

import (
	"math"
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// condNet uses its conditioning: ê = 0.5·tanh(x) + 0.1·cond[0].
func condNet(_ *model.Scope, xt, _ *Node, cond []*Node) *Node {
	return Add(MulScalar(Tanh(xt), 0.5), MulScalar(cond[0], 0.1))
}

// An ensemble of M members per case in one call: Cond of B rows is repeated inside the graph and gives
// exactly what Cond tiled to B·M rows on the host gives (deterministic DDIM: the per-step noise of B·M
// cases of one member differs from that of B cases of M members, by design).
func TestEnsembleRepeatsCond(t *testing.T) {
	const B, M, L, P = 2, 3, 4, 2
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	cond := make([]float64, B*L*P)
	for i := range cond {
		cond[i] = float64(i%5) - 2
	}
	tiled := make([]float64, 0, B*M*L*P)
	for b := range B {
		for range M {
			tiled = append(tiled, cond[b*L*P:(b+1)*L*P]...)
		}
	}
	x, _ := noise.Initial(8, B*M, L, P)
	run := func(c *tensors.Tensor) []float64 {
		out, err := DDIM(NoisePredictor{Backend: tensortest.Backend(t), Net: condNet}, x, []*tensors.Tensor{c}, s,
			DDIMOptions{Steps: 20})
		if err != nil {
			t.Fatal(err)
		}
		return tensortest.Float64s(out)
	}
	if a, b := run(tensortest.Float32(cond, B, L, P)), run(tensortest.Float32(tiled, B*M, L, P)); !slices.Equal(a, b) {
		t.Errorf("repeated Cond differs from host-tiled Cond by %g", tensortest.MaxAbsDiff(a, b))
	}
}

// Every (case, member) draws from its own streams, initial and per step, so the sample of member m of
// case b depends neither on the ensemble size nor on the number of cases: layouts of 1–3 cases × 1, 2, 4
// members (per-case conditioning) agree on every (b, m) they share, for DDIM with η_ddim = 0.5.
func TestEnsembleMembersIndependentOfLayout(t *testing.T) {
	const L, P = 4, 2
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	condAll := []float64{1, -1, 0.5, 0, 2, 1, -0.5, 0.25, 0.3, -0.7, 1.1, 0.9, -1.2, 0.4, 0.6, -0.1,
		0.8, 0.2, -0.3, -0.9, 1.4, -0.6, 0.05, 0.7}
	sm, err := NewDDIM(NoisePredictor{Backend: tensortest.Backend(t), Net: condNet}, s, DDIMOptions{Steps: 20, EtaDDIM: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close()
	want := map[[2]int][]float64{}
	for _, cases := range []int{1, 3, 2} {
		for _, members := range []int{4, 1, 2} {
			e := noise.Ensemble{Cases: cases, Members: members}
			x, _ := e.Initial(3, L, P)
			out, err := sm.Sample(x, []*tensors.Tensor{tensortest.Float32(condAll[:cases*L*P], cases, L, P)}, 7)
			if err != nil {
				t.Fatal(err)
			}
			v := tensortest.Float64s(out)
			for b := range cases {
				for m := range members {
					r := b*members + m
					got, key := v[r*L*P:(r+1)*L*P], [2]int{b, m}
					if w, ok := want[key]; ok && !slices.Equal(got, w) {
						t.Errorf("case %d member %d differs in layout %v by %g", b, m, e, tensortest.MaxAbsDiff(got, w))
					}
					want[key] = got
				}
			}
		}
	}
	if slices.Equal(want[[2]int{1, 0}], want[[2]int{1, 1}]) || slices.Equal(want[[2]int{0, 0}], want[[2]int{1, 0}]) {
		t.Error("two members or two cases gave identical samples")
	}
}

// Bad input gets an error naming it, not a panic.
func TestSamplerErrors(t *testing.T) {
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	b := tensortest.Backend(t)
	good := NoisePredictor{Backend: b, Net: nonlinearNet}
	x, _ := noise.Initial(1, 4, 3)
	for _, c := range []struct {
		name, want string
		err        error
	}{
		{"float64 x", "float32", func() error {
			_, err := DDIM(good, tensors.FromValue([][]float64{{1, 2}}), nil, s, DDIMOptions{})
			return err
		}()},
		{"rank-1 x", "frames", func() error {
			_, err := DDIM(good, tensors.FromValue([]float32{1, 2}), nil, s, DDIMOptions{})
			return err
		}()},
		{"no backend", "Backend", func() error { _, err := DDIM(NoisePredictor{Net: nonlinearNet}, x, nil, s, DDIMOptions{}); return err }()},
		{"cond batch", "Cond[0]", func() error {
			_, err := DDIM(good, x, []*tensors.Tensor{tensors.FromValue([][]float32{{1}, {2}, {3}})}, s, DDIMOptions{})
			return err
		}()},
		{"negative η_ddim", "EtaDDIM", func() error { _, err := DDIM(good, x, nil, s, DDIMOptions{EtaDDIM: -1}); return err }()},
		{"zero schedule", "NewSchedule", func() error { _, err := DDPM(good, x, nil, Schedule{}, DDPMOptions{}); return err }()},
		{"999 steps", "offset", func() error { _, err := DDPM(good, x, nil, s, DDPMOptions{Steps: 999}); return err }()},
		{"η_ddim > 1", "EtaDDIM", func() error { _, err := DDIM(good, x, nil, s, DDIMOptions{EtaDDIM: 1.5}); return err }()},
		{"NaN noise", "NaN", func() error {
			_, err := DDIM(good, tensors.FromValue([][]float32{{1, float32(math.NaN())}}), nil, s, DDIMOptions{})
			return err
		}()},
		{"after Close", "after Close", func() error {
			sm, err := NewDDIM(good, s, DDIMOptions{Steps: 5})
			if err != nil {
				return err
			}
			sm.Close()
			_, err = sm.Sample(x, nil, 0)
			return err
		}()},
		{"net shape", "Net returned", func() error {
			d := good
			d.Net = func(_ *model.Scope, xt, _ *Node, _ []*Node) *Node { return SliceAxis(xt, 1, AxisRange(0, 1)) }
			_, err := DDIM(d, x, nil, s, DDIMOptions{Steps: 5})
			return err
		}()},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", c.name, c.err, c.want)
		}
	}
}

// A Net that panics with a non-error value is reported as an error, without hanging.
func TestSamplerNetPanics(t *testing.T) {
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	x, _ := noise.Initial(1, 2, 3)
	d := NoisePredictor{Backend: tensortest.Backend(t), Net: func(_ *model.Scope, xt, _ *Node, _ []*Node) *Node { panic("boom") }}
	if _, err := DDIM(d, x, nil, s, DDIMOptions{Steps: 5}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err = %v, want one carrying the panic", err)
	}
}
