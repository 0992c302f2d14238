package nets

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
)

// TestIncrementScaleGolden checks IncrementScaleFloat64 on a window worked by hand, the floor included.
func TestIncrementScaleGolden(t *testing.T) {
	// 4 steps × 2 series, context 3, horizon 4: series 0 steps by +1 then −3 → √(4·(1+9)/2) = √20;
	// series 1 is constant in its context → the floor. The last step is not part of the context.
	x := []float64{0, 5, 1, 5, -2, 5, 100, 100}
	got, err := IncrementScaleFloat64(x, 4, 2, 3, 4, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{math.Sqrt(20), 1e-3}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15*want[i] {
			t.Errorf("scale[%d] = %g, want %g", i, got[i], want[i])
		}
	}
	for _, c := range []struct{ L, N, context, horizon int }{{4, 2, 1, 4}, {4, 2, 5, 4}, {4, 2, 3, 0}, {3, 2, 2, 1}} {
		if _, err := IncrementScaleFloat64(x, c.L, c.N, c.context, c.horizon, 1e-3); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if _, err := IncrementScaleFloat64([]float64{0, math.NaN(), 1, 2}, 2, 2, 2, 1, 1e-3); err == nil {
		t.Errorf("a NaN in the context: no error")
	}
}

// TestIncrementScaleMatchesHost checks the graph's IncrementScale against the host's, window by window.
func TestIncrementScaleMatchesHost(t *testing.T) {
	const B, L, N, context, horizon = 3, 6, 4, 4, 2
	x := randTensor(22, B, L, N)
	exec, err := NewExec(goBackend(t), func(x *Node) *Node { return IncrementScale(x, context, horizon, DefaultMinScale) })
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	outs, err := exec.Call(x)
	if err != nil {
		t.Fatal(err)
	}
	xv, scale := flat(x), flat(outs[0])
	for b := range B {
		want, err := IncrementScaleFloat64(xv[b*L*N:(b+1)*L*N], L, N, context, horizon, DefaultMinScale)
		if err != nil {
			t.Fatal(err)
		}
		if e := relErr(scale[b*N:(b+1)*N], want); e > 1e-6 {
			t.Errorf("window %d: graph scale %v, host %v", b, scale[b*N:(b+1)*N], want)
		}
	}
}
