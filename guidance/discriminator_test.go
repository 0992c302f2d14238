package guidance

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/nn"
)

// tinyConfig is a discriminator small enough for quick tests that still has every kind of layer: two
// levels, a channel change, a downsampling block, attention at both levels and in the middle, two
// heads at level 1, a two-layer head.
func tinyConfig() Config {
	return Config{FrameChannels: 1, Channels: 8, Mults: []int{1, 2}, Blocks: 1, AttnLevels: []int{0, 1},
		HeadChannels: 8, Groups: 4, HeadWidth: 16}
}

func mustNew(t testing.TB, c Config) *Discriminator {
	t.Helper()
	d, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// randTensor returns a tensor of the dtype with entries uniform in [-1, 1), from seed.
func randTensor(dtype dtypes.DType, seed uint64, dims ...int) *tensors.Tensor {
	r := rand.New(rand.NewPCG(seed, 42))
	n := 1
	for _, d := range dims {
		n *= d
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = 2*r.Float64() - 1
	}
	return asTensor(dtype, v, dims...)
}

func asTensor(dtype dtypes.DType, v []float64, dims ...int) *tensors.Tensor {
	if dtype == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	return tensortest.Float32(v, dims...)
}

func values(t *tensors.Tensor) []float64 {
	if t.DType() == dtypes.Float64 {
		return tensors.MustCopyFlatData[float64](t)
	}
	return tensortest.Float64s(t)
}

// sigmas returns B noise levels spread over [0.01, 20].
func sigmas(dtype dtypes.DType, B int) *tensors.Tensor {
	v := make([]float64, B)
	for i := range v {
		v[i] = 0.01 * math.Pow(2000, float64(i)/float64(max(B-1, 1)))
	}
	return asTensor(dtype, v, B)
}

// logits runs d.Logit on (x, sigma, cond...) with the variables of store (created on first use).
func logits(t testing.TB, store *model.Store, d *Discriminator, x, sigma *tensors.Tensor, cond ...*tensors.Tensor) []float64 {
	t.Helper()
	args := append([]any{x, sigma}, anys(cond)...)
	out, err := model.ExecOnce(tensortest.Backend(t), store, func(scope *model.Scope, in []*Node) *Node {
		return d.Logit(scope, in[0], in[1], in[2:])
	}, args...)
	if err != nil {
		t.Fatal(err)
	}
	return values(out)
}

func anys(ts []*tensors.Tensor) []any {
	out := make([]any, len(ts))
	for i, x := range ts {
		out[i] = x
	}
	return out
}

// TestLogitShapeAndNumParams checks that Logit returns one logit per example, that the variables it
// creates hold NumParams scalars (for downsampling blocks and for pooling), and that two calls in one
// graph share the variables and agree.
func TestLogitShapeAndNumParams(t *testing.T) {
	for _, pool := range []bool{false, true} {
		c := tinyConfig()
		c.PoolBlocks = pool
		d := mustNew(t, c)
		store := model.NewStore()
		x, cur, prev := randTensor(dtypes.Float32, 1, 3, 1, 8, 16), randTensor(dtypes.Float32, 2, 3, 1, 8, 16), randTensor(dtypes.Float32, 3, 3, 1, 8, 16)
		outs, err := model.ExecOnceN(tensortest.Backend(t), store, func(scope *model.Scope, x, s, a, b *Node) []*Node {
			return []*Node{d.Logit(scope, x, s, []*Node{a, b}), d.Logit(scope, x, s, []*Node{a, b})}
		}, x, sigmas(dtypes.Float32, 3), cur, prev)
		if err != nil {
			t.Fatal(err)
		}
		if dims := outs[0].Shape().Dimensions; len(dims) != 1 || dims[0] != 3 {
			t.Errorf("pool=%v: logits shape %v, want [3]", pool, dims)
		}
		if e := tensortest.MaxAbsDiff(values(outs[0]), values(outs[1])); e != 0 {
			t.Errorf("pool=%v: two calls in one graph differ by %g", pool, e)
		}
		n := 0
		for v := range tensortest.Trainable(store) {
			n += v.Shape().Size()
		}
		if n != d.NumParams() {
			t.Errorf("pool=%v: Logit created %d parameters, NumParams says %d", pool, n, d.NumParams())
		}
	}
}

// TestDefaultNumParams logs the parameter counts of the paper's discriminators (Tab. 2: 1.7M for
// vorticity, 7.5M for ERA5) and checks them against hand counts of the default vorticity network
// being in the range a hand count of the paper's layout gives for 32 base channels (1.8–1.9M).
func TestDefaultNumParams(t *testing.T) {
	vort := mustNew(t, Config{FrameChannels: 1})
	era := mustNew(t, Config{FrameChannels: 1, Channels: 64, Mults: []int{4, 2, 1}})
	t.Logf("vorticity default (32 ch, (1,2,2), 2 blocks, 2×1024 head): %d parameters; ERA5 (64 ch, (4,2,1)): %d",
		vort.NumParams(), era.NumParams())
	if n := vort.NumParams(); n < 1_700_000 || n > 2_000_000 {
		t.Errorf("default vorticity discriminator has %d parameters, want about 1.8–1.9M", n)
	}
	if n := era.NumParams(); n < 6_500_000 || n > 8_000_000 {
		t.Errorf("ERA5 discriminator has %d parameters, want about 6.9–7.5M", n)
	}
}

// TestGradLogitMatchesFiniteDifferences checks the guidance gradient of the real network with random
// weights: for several random directions v (one per example), ⟨∇ₓf_b, v_b⟩ from GradLogit, compiled
// into one graph on the Go backend, equals the central difference (f_b(x + hv) − f_b(x − hv))/2h.
// In float64 the relative error must be below 1e-6; in float32 below 2e-2. Perturbing every example
// at once also checks that examples do not interact (else the gradient of the summed logit would not
// be each example's own).
func TestGradLogitMatchesFiniteDifferences(t *testing.T) {
	const B, H, W = 3, 8, 8
	for _, tc := range []struct {
		dtype  dtypes.DType
		h, tol float64
	}{{dtypes.Float64, 1e-5, 1e-6}, {dtypes.Float32, 3e-3, 2e-2}} {
		c := tinyConfig()
		c.PadH = nn.Periodic
		d := mustNew(t, c)
		store := model.NewStore()
		x := randTensor(tc.dtype, 1, B, 1, H, W)
		s := sigmas(tc.dtype, B)
		cond := []*tensors.Tensor{randTensor(tc.dtype, 2, B, 1, H, W), randTensor(tc.dtype, 3, B, 1, H, W)}
		logits(t, store, d, x, s, cond...) // creates the variables
		tensortest.RandomizeVariables(t, store, 5, 0.3)
		args := append([]any{x, s}, anys(cond)...)
		grad, err := model.ExecOnce(tensortest.Backend(t), store, func(scope *model.Scope, in []*Node) *Node {
			return GradLogit(d.Logit, scope, in[0], in[1], in[2:])
		}, args...)
		if err != nil {
			t.Fatalf("%s: GradLogit: %v", tc.dtype, err)
		}
		g, x0 := values(grad), values(x)
		if m := maxAbsOf(g); m == 0 || math.IsNaN(m) {
			t.Fatalf("%s: gradient max |value| %g", tc.dtype, m)
		}
		n := H * W
		worst := 0.0
		for dir := range 4 {
			r := rand.New(rand.NewPCG(uint64(dir), 9))
			v := make([]float64, len(x0))
			for i := range v {
				v[i] = r.NormFloat64()
			}
			plus, minus := make([]float64, len(x0)), make([]float64, len(x0))
			for i := range v {
				plus[i], minus[i] = x0[i]+tc.h*v[i], x0[i]-tc.h*v[i]
			}
			fp := logits(t, store, d, asTensor(tc.dtype, plus, B, 1, H, W), s, cond...)
			fm := logits(t, store, d, asTensor(tc.dtype, minus, B, 1, H, W), s, cond...)
			for b := range B {
				fd := (fp[b] - fm[b]) / (2 * tc.h)
				dot := 0.0
				for i := b * n; i < (b+1)*n; i++ {
					dot += g[i] * v[i]
				}
				e := math.Abs(dot-fd) / math.Max(math.Abs(fd), 1e-3)
				worst = max(worst, e)
				if e > tc.tol {
					t.Errorf("%s, direction %d, example %d: ⟨∇f, v⟩ = %.10g, finite difference %.10g (relative error %.3g)",
						tc.dtype, dir, b, dot, fd, e)
				}
			}
		}
		t.Logf("%s: worst relative error %.3g", tc.dtype, worst)
	}
}

func maxAbsOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// TestLogitPeriodicShiftInvariance checks the global pooling with periodic padding on both axes: the
// logit does not change when the candidate and the conditioning frames are all shifted circularly by
// a multiple of Divisor. With zero padding it must change, which shows the test can tell.
func TestLogitPeriodicShiftInvariance(t *testing.T) {
	const B, H, W, dy, dx = 2, 8, 16, 2, 6
	for _, pad := range []nn.Padding{nn.Periodic, nn.Zero} {
		c := tinyConfig()
		c.PadH, c.PadW = pad, pad
		d := mustNew(t, c)
		store := model.NewStore()
		in := make([][]float64, 3)
		shifted := make([]*tensors.Tensor, 3)
		plain := make([]*tensors.Tensor, 3)
		for i := range in {
			in[i] = values(randTensor(dtypes.Float32, uint64(i+1), B, 1, H, W))
			plain[i] = tensortest.Float32(in[i], B, 1, H, W)
			shifted[i] = tensortest.Float32(circShift(in[i], B, H, W, dy, dx), B, 1, H, W)
		}
		s := sigmas(dtypes.Float32, B)
		logits(t, store, d, plain[0], s, plain[1:]...)
		tensortest.RandomizeVariables(t, store, 7, 0.3)
		a := logits(t, store, d, plain[0], s, plain[1:]...)
		b := logits(t, store, d, shifted[0], s, shifted[1:]...)
		e := tensortest.MaxAbsDiff(a, b) / maxAbsOf(a)
		t.Logf("%s padding: relative change %.3g", pad, e)
		if pad == nn.Periodic && e > 1e-4 {
			t.Errorf("periodic padding: shifting every input changed the logits %v to %v", a, b)
		}
		if pad == nn.Zero && e < 1e-3 {
			t.Errorf("zero padding: shifted logits agree to %.3g; the test cannot tell the paddings apart", e)
		}
	}
}

// circShift returns x [B, 1, H, W] (flat) circularly shifted by (dy, dx).
func circShift(x []float64, B, H, W, dy, dx int) []float64 {
	out := make([]float64, len(x))
	for b := range B {
		for i := range H {
			for j := range W {
				out[b*H*W+((i+dy)%H)*W+(j+dx)%W] = x[b*H*W+i*W+j]
			}
		}
	}
	return out
}

// TestNewRejectsBadConfig checks that New names the offending field.
func TestNewRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		mutate func(*Config)
		want   string
	}{
		{func(c *Config) { c.FrameChannels = 0 }, "FrameChannels"},
		{func(c *Config) { c.Mults = []int{1, 0} }, "Mults[1]"},
		{func(c *Config) { c.AttnLevels = []int{2} }, "AttnLevels"},
		{func(c *Config) { c.HeadChannels = -1 }, "HeadChannels"},
		{func(c *Config) { c.HeadWidth = -1 }, "HeadWidth"},
		{func(c *Config) { c.Dropout = 1 }, "Dropout"},
		{func(c *Config) { c.SigmaData = math.NaN() }, "SigmaData"},
	} {
		c := tinyConfig()
		tc.mutate(&c)
		if _, err := New(c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %+v: error %v, want one naming %q", c, err, tc.want)
		}
	}
}

