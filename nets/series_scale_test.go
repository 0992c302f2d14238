package nets

import (
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
)

// TestMeanScaleGolden checks MeanScaleFloat64 on a window worked by hand, the floor included.
func TestMeanScaleGolden(t *testing.T) {
	// 3 steps × 3 series, context 2: series 0 has |1|, |−3| → 2; series 1 has 0.5, 0.25 → 0.375;
	// series 2 is zero in its context → the floor. The third step is not part of the context.
	x := []float64{1, 0.5, 0, -3, 0.25, 0, 100, 100, 100}
	got, err := MeanScaleFloat64(x, 3, 3, 2, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{2, 0.375, 1e-3}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("scale[%d] = %g, want %g", i, got[i], want[i])
		}
	}
}

// TestMeanScaleMatchesHost checks the graph's MeanScale, ScaleWindow and SeriesConditioning against
// the host's MeanScaleFloat64 and the definitions, window by window.
func TestMeanScaleMatchesHost(t *testing.T) {
	const B, L, N, context = 3, 6, 4, 4
	x := randTensor(21, B, L, N)
	exec, err := NewExec(goBackend(t), func(x *Node) []*Node {
		s := MeanScale(x, context, DefaultMinScale)
		return append([]*Node{s, ScaleWindow(x, s)}, SeriesConditioning(x, context)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	outs, err := exec.Call(x)
	if err != nil {
		t.Fatal(err)
	}
	xv := flat(x)
	scale, scaled, clean, mask, first := flat(outs[0]), flat(outs[1]), flat(outs[2]), flat(outs[3]), flat(outs[4])
	for b := range B {
		w := xv[b*L*N : (b+1)*L*N]
		want, err := MeanScaleFloat64(w, L, N, context, DefaultMinScale)
		if err != nil {
			t.Fatal(err)
		}
		if e := relErr(scale[b*N:(b+1)*N], want); e > 1e-6 {
			t.Errorf("window %d: graph scale %v, host %v", b, scale[b*N:(b+1)*N], want)
		}
		for l := range L {
			wantMask, wantFirst := 0.0, 0.0
			if l < context {
				wantMask = 1
			}
			if l == context {
				wantFirst = 1
			}
			if mask[b*L+l] != wantMask || first[b*L+l] != wantFirst {
				t.Errorf("window %d step %d: mask %g flag %g, want %g %g", b, l, mask[b*L+l], first[b*L+l], wantMask, wantFirst)
			}
			for n := range N {
				i := (b*L+l)*N + n
				if d := math.Abs(scaled[i] - xv[i]/want[n]); d > 1e-5*math.Abs(xv[i]/want[n]) {
					t.Errorf("window %d step %d series %d: scaled %g, want %g", b, l, n, scaled[i], xv[i]/want[n])
				}
				if clean[i] != xv[i]*wantMask {
					t.Errorf("window %d step %d series %d: clean context %g, want %g", b, l, n, clean[i], xv[i]*wantMask)
				}
			}
		}
	}
}

// TestMeanScaleRejects checks the host function's errors and the graph functions' panics, returned
// as errors by Exec.
func TestMeanScaleRejects(t *testing.T) {
	for _, tc := range []struct {
		x         []float64
		L, N, ctx int
		want      string
		name      string
	}{
		{make([]float64, 5), 2, 3, 1, "do not make a window", "size"},
		{make([]float64, 6), 2, 3, 3, "context must be in 1..2", "context"},
		{[]float64{1, math.NaN(), 0, 0}, 2, 2, 1, "series 1 is NaN", "NaN"},
	} {
		_, err := MeanScaleFloat64(tc.x, tc.L, tc.N, tc.ctx, 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	_, err := ExecOnce(goBackend(t), func(x *Node) *Node { return MeanScale(x, 7, 1) }, tensors.FromValue([][][]float32{{{1}}}))
	if err == nil || !strings.Contains(err.Error(), "context must be in 1..1") {
		t.Errorf("MeanScale with a context longer than the window: error %v", err)
	}
}
