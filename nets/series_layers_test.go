package nets

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// runLayer builds layer on x (float64) in a fresh store, replaces its variables by random values
// and returns the layer's output and a getter of the variables' values by path below the root.
func runLayer(t *testing.T, x *tensors.Tensor, layer func(scope *model.Scope, x *Node) *Node) (out []float64, value func(path string) []float64) {
	t.Helper()
	store := model.NewStore()
	apply := func(scope *model.Scope, x, _ *Node, _ []*Node) *Node { return layer(scope, x) }
	B := x.Shape().Dimensions[0]
	runNet(t, store, apply, nil, x, randTensorAs(dtypes.Float64, 1, B))
	randomizeVariables(t, store, 31, 0.7)
	y, _ := runNet(t, store, apply, nil, x, randTensorAs(dtypes.Float64, 1, B))
	return flat(y), func(path string) []float64 {
		v := store.GetVariable("/" + path)
		if v == nil {
			t.Fatalf("no variable %q", path)
		}
		return flat(v.MustValue())
	}
}

// tokenAt indexes a [B, L, N, C] array stored row-major.
func tokenAt(L, N, C int) func(b, l, n, c int) int {
	return func(b, l, n, c int) int { return ((b*L+l)*N+n)*C + c }
}

// hostLinear returns Σ_c x[c]·w[c, o] + bias[o] for w [in, out] row-major.
func hostLinear(x, w, bias []float64, out int) []float64 {
	y := append([]float64(nil), bias...)
	for c, xc := range x {
		for o := range out {
			y[o] += xc * w[c*out+o]
		}
	}
	return y
}

// TestTimeConvMatchesLoop checks timeConv (kernel 3, dilation 2, zero padding) against the sum of
// its definition written as a loop.
func TestTimeConvMatchesLoop(t *testing.T) {
	const B, L, N, C, K, d, out = 2, 7, 3, 4, 3, 2, 5
	x := randTensorAs(dtypes.Float64, 41, B, L, N, C)
	got, value := runLayer(t, x, func(scope *model.Scope, x *Node) *Node { return timeConv(scope.In("tc"), x, K, d, out) })
	w, bias := value("tc/weights"), value("tc/bias")
	xv := flat(x)
	at, atOut := tokenAt(L, N, C), tokenAt(L, N, out)
	want := make([]float64, B*L*N*out)
	for b := range B {
		for l := range L {
			for n := range N {
				for o := range out {
					s := bias[o]
					for j := range K {
						src := l + (j-(K-1)/2)*d
						if src < 0 || src >= L {
							continue
						}
						for c := range C {
							s += w[(j*C+c)*out+o] * xv[at(b, src, n, c)]
						}
					}
					want[atOut(b, l, n, o)] = s
				}
			}
		}
	}
	if e := relErr(got, want); e > 1e-12 {
		t.Errorf("timeConv differs from the loop: relative error %g", e)
	}
}

// TestLayerNormMatchesLoop checks layerNorm against its definition per token.
func TestLayerNormMatchesLoop(t *testing.T) {
	const B, L, N, C, eps = 2, 3, 2, 5, 1e-5
	x := randTensorAs(dtypes.Float64, 43, B, L, N, C)
	got, value := runLayer(t, x, func(scope *model.Scope, x *Node) *Node { return layerNorm(scope.In("ln"), x, eps) })
	scale, shift := value("ln/scale"), value("ln/shift")
	xv := flat(x)
	want := make([]float64, len(xv))
	for tok := range len(xv) / C {
		v := xv[tok*C : (tok+1)*C]
		var mean, sq float64
		for _, a := range v {
			mean += a / C
		}
		for _, a := range v {
			sq += (a - mean) * (a - mean) / C
		}
		for c, a := range v {
			want[tok*C+c] = (a-mean)/math.Sqrt(sq+eps)*scale[c] + shift[c]
		}
	}
	if e := relErr(got, want); e > 1e-12 {
		t.Errorf("layerNorm differs from the loop: relative error %g", e)
	}
}

// hostAttend is single-head scaled dot-product attention written as loops: for each query i,
// out[i] = Σ_j softmax_j(q[i]·k[j]/√C)·v[j].
func hostAttend(q, k, v [][]float64) [][]float64 {
	C := len(q[0])
	out := make([][]float64, len(q))
	for i := range q {
		w := make([]float64, len(k))
		m := math.Inf(-1)
		for j := range k {
			for c := range C {
				w[j] += q[i][c] * k[j][c] / math.Sqrt(float64(C))
			}
			m = max(m, w[j])
		}
		var sum float64
		for j := range w {
			w[j] = math.Exp(w[j] - m)
			sum += w[j]
		}
		out[i] = make([]float64, C)
		for j := range k {
			for c := range C {
				out[i][c] += w[j] / sum * v[j][c]
			}
		}
	}
	return out
}

