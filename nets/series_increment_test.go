package nets

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
)

// TestIncrementScaleGolden checks IncrementScaleFloat64 on a window worked by hand, the floor included.
func TestIncrementScaleGolden(t *testing.T) {
	// 4 steps × 3 series, context 3, horizon 4: series 0 steps by +1 then −3 → √(4·(1+9)/2) = √20;
	// series 1 is constant at 5 in its context → the relative floor 0.01·5; series 2 is zero → the
	// absolute floor. The last step is not part of the context.
	x := []float64{0, 5, 0, 1, 5, 0, -2, 5, 0, 100, 100, 100}
	got, err := IncrementScaleFloat64(x, 4, 3, 3, 4, 0.01, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{math.Sqrt(20), 0.05, 1e-3}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15*want[i] {
			t.Errorf("scale[%d] = %g, want %g", i, got[i], want[i])
		}
	}
	for _, c := range []struct{ L, N, context, horizon int }{{4, 3, 1, 4}, {4, 3, 5, 4}, {4, 3, 3, 0}, {3, 3, 2, 1}} {
		if _, err := IncrementScaleFloat64(x, c.L, c.N, c.context, c.horizon, 0.01, 1e-3); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if _, err := IncrementScaleFloat64([]float64{0, math.NaN(), 1, 2}, 2, 2, 2, 1, 0.01, 1e-3); err == nil {
		t.Errorf("a NaN in the context: no error")
	}
}

// TestIncrementScaleMatchesHost checks the graph's IncrementScale against the host's, window by window.
func TestIncrementScaleMatchesHost(t *testing.T) {
	const B, L, N, context, horizon = 3, 6, 4, 4, 2
	x := randTensor(22, B, L, N)
	const floor = 3 // large enough to bind for some of the random windows (a level of about 0.8, steps of about 1.4)
	exec, err := NewExec(goBackend(t), func(x *Node) *Node { return IncrementScale(x, context, horizon, floor, DefaultMinScale) })
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
		want, err := IncrementScaleFloat64(xv[b*L*N:(b+1)*L*N], L, N, context, horizon, floor, DefaultMinScale)
		if err != nil {
			t.Fatal(err)
		}
		if e := relErr(scale[b*N:(b+1)*N], want); e > 1e-6 {
			t.Errorf("window %d: graph scale %v, host %v", b, scale[b*N:(b+1)*N], want)
		}
	}
}