// TestLogitRejectsBadInputs checks that inputs that do not fit are reported by Exec as errors that
// say what was expected.
func TestLogitRejectsBadInputs(t *testing.T) {
	d := mustNew(t, tinyConfig())
	f32 := dtypes.Float32
	x, s := randTensor(f32, 1, 2, 1, 8, 8), sigmas(f32, 2)
	for _, tc := range []struct {
		args []*tensors.Tensor
		want string
	}{
		{[]*tensors.Tensor{randTensor(f32, 1, 2, 2, 8, 8), s, x, x}, "[batch, 1, height, width]"},
		{[]*tensors.Tensor{x, sigmas(f32, 3), x, x}, "sigma"},
		{[]*tensors.Tensor{x, s, x}, "Context = 2"},
		{[]*tensors.Tensor{x, s, x, randTensor(f32, 1, 1, 1, 8, 8)}, "cond[1]"},
	} {
		_, err := model.ExecOnce(tensortest.Backend(t), model.NewStore(), func(scope *model.Scope, in []*Node) *Node {
			return d.Logit(scope, in[0], in[1], in[2:])
		}, anys(tc.args)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
	// Any grid: 7×8 frames are padded to the levels' multiple; one logit per window.
	y := randTensor(f32, 1, 2, 1, 7, 8)
	out, err := model.ExecOnce(tensortest.Backend(t), model.NewStore(), func(scope *model.Scope, in []*Node) *Node {
		return d.Logit(scope, in[0], in[1], in[2:])
	}, anys([]*tensors.Tensor{y, s, y, y})...)
	if err != nil || out.Shape().Dimensions[0] != 2 {
		t.Errorf("7×8 frames: %v", err)
	}
}

// TestGradLogitTwiceInOneGraph checks the guidance gradient as a Heun step uses it: inside one graph,
// at a computed candidate x̂ = 2x and again at x' = x̂ + 0.1·∇f(x̂) (the second stage), with the
// same variables. Each must equal GradLogit compiled alone at the same point.
func TestGradLogitTwiceInOneGraph(t *testing.T) {
	const B, H, W = 2, 8, 8
	d := mustNew(t, tinyConfig())
	store := model.NewStore()
	f32 := dtypes.Float32
	x, s := randTensor(f32, 1, B, 1, H, W), sigmas(f32, B)
	cond := []*tensors.Tensor{randTensor(f32, 2, B, 1, H, W), randTensor(f32, 3, B, 1, H, W)}
	logits(t, store, d, x, s, cond...)
	tensortest.RandomizeVariables(t, store, 8, 0.3)
	b := tensortest.Backend(t)
	both, err := model.ExecOnceN(b, store, func(scope *model.Scope, x, s, a, c *Node) []*Node {
		xh := MulScalar(x, 2)
		g1 := GradLogit(d.Logit, scope, xh, s, []*Node{a, c})
		x2 := Add(xh, MulScalar(g1, 0.1))
		g2 := GradLogit(d.Logit, scope, x2, s, []*Node{a, c})
		return []*Node{g1, x2, g2}
	}, x, s, cond[0], cond[1])
	if err != nil {
		t.Fatal(err)
	}
	alone := func(at *tensors.Tensor) []float64 {
		g, err := model.ExecOnce(b, store, func(scope *model.Scope, x, s, a, c *Node) *Node {
			return GradLogit(d.Logit, scope, x, s, []*Node{a, c})
		}, at, s, cond[0], cond[1])
		if err != nil {
			t.Fatal(err)
		}
		return values(g)
	}
	x2 := values(both[1])
	for i, want := range [][]float64{alone(tensortest.Float32(scaled(values(x), 2), B, 1, H, W)), alone(tensortest.Float32(x2, B, 1, H, W))} {
		got := values(both[2*i])
		if e := tensortest.MaxAbsDiff(got, want) / maxAbsOf(want); e > 1e-5 || maxAbsOf(want) == 0 {
			t.Errorf("stage %d: gradient in the two-stage graph differs from the gradient alone by %.3g (relative)", i+1, e)
		}
	}
}

func scaled(v []float64, a float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = a * x
	}
	return out
}

// TestBranchesAgree checks that splitting the batch into 1, 2 or 3 branches gives the same logits
// and guidance gradients, up to rounding.
func TestBranchesAgree(t *testing.T) {
	const B, H, W = 3, 8, 8
	f32 := dtypes.Float32
	x, s := randTensor(f32, 1, B, 1, H, W), sigmas(f32, B)
	cond := []*tensors.Tensor{randTensor(f32, 2, B, 1, H, W), randTensor(f32, 3, B, 1, H, W)}
	store := model.NewStore()
	var ref []float64
	for _, n := range []int{1, 2, 3} {
		c := tinyConfig()
		c.Branches = n
		d := mustNew(t, c)
		if n == 1 {
			logits(t, store, d, x, s, cond...)
			tensortest.RandomizeVariables(t, store, 9, 0.3)
		}
		outs, err := model.ExecOnceN(tensortest.Backend(t), store, func(scope *model.Scope, x, s, a, b *Node) []*Node {
			return []*Node{d.Logit(scope, x, s, []*Node{a, b}), GradLogit(d.Logit, scope, x, s, []*Node{a, b})}
		}, x, s, cond[0], cond[1])
		if err != nil {
			t.Fatalf("%d branches: %v", n, err)
		}
		got := append(values(outs[0]), values(outs[1])...)
		if n == 1 {
			ref = got
			continue
		}
		if e := tensortest.MaxAbsDiff(got, ref) / maxAbsOf(ref); e > 1e-5 {
			t.Errorf("%d branches differ from one by %.3g (relative)", n, e)
		}
	}
}

// TestInputScaling checks the c_in option: the default discriminator at (x, σ) gives the logits of the
// RawInput one, with the same variables, at (x/√(σ² + σ_data²), σ); and the two differ at (x, σ).
func TestInputScaling(t *testing.T) {
	const B, H, W = 3, 8, 8
	f32 := dtypes.Float32
	x, s := randTensor(f32, 1, B, 1, H, W), sigmas(f32, B)
	cond := []*tensors.Tensor{randTensor(f32, 2, B, 1, H, W), randTensor(f32, 3, B, 1, H, W)}
	scaledX := values(x)
	sv := values(s)
	for i := range scaledX {
		scaledX[i] /= math.Sqrt(sv[i/(H*W)]*sv[i/(H*W)] + DefaultSigmaData*DefaultSigmaData)
	}
	c := tinyConfig()
	d := mustNew(t, c)
	c.RawInput = true
	raw := mustNew(t, c)
	store := model.NewStore()
	logits(t, store, d, x, s, cond...)
	tensortest.RandomizeVariables(t, store, 10, 0.3)
	want := logits(t, store, d, x, s, cond...)
	got := logits(t, store, raw, tensortest.Float32(scaledX, B, 1, H, W), s, cond...)
	unscaled := logits(t, store, raw, x, s, cond...)
	if e := tensortest.MaxAbsDiff(got, want) / maxAbsOf(want); e > 1e-5 {
		t.Errorf("scaled logits %v, raw logits of c_in·x %v", want, got)
	}
	if e := tensortest.MaxAbsDiff(unscaled, want) / maxAbsOf(want); e < 1e-3 {
		t.Errorf("raw logits of x %v agree with the scaled ones %v: the test cannot tell", unscaled, want)
	}
}