// TestInducedAttentionMatchesLoop checks inducedAttention against its two stages written as loops
// per (window, time step): the r inducing points attend over the N series, the series over the r
// summaries.
func TestInducedAttentionMatchesLoop(t *testing.T) {
	const B, L, N, C, r = 2, 3, 5, 4, 3
	x := randTensorAs(dtypes.Float64, 47, B, L, N, C)
	got, value := runLayer(t, x, func(scope *model.Scope, x *Node) *Node { return inducedAttention(scope.In("ia"), x, r) })
	ind := value("ia/inducing")
	lin := func(name string, v []float64) []float64 {
		return hostLinear(v, value("ia/"+name+"/weights"), value("ia/"+name+"/bias"), C)
	}
	xv := flat(x)
	at := tokenAt(L, N, C)
	want := make([]float64, len(xv))
	inducing := make([][]float64, r)
	for j := range r {
		inducing[j] = ind[j*C : (j+1)*C]
	}
	for b := range B {
		for l := range L {
			k1, v1, q2 := make([][]float64, N), make([][]float64, N), make([][]float64, N)
			for n := range N {
				tok := xv[at(b, l, n, 0) : at(b, l, n, 0)+C]
				k1[n], v1[n], q2[n] = lin("k1", tok), lin("v1", tok), lin("q2", tok)
			}
			summary := hostAttend(inducing, k1, v1) // N → r
			k2, v2 := make([][]float64, r), make([][]float64, r)
			for j, s := range summary {
				k2[j], v2[j] = lin("k2", s), lin("v2", s)
			}
			for n, a := range hostAttend(q2, k2, v2) { // r → N
				copy(want[at(b, l, n, 0):at(b, l, n, 0)+C], a)
			}
		}
	}
	if e := relErr(got, want); e > 1e-12 {
		t.Errorf("inducedAttention differs from the loops: relative error %g", e)
	}
}

// TestSeriesNetTimeReach checks the dilated convolutions' reach with one block (kernel 3, dilation
// 2, no series mixing): moving step k changes the output at k and k ± 2 only.
func TestSeriesNetTimeReach(t *testing.T) {
	const B, L, N, k = 1, 9, 2, 4
	n := mustNewSeries(t, SeriesConfig{Channels: 4, Blocks: 1, Dilations: []int{2}, SeriesMixing: NoSeriesMixing})
	if rf := n.ReceptiveField(); rf != 5 {
		t.Errorf("ReceptiveField = %d, want 1 + 2·2 = 5", rf)
	}
	in := seriesInputs(dtypes.Float32, 3, B, L, N, 4, false)
	base, got := outputsBeforeAfter(t, n, in, func(l, _ int) bool { return l == k })
	for l := range L {
		c := changedWhere(base, got, B, L, N, func(s, _ int) bool { return s == l })
		reached := l == k || l == k-2 || l == k+2
		if reached != (c > 0) {
			t.Errorf("step %d: output changed by %g when step %d moved; reached = %v", l, c, k, reached)
		}
	}
}

// TestTimeAttentionMatchesLoop checks timeAttention against softmax attention along time written as
// loops per (window, series).
func TestTimeAttentionMatchesLoop(t *testing.T) {
	const B, L, N, C = 2, 5, 3, 4
	x := randTensorAs(dtypes.Float64, 53, B, L, N, C)
	got, value := runLayer(t, x, func(scope *model.Scope, x *Node) *Node { return timeAttention(scope.In("ta"), x) })
	lin := func(name string, v []float64) []float64 {
		return hostLinear(v, value("ta/"+name+"/weights"), value("ta/"+name+"/bias"), C)
	}
	xv := flat(x)
	at := tokenAt(L, N, C)
	want := make([]float64, len(xv))
	for b := range B {
		for n := range N {
			q, k, v := make([][]float64, L), make([][]float64, L), make([][]float64, L)
			for l := range L {
				tok := xv[at(b, l, n, 0) : at(b, l, n, 0)+C]
				q[l], k[l], v[l] = lin("q", tok), lin("k", tok), lin("v", tok)
			}
			for i, a := range hostAttend(q, k, v) {
				copy(want[at(b, i, n, 0):at(b, i, n, 0)+C], a)
			}
		}
	}
	if e := relErr(got, want); e > 1e-12 {
		t.Errorf("timeAttention differs from the loops: relative error %g", e)
	}
}
