package nets

import (
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/dydiff"
	"github.com/tidal-forecast/tidal/noise"
)

// tileRows repeats each row of a float32 tensor m times on the host (row b becomes rows b·m..b·m+m−1),
// the layout the samplers build inside their graphs.
func tileRows(t *tensors.Tensor, m int) *tensors.Tensor {
	d := t.Shape().Dimensions
	v := tensors.MustCopyFlatData[float32](t)
	row := len(v) / d[0]
	out := make([]float32, 0, len(v)*m)
	for b := range d[0] {
		for range m {
			out = append(out, v[b*row:(b+1)*row]...)
		}
	}
	return tensors.FromFlatDataAndDimensions(out, append([]int{d[0] * m}, d[1:]...)...)
}

// hostDDIM is deterministic DyDiff DDIM on the host: the network evaluated once per step by a plain
// model.Exec compiled now (so it holds the store's current weights) on the conditioning tiled to the
// rows of x on the host, and the step done by dydiff.DDIMStepFloat64.
func hostDDIM(t *testing.T, store *model.Store, n *SeriesNet, s dydiff.Schedule, x *tensors.Tensor, cond []*tensors.Tensor, steps int) []float64 {
	t.Helper()
	d := x.Shape().Dimensions
	rows, L, per := d[0], d[1], d[1]*d[2]
	exec, err := model.NewExec(goBackend(t), store, func(scope *model.Scope, in []*Node) *Node {
		return n.Apply(scope, in[0], in[1], in[2:])
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	tiled := make([]any, len(cond))
	for i, c := range cond {
		tiled[i] = tileRows(c, rows/c.Shape().Dimensions[0])
	}
	ts, err := s.Timesteps(steps)
	if err != nil {
		t.Fatal(err)
	}
	cur := flat(x)
	for r := range rows {
		c, err := dydiff.DynamicsFloat64(cur[r*per:(r+1)*per], L, s.GammaBar(ts[len(ts)-1]))
		if err != nil {
			t.Fatal(err)
		}
		copy(cur[r*per:], c)
	}
	for i := len(ts) - 1; i >= 0; i-- {
		tp := -1
		if i > 0 {
			tp = ts[i-1]
		}
		xs, tt := make([]float32, len(cur)), make([]float32, rows)
		for j, v := range cur {
			xs[j] = float32(v)
		}
		for j := range tt {
			tt[j] = float32(ts[i])
		}
		out, err := exec.Call(append([]any{tensors.FromFlatDataAndDimensions(xs, d...), tensors.FromValue(tt)}, tiled...)...)
		if err != nil {
			t.Fatal(err)
		}
		e := flat(out[0])
		for r := range rows {
			xp, _, err := dydiff.DDIMStepFloat64(cur[r*per:(r+1)*per], e[r*per:(r+1)*per], L,
				s.AlphaBar(ts[i]), s.AlphaBar(tp), s.GammaBar(ts[i]), s.GammaBar(tp))
			if err != nil {
				t.Fatal(err)
			}
			copy(cur[r*per:], xp)
		}
	}
	return cur
}

// TestSeriesNetSamplerMatchesHostLoop checks the compiled DDIM sampler on SeriesNet in the series layout
// (an ensemble of B cases × M members, conditioning [B, L, N], [B, L], [B, L] and the log scale [B, N]
// repeated per member inside the graph) against hostDDIM on the same weights and noise, and again after
// the store's weights changed under the same Sampler (it reads them live, not as the constants it saw
// when it compiled).
func TestSeriesNetSamplerMatchesHostLoop(t *testing.T) {
	const B, M, L, N, context, steps = 2, 3, 8, 3, 4, 10
	n := mustNewSeries(t, tinySeriesConfig())
	in := seriesInputs(dtypes.Float32, 21, B, L, N, context, true)
	cond := in[2:]
	store := model.NewStore()
	runSeries(t, store, n, in, true) // creates the variables and randomises them
	s, err := dydiff.NewSchedule(0.5, dydiff.ScheduleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := dydiff.NewDDIM(dydiff.NoisePredictor{Backend: goBackend(t), Scope: store.RootScope(), Net: n.Apply}, s, dydiff.DDIMOptions{Steps: steps})
	if err != nil {
		t.Fatal(err)
	}
	defer sm.Close()
	z, err := noise.Ensemble{Cases: B, Members: M}.Initial(3, L, N)
	if err != nil {
		t.Fatal(err)
	}
	var first []float64
	for i, weights := range []uint64{0, 12} {
		if weights != 0 {
			randomizeVariables(t, store, weights, 0.5)
		}
		out, err := sm.Sample(z, cond, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, want := flat(out), hostDDIM(t, store, n, s, z, cond, steps)
		e := relErr(got, want)
		t.Logf("weights %d: compiled sampler against the host loop: %.2g (relative)", i, e)
		if !(e < 1e-4) {
			t.Errorf("weights %d: compiled sampler differs from the host loop by %.3g (relative)", i, e)
		}
		if i == 0 {
			first = got
		} else if relErr(got, first) < 1e-3 {
			t.Error("the sampler gave the same samples after the weights changed")
		}
	}
	if sm.Compilations() != 2 {
		t.Errorf("%d compilations, want 2 (the initial correlation and the deterministic step, once each)", sm.Compilations())
	}
}
