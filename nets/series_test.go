package nets

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// tinySeriesConfig is a SeriesNet small enough for quick tests with every part switched on.
func tinySeriesConfig() SeriesConfig {
	return SeriesConfig{Channels: 8, Blocks: 2, EmbedChannels: 16, Rank: 3, ScaleInput: true}
}

func mustNewSeries(t testing.TB, c SeriesConfig) *SeriesNet {
	t.Helper()
	n, err := NewSeries(c)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// seriesInputs are a network's inputs on B windows of L steps × N series with context steps
// observed: xt, t, then the conditioning (clean context, mask, flag and, with scale, log scale).
func seriesInputs(dtype dtypes.DType, seed uint64, B, L, N, context int, scale bool) []*tensors.Tensor {
	x := flat(randTensorAs(dtype, seed, B, L, N))
	clean := make([]float32, B*L*N)
	cx := flat(randTensorAs(dtype, seed+1, B, L, N))
	mask, first := make([]float32, B*L), make([]float32, B*L)
	for b := range B {
		for l := range L {
			if l < context {
				mask[b*L+l] = 1
				for n := range N {
					clean[(b*L+l)*N+n] = float32(cx[(b*L+l)*N+n])
				}
			}
			if l == context {
				first[b*L+l] = 1
			}
		}
	}
	steps := make([]float32, B)
	for b := range steps {
		steps[b] = float32(100 + 317*b)
	}
	xs := make([]float32, len(x))
	for i, v := range x {
		xs[i] = float32(v)
	}
	in := []*tensors.Tensor{fromFloats(dtype, xs, B, L, N), fromFloats(dtype, steps, B),
		fromFloats(dtype, clean, B, L, N), fromFloats(dtype, mask, B, L), fromFloats(dtype, first, B, L)}
	if scale {
		in = append(in, randTensorAs(dtype, seed+2, B, N))
	}
	return in
}

// runSeries runs the network on inputs with the variables of store (created on the first call and
// then, when randomize is set, replaced by random values) and returns its output.
func runSeries(t testing.TB, store *model.Store, n *SeriesNet, inputs []*tensors.Tensor, randomize bool) []float64 {
	t.Helper()
	fresh := store.NumVariables() == 0
	out, _ := runNet(t, store, n.Apply, nil, inputs...)
	if fresh && randomize {
		randomizeVariables(t, store, 11, 0.5)
		out, _ = runNet(t, store, n.Apply, nil, inputs...)
	}
	return flat(out)
}

// TestSeriesNetOutputShape checks that the output is shaped like xt and that the new network
// predicts exactly 0 (its output layer starts at zero), while random weights give a non-zero output.
func TestSeriesNetOutputShape(t *testing.T) {
	n := mustNewSeries(t, tinySeriesConfig())
	in := seriesInputs(dtypes.Float32, 1, 2, 7, 5, 4, true)
	store := model.NewStore()
	out, _ := runNet(t, store, n.Apply, nil, in...)
	if got := out.Shape().Dimensions; len(got) != 3 || got[0] != 2 || got[1] != 7 || got[2] != 5 {
		t.Fatalf("output shape %v, want [2 7 5]", got)
	}
	if m := maxAbs(flat(out)); m != 0 {
		t.Errorf("new network: max |output| %g, want 0", m)
	}
	randomizeVariables(t, store, 3, 0.5)
	out, _ = runNet(t, store, n.Apply, nil, in...)
	if m := maxAbs(flat(out)); !(m > 1e-3) || math.IsNaN(m) {
		t.Errorf("random weights: max |output| %g, want a non-zero finite output", m)
	}
}

// perturb returns a copy of the float32 tensor x [B, L, N] with entries where pick(l, n) is true
// moved by delta.
func perturb(x *tensors.Tensor, delta float32, pick func(l, n int) bool) *tensors.Tensor {
	d := x.Shape().Dimensions
	v := tensors.MustCopyFlatData[float32](x)
	for b := range d[0] {
		for l := range d[1] {
			for n := range d[2] {
				if pick(l, n) {
					v[(b*d[1]+l)*d[2]+n] += delta
				}
			}
		}
	}
	return tensors.FromFlatDataAndDimensions(v, d...)
}

// outputsBeforeAfter runs the network n with random weights on in, and again with x_t moved by 0.5
// where pick(step, series) holds, and returns both outputs.
func outputsBeforeAfter(t *testing.T, n *SeriesNet, in []*tensors.Tensor, pick func(l, n int) bool) (base, got []float64) {
	t.Helper()
	store := model.NewStore()
	base = runSeries(t, store, n, in, true)
	moved := append([]*tensors.Tensor{perturb(in[0], 0.5, pick)}, in[1:]...)
	return base, runSeries(t, store, n, moved, false)
}

// changedWhere returns the largest change between a and b [B, L, N] over the entries where pick
// holds.
func changedWhere(a, b []float64, B, L, N int, pick func(l, n int) bool) float64 {
	var m float64
	for i := range B * L * N {
		if l, n := i/N%L, i%N; pick(l, n) {
			m = max(m, math.Abs(a[i]-b[i]))
		}
	}
	return m
}

// TestSeriesNetMixesTime checks that moving x_t at one step k changes the output at the other steps
// (the temporal convolutions see them), that with TimeKernel = 1 the other steps are left exactly
// alone (the check can fail), and that TimeAttention reaches every step even then.
func TestSeriesNetMixesTime(t *testing.T) {
	const B, L, N, k = 2, 8, 4, 3
	for _, tc := range []struct {
		kernel    int
		attention bool
	}{{3, false}, {1, false}, {1, true}} {
		kernel := tc.kernel
		c := tinySeriesConfig()
		c.TimeKernel, c.TimeAttention = kernel, tc.attention
		in := seriesInputs(dtypes.Float32, 5, B, L, N, 4, true)
		base, got := outputsBeforeAfter(t, mustNewSeries(t, c), in, func(l, _ int) bool { return l == k })
		near := changedWhere(base, got, B, L, N, func(l, _ int) bool { return l == k-1 || l == k+1 })
		far := changedWhere(base, got, B, L, N, func(l, _ int) bool { return l != k })
		at := changedWhere(base, got, B, L, N, func(l, _ int) bool { return l == k })
		t.Logf("TimeKernel %d, TimeAttention %v: change at step k %.3g, at its neighbours %.3g, anywhere else %.3g", kernel, tc.attention, at, near, far)
		if !(at > 1e-4) {
			t.Errorf("TimeKernel %d: moving step %d does not change its own output (%g)", kernel, k, at)
		}
		if kernel > 1 && !(near > 1e-4) {
			t.Errorf("TimeKernel %d: moving step %d changes the neighbouring steps by only %g", kernel, k, near)
		}
		if kernel == 1 && !tc.attention && far != 0 {
			t.Errorf("TimeKernel 1: moving step %d changes other steps by %g, want exactly 0", k, far)
		}
		if tc.attention {
			if first := changedWhere(base, got, B, L, N, func(l, _ int) bool { return l == 0 }); !(first > 1e-4) {
				t.Errorf("TimeAttention: moving step %d changes step 0 by only %g", k, first)
			}
		}
	}
}

// TestSeriesNetMixesSeries checks that moving one series i changes the outputs of the other series
// (InducedAttention), and that NoSeriesMixing leaves them exactly alone: the check can fail.
func TestSeriesNetMixesSeries(t *testing.T) {
	const B, L, N, i = 2, 6, 5, 2
	for _, mix := range []SeriesMixing{InducedAttention, NoSeriesMixing} {
		c := tinySeriesConfig()
		c.SeriesMixing = mix
		in := seriesInputs(dtypes.Float32, 7, B, L, N, 3, true)
		base, got := outputsBeforeAfter(t, mustNewSeries(t, c), in, func(_, s int) bool { return s == i })
		other := changedWhere(base, got, B, L, N, func(_, s int) bool { return s != i })
		own := changedWhere(base, got, B, L, N, func(_, s int) bool { return s == i })
		t.Logf("%s: change on series i %.3g, on the others %.3g", mix, own, other)
		if !(own > 1e-4) {
			t.Errorf("%s: moving series %d does not change its own output", mix, i)
		}
		if mix == InducedAttention && !(other > 1e-4) {
			t.Errorf("%s: moving series %d changes the others by only %g", mix, i, other)
		}
		if mix == NoSeriesMixing && other != 0 {
			t.Errorf("%s: moving series %d changes the others by %g, want exactly 0", mix, i, other)
		}
	}
}

// permuteSeries returns x [..., N] with its last axis permuted: out[..., j] = x[..., perm[j]].
func permuteSeries(x *tensors.Tensor, perm []int) *tensors.Tensor {
	d := x.Shape().Dimensions
	N := d[len(d)-1]
	v := tensors.MustCopyFlatData[float32](x)
	out := make([]float32, len(v))
	for i := range v {
		out[i] = v[i-i%N+perm[i%N]]
	}
	return tensors.FromFlatDataAndDimensions(out, d...)
}

// TestSeriesNetPermutationEquivariance checks that permuting the series of every input permutes the
// output alike, and that with a learned series embedding (SeriesEmbed) it does not: the check can fail.
func TestSeriesNetPermutationEquivariance(t *testing.T) {
	const B, L, N = 2, 6, 5
	perm := []int{3, 0, 4, 2, 1}
	for _, embed := range []int{0, 2} {
		c := tinySeriesConfig()
		c.SeriesEmbed, c.Series, c.TimeAttention = embed, N, true
		n := mustNewSeries(t, c)
		store := model.NewStore()
		in := seriesInputs(dtypes.Float32, 9, B, L, N, 3, true)
		base := runSeries(t, store, n, in, true)
		pin := []*tensors.Tensor{permuteSeries(in[0], perm), in[1], permuteSeries(in[2], perm), in[3], in[4], permuteSeries(in[5], perm)}
		got := runSeries(t, store, n, pin, false)
		want := flat(permuteSeries(tensors.FromFlatDataAndDimensions(float32s(base), B, L, N), perm))
		e := relErr(got, want)
		t.Logf("SeriesEmbed %d: relative difference from the permuted output %.3g", embed, e)
		if embed == 0 && e > 1e-5 {
			t.Errorf("permuting the series changes the output beyond the permutation: relative error %g", e)
		}
		if embed > 0 && e < 1e-3 {
			t.Errorf("with a series embedding the network is still equivariant (relative error %g)", e)
		}
	}
}

func float32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// TestSeriesNumParamsHandCount counts a tiny configuration by hand, and checks NumParams against
// the variables that Apply creates, for several configurations.
func TestSeriesNumParamsHandCount(t *testing.T) {
	c := SeriesConfig{Channels: 4, EmbedChannels: 8, Blocks: 1, TimeKernel: 3, Rank: 2, ScaleInput: true,
		SeriesEmbed: 2, Series: 3}
	// embedding 4·8+8 + 8·8+8 = 112; input (4+1+2 = 7 features) 7·4+4 = 32; series embedding 3·2 = 6;
	// time block: norm 8 + conv 12·4+4 + emb 8·4+4 + proj 4·4+4 = 116;
	// series block: norm 8 + inducing 2·4 + six 4×4 layers 6·20 = 136; output: norm 8 + 4+1 = 13.
	const want = 112 + 32 + 6 + 116 + 136 + 13
	if got := mustNewSeries(t, c).NumParams(); got != want {
		t.Errorf("NumParams = %d, hand count %d", got, want)
	}
	for _, c := range []SeriesConfig{c, tinySeriesConfig(), {Channels: 6, Blocks: 3, TimeKernel: 5, SeriesMixing: NoSeriesMixing, TimeAttention: true}} {
		n := mustNewSeries(t, c)
		store := model.NewStore()
		N := 4
		if c.Series > 0 {
			N = c.Series
		}
		runNet(t, store, n.Apply, nil, seriesInputs(dtypes.Float32, 1, 1, 5, N, 2, c.ScaleInput)...)
		var vars int
		for v := range trainable(store) {
			vars += v.Shape().Size()
		}
		if vars != n.NumParams() {
			t.Errorf("%+v: the variables hold %d values, NumParams says %d", c, vars, n.NumParams())
		}
	}
}

// TestSeriesFLOPs checks the count of a tiny configuration against a hand count, and that the cost
// is linear in N: F(2N) − F(N) = F(3N) − F(2N) and F(2N) < 2·F(N).
func TestSeriesFLOPs(t *testing.T) {
	c := SeriesConfig{Channels: 4, EmbedChannels: 8, Blocks: 1, TimeKernel: 3, Rank: 2, ScaleInput: true,
		SeriesEmbed: 2, Series: 3}
	// B = 1, L = 2, N = 3: P = 6 tokens. Embedding 2·4·8 + 2·8·8 = 192; input 2·6·7·4 = 336;
	// time 2·6·3·16 + 2·8·4 + 2·6·16 = 832; series 8·6·16 + 4·2·2·16 + 8·6·2·4 = 1408; output 2·6·4 = 48.
	const want = 192 + 336 + 832 + 1408 + 48
	if got := mustNewSeries(t, c).FLOPs(1, 2, 3).Forward; got != want {
		t.Errorf("forward FLOPs %g, hand count %d", got, want)
	}
	// TimeAttention adds 8·6·16 (Q, K, V, projection) + 4·6·2·4 (scores, weighted sum) = 960 per block.
	c.TimeAttention = true
	if got := mustNewSeries(t, c).FLOPs(1, 2, 3).Forward; got != want+960 {
		t.Errorf("forward FLOPs with TimeAttention %g, hand count %d", got, want+960)
	}
	n := mustNewSeries(t, SeriesConfig{TimeAttention: true})
	f := func(N int) float64 { return n.FLOPs(8, 60, N).Training }
	d1, d2 := f(2000)-f(1000), f(3000)-f(2000)
	if math.Abs(d1-d2) > 1e-9*d1 || !(f(2000) < 2*f(1000)) {
		t.Errorf("training FLOPs at N = 1000, 2000, 3000: %g, %g, %g; not affine in N", f(1000), f(2000), f(3000))
	}
	t.Logf("default network with TimeAttention, 8 windows × 60 steps: %.3g training FLOPs at 1000 series, %.3g at 2000 (ratio %.3f)",
		f(1000), f(2000), f(2000)/f(1000))
}

// TestSeriesNetGradient checks autodiff against central finite differences in float64, for the
// input and one entry of every variable, with random weights.
func TestSeriesNetGradient(t *testing.T) {
	c := tinySeriesConfig()
	c.Channels, c.EmbedChannels, c.Blocks, c.SeriesEmbed, c.Series, c.TimeAttention = 4, 8, 1, 2, 3, true
	n := mustNewSeries(t, c)
	const B, L, N = 2, 5, 3
	in := seriesInputs(dtypes.Float64, 13, B, L, N, 3, true)
	r := randTensorAs(dtypes.Float64, 14, B, L, N)
	store := model.NewStore()
	runNet(t, store, n.Apply, nil, in...)
	randomizeVariables(t, store, 15, 0.5)
	var vars []*model.Variable
	for v := range trainable(store) {
		vars = append(vars, v)
	}
	exec, err := model.NewExec(goBackend(t), store, func(scope *model.Scope, args []*Node) []*Node {
		g := args[0].Graph()
		scope.SetTraining(g, true) // the variables stay parameters of the graph (docs/TRAINING.md)
		loss := ReduceAllSum(Mul(n.Apply(scope, args[0], args[1], args[2:len(in)]), args[len(in)]))
		nodes := []*Node{args[0]}
		for _, v := range vars {
			nodes = append(nodes, v.NodeValue(g))
		}
		return append([]*Node{loss}, Gradient(loss, nodes...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	args := make([]any, 0, len(in)+1)
	for _, x := range in {
		args = append(args, x)
	}
	args = append(args, r)
	call := func() []*tensors.Tensor {
		outs, err := exec.Call(args...)
		if err != nil {
			t.Fatal(err)
		}
		return outs
	}
	outs := call()
	const h = 1e-6
	check := func(name string, auto float64, set func(float64)) {
		set(h)
		plus := flat(call()[0])[0]
		set(-2 * h)
		minus := flat(call()[0])[0]
		set(h)
		fd := (plus - minus) / (2 * h)
		if math.Abs(fd-auto) > 1e-6*max(1, math.Abs(fd)) {
			t.Errorf("%s: autodiff %.9g, finite differences %.9g", name, auto, fd)
		}
	}
	xv := flat(in[0])
	for _, i := range []int{0, 7, 22} {
		check("x", flat(outs[1])[i], func(d float64) {
			xv[i] += d
			args[0] = tensors.FromFlatDataAndDimensions(append([]float64(nil), xv...), B, L, N)
		})
	}
	for k, v := range vars {
		vals := flat(v.MustValue())
		j := (7 * k) % len(vals)
		check(v.Path(), flat(outs[2+k])[j], func(d float64) {
			vals[j] += d
			if err := v.SetValue(tensors.FromFlatDataAndDimensions(append([]float64(nil), vals...), v.Shape().Dimensions...)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestNewSeriesRejectsBadConfig checks that bad configurations give errors naming the field.
func TestNewSeriesRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  SeriesConfig
		want string
	}{
		{SeriesConfig{Channels: -1}, "Channels"},
		{SeriesConfig{Channels: 1 << 20}, "Channels"},
		{SeriesConfig{TimeKernel: 4}, "odd"},
		{SeriesConfig{Blocks: 2, Dilations: []int{1}}, "Dilations"},
		{SeriesConfig{Blocks: 2, Dilations: []int{1, 0}}, "Dilations[1]"},
		{SeriesConfig{SeriesMixing: 7}, "SeriesMixing"},
		{SeriesConfig{SeriesEmbed: 4}, "SeriesConfig.Series"},
		{SeriesConfig{Series: -2}, "Series"},
		{SeriesConfig{Epsilon: math.NaN()}, "Epsilon"},
		{SeriesConfig{Branches: -1}, "Branches"},
	} {
		_, err := NewSeries(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one naming %q", tc.cfg, err, tc.want)
		}
	}
}

// TestSeriesNetRejectsBadInputs checks that inputs that do not fit give an error from Exec naming
// what was expected.
func TestSeriesNetRejectsBadInputs(t *testing.T) {
	c := tinySeriesConfig()
	c.SeriesEmbed, c.Series = 2, 4
	n := mustNewSeries(t, c)
	good := seriesInputs(dtypes.Float32, 1, 2, 6, 4, 3, true)
	for _, tc := range []struct {
		name string
		in   []*tensors.Tensor
		want string
	}{
		{"other N", seriesInputs(dtypes.Float32, 1, 2, 6, 5, 3, true), "built for 4 series"},
		{"no log scale", good[:5], "expected 4 conditioning inputs"},
		{"rank-4 x", append([]*tensors.Tensor{randTensor(1, 2, 6, 1, 4)}, good[1:]...), "[batch, steps, series]"},
		{"mask per token", []*tensors.Tensor{good[0], good[1], good[2], good[2], good[4], good[5]}, "context mask"},
		{"t per step", append([]*tensors.Tensor{good[0], randTensor(2, 2, 6)}, good[2:]...), "t must be [2]"},
	} {
		exec, err := model.NewExec(goBackend(t), model.NewStore(), func(scope *model.Scope, args []*Node) *Node {
			return n.Apply(scope, args[0], args[1], args[2:])
		})
		if err != nil {
			t.Fatal(err)
		}
		args := make([]any, len(tc.in))
		for i, x := range tc.in {
			args[i] = x
		}
		_, err = exec.Call(args...)
		exec.Finalize()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestSeriesNetBranches checks that running the batch as 1, 2 or 3 branches gives the same output.
func TestSeriesNetBranches(t *testing.T) {
	in := seriesInputs(dtypes.Float32, 17, 3, 6, 4, 3, true)
	var ref []float64
	for _, branches := range []int{1, 2, 3} {
		c := tinySeriesConfig()
		c.Branches = branches
		store := model.NewStore()
		got := runSeries(t, store, mustNewSeries(t, c), in, true)
		if ref == nil {
			ref = got
			continue
		}
		if e := relErr(got, ref); e > 1e-6 {
			t.Errorf("%d branches differ from one: relative error %g", branches, e)
		}
	}
}
