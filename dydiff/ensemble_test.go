package dydiff

import (
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/tensortest"
	"github.com/tidal-forecast/tidal/noise"
)

// condNet uses its conditioning: ê = 0.5·tanh(x) + 0.1·cond[0].
func condNet(_ *model.Scope, xt, _ *Node, cond []*Node) *Node {
	return Add(MulScalar(Tanh(xt), 0.5), MulScalar(cond[0], 0.1))
}

// An ensemble of M members per case in one call: Cond of B rows is repeated inside the graph and gives
// exactly what Cond tiled to B·M rows on the host gives.
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
		out, err := DDPM(Denoiser{Backend: tensortest.Backend(t), Net: condNet, Cond: []*tensors.Tensor{c}}, x, s,
			DDPMOptions{Steps: 20, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		return tensortest.Float64s(out)
	}
	if a, b := run(tensortest.Float32(cond, B, L, P)), run(tensortest.Float32(tiled, B*M, L, P)); !slices.Equal(a, b) {
		t.Errorf("repeated Cond differs from host-tiled Cond by %g", tensortest.MaxAbsDiff(a, b))
	}
}

// Every row draws from its own stream, so member m's sample does not depend on the ensemble size.
func TestEnsembleRowsIndependentOfSize(t *testing.T) {
	const L, P = 4, 2
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	cond := tensortest.Float32([]float64{1, -1, 0.5, 0, 2, 1, -0.5, 0.25}, 1, L, P)
	run := func(members int) []float64 {
		x, _ := noise.Initial(3, members, L, P)
		out, err := DDIM(Denoiser{Backend: tensortest.Backend(t), Net: condNet, Cond: []*tensors.Tensor{cond}}, x, s,
			DDIMOptions{Steps: 20, EtaDDIM: 0.5, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		return tensortest.Float64s(out)
	}
	four, two := run(4), run(2)
	if !slices.Equal(four[:len(two)], two) {
		t.Errorf("members 0–1 of a 4-member ensemble differ from a 2-member one by %g", tensortest.MaxAbsDiff(four[:len(two)], two))
	}
	if slices.Equal(four[:L*P], four[L*P:2*L*P]) {
		t.Error("members 0 and 1 are identical")
	}
}

// Bad input gets an error naming it, not a panic.
func TestSamplerErrors(t *testing.T) {
	s := mustSchedule(t, 0.5, ScheduleOptions{})
	b := tensortest.Backend(t)
	good := Denoiser{Backend: b, Net: nonlinearNet}
	x, _ := noise.Initial(1, 4, 3)
	for _, c := range []struct {
		name, want string
		err        error
	}{
		{"float64 x", "float32", func() error {
			_, err := DDIM(good, tensors.FromValue([][]float64{{1, 2}}), s, DDIMOptions{})
			return err
		}()},
		{"rank-1 x", "frames", func() error {
			_, err := DDIM(good, tensors.FromValue([]float32{1, 2}), s, DDIMOptions{})
			return err
		}()},
		{"no backend", "Backend", func() error { _, err := DDIM(Denoiser{Net: nonlinearNet}, x, s, DDIMOptions{}); return err }()},
		{"cond batch", "Cond[0]", func() error {
			d := good
			d.Cond = []*tensors.Tensor{tensors.FromValue([][]float32{{1}, {2}, {3}})}
			_, err := DDIM(d, x, s, DDIMOptions{})
			return err
		}()},
		{"negative η_ddim", "EtaDDIM", func() error { _, err := DDIM(good, x, s, DDIMOptions{EtaDDIM: -1}); return err }()},
		{"zero schedule", "NewSchedule", func() error { _, err := DDPM(good, x, Schedule{}, DDPMOptions{}); return err }()},
		{"999 steps", "offset", func() error { _, err := DDPM(good, x, s, DDPMOptions{Steps: 999}); return err }()},
		{"net shape", "Net returned", func() error {
			d := good
			d.Net = func(_ *model.Scope, xt, _ *Node, _ []*Node) *Node { return SliceAxis(xt, 1, AxisRange(0, 1)) }
			_, err := DDIM(d, x, s, DDIMOptions{Steps: 5})
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
	d := Denoiser{Backend: tensortest.Backend(t), Net: func(_ *model.Scope, xt, _ *Node, _ []*Node) *Node { panic("boom") }}
	if _, err := DDIM(d, x, s, DDIMOptions{Steps: 5}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err = %v, want one carrying the panic", err)
	}
}
