// Package convbench times a 3×3 convolution's training step three ways in one run (GoMLX's native
// convolution, tidal's nn.Conv2D, and the three matmuls of the same FLOPs, the rate a convolution could
// reach), for `tidal bench conv`; it also holds the timing helpers the other benchmarks share: a compiled
// step with its inputs (Step), deterministic bench tensors, and the matmul reference of a convolution.
package convbench

import (
	"fmt"
	"io"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/nn"
)

// Case is one size of the convolution benchmark: a batch of Batch images of Size×Size
// pixels with Channels channels in and out, and a 3×3 kernel.
type Case struct {
	Batch, Size, Channels int
}

// String returns e.g. "16×32²×32".
func (c Case) String() string {
	return fmt.Sprintf("%d×%d²×%d", c.Batch, c.Size, c.Channels)
}

// FLOPs of one training step of the 3×3 convolution: the forward matmul and the two backward ones
// (input and kernel gradients), 2·B·H·W·9·Cin·Cout each. Multiply-adds count as two.
func (c Case) FLOPs() float64 {
	return 3 * 2 * float64(c.Batch*c.Size*c.Size) * 9 * float64(c.Channels*c.Channels)
}

// DefaultCases are the sizes of issue 2: batch 16, 32² and 64², 32 and 64 channels.
func DefaultCases() []Case {
	return []Case{{16, 32, 32}, {16, 32, 64}, {16, 64, 32}, {16, 64, 64}}
}

// Options configures Measure.
type Options struct {
	Cases []Case
	// MinTime is how long the matmul reference and tidal's convolution are timed per case, in
	// alternating steps so that both see the same machine load (default 2 s); at least MinSteps steps
	// of each are timed (default 3). The native convolution, 60–110× slower, is timed for one step when
	// its warm-up step alone takes longer than MinTime/4, else like the others.
	MinTime  time.Duration
	MinSteps int
	// Log, if not nil, receives one line per case as it is measured.
	Log io.Writer
}

// Result holds the median time of one training step by each method.
type Result struct {
	Case                  Case
	Native, Tidal, MatMul time.Duration
}

// GFLOPs returns the rate of a step that took d, in GFLOP/s.
func (r Result) GFLOPs(d time.Duration) float64 {
	return r.Case.FLOPs() / d.Seconds() / 1e9
}

// Measure times one training step (forward, and gradients w.r.t. input and kernel of
// loss = Σ out·c for a fixed c) of a 3×3 zero-padded convolution on backend b, three ways in the
// same run: GoMLX's native convolution, tidal's Conv2D (its Auto path: im2col on the Go backend), and
// the three matmuls of the same FLOPs in their fastest layouts (the rate a convolution could reach).
// Measurements of the three alternate, and each figure is a median (docs/PERFORMANCE.md).
func Measure(b compute.Backend, opt Options) ([]Result, error) {
	if opt.MinTime <= 0 {
		opt.MinTime = 2 * time.Second
	}
	if opt.MinSteps <= 0 {
		opt.MinSteps = 3
	}
	var results []Result
	for _, c := range opt.Cases {
		r, err := measureCase(b, c, opt)
		if err != nil {
			return nil, fmt.Errorf("conv bench case %v: %w", c, err)
		}
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, "  %-10s matmul %8.2f ms  tidal %8.2f ms  native %9.1f ms\n", c,
				ms(r.MatMul), ms(r.Tidal), ms(r.Native))
		}
		results = append(results, r)
	}
	return results, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// measureCase measures one case: it compiles and warms up the three steps, then alternates steps
// of the matmul reference and of tidal's convolution.
func measureCase(b compute.Backend, c Case, opt Options) (Result, error) {
	r := Result{Case: c}
	if c.Batch <= 0 || c.Size <= 0 || c.Channels <= 0 {
		return r, fmt.Errorf("batch, size and channels must be positive")
	}
	matmul, err := NewStep(b, matmulStep, inputs(c, true), true)
	if err != nil {
		return r, fmt.Errorf("matmul: %w", err)
	}
	defer matmul.Finalize()
	tidal, err := NewStep(b, func(in []*Node) []*Node { return convStep(in, nn.Auto) }, inputs(c, false), true)
	if err != nil {
		return r, fmt.Errorf("tidal: %w", err)
	}
	defer tidal.Finalize()
	native, err := NewStep(b, func(in []*Node) []*Node { return convStep(in, nn.Native) }, inputs(c, false), false)
	if err != nil {
		return r, fmt.Errorf("native: %w", err)
	}
	defer native.Finalize()

	nativeWarm, err := native.Run()
	if err != nil {
		return r, fmt.Errorf("native: %w", err)
	}
	timeNative := nativeWarm < opt.MinTime/4
	var tm, tt, tn []time.Duration
	if !timeNative {
		tn = append(tn, nativeWarm)
	}
	start := time.Now()
	for len(tt) < opt.MinSteps || time.Since(start) < opt.MinTime {
		d, err := matmul.Run()
		if err != nil {
			return r, fmt.Errorf("matmul: %w", err)
		}
		tm = append(tm, d)
		if d, err = tidal.Run(); err != nil {
			return r, fmt.Errorf("tidal: %w", err)
		}
		tt = append(tt, d)
		if timeNative {
			if d, err = native.Run(); err != nil {
				return r, fmt.Errorf("native: %w", err)
			}
			tn = append(tn, d)
		}
	}
	r.MatMul, r.Tidal, r.Native = benchenv.Median(tm), benchenv.Median(tt), benchenv.Median(tn)
	return r, nil
}

// Step is a compiled benchmark step with its inputs: any executable's Call and Finalize, so that graph
// steps (NewStep) and model steps with variables (netbench's training step) are timed alike.
type Step struct {
	call     func(args ...any) ([]*tensors.Tensor, error)
	finalize func()
	args     []any
}

// Timed wraps an executable's call and finalize functions and the arguments of every call.
func Timed(call func(args ...any) ([]*tensors.Tensor, error), finalize func(), args ...any) *Step {
	return &Step{call: call, finalize: finalize, args: args}
}

// NewStep compiles fn for the inputs and, if warm, runs it once (the first run allocates the
// backend's buffers): a step to time with Run.
func NewStep(b compute.Backend, fn func(in []*Node) []*Node, inputs []*tensors.Tensor, warm bool) (*Step, error) {
	exec, err := NewExec(b, fn)
	if err != nil {
		return nil, err
	}
	var args []any
	for _, in := range inputs {
		args = append(args, in)
	}
	s := Timed(exec.Call, exec.Finalize, args...)
	if _, err := exec.Compile(shapesOf(inputs)...); err != nil {
		exec.Finalize()
		return nil, err
	}
	if warm {
		if _, err := s.Run(); err != nil {
			exec.Finalize()
			return nil, err
		}
	}
	return s, nil
}

// Call executes one step and returns its outputs, which the caller finalizes.
func (s *Step) Call() ([]*tensors.Tensor, error) { return s.call(s.args...) }

// Run executes one step, releases its outputs and returns its wall time.
func (s *Step) Run() (time.Duration, error) {
	t0 := time.Now()
	outs, err := s.Call()
	d := time.Since(t0)
	for _, o := range outs {
		o.FinalizeAll()
	}
	return d, err
}

// Finalize releases the compiled step.
func (s *Step) Finalize() { s.finalize() }

// inputs returns the step's inputs: x [B, C, S, S], kernel [C, 3, 3, C] and the output
// gradient c [B, C, S, S]; for the matmul reference, patches [B, 9C, S²], the weights and the flipped
// weights already repeated over the batch [B, C, 9C] (so that only matmuls are timed), and
// c [B, C, S²].
func inputs(c Case, matmul bool) []*tensors.Tensor {
	B, S, C := c.Batch, c.Size, c.Channels
	fill := Tensor
	if matmul {
		return []*tensors.Tensor{fill(1, B, 9*C, S*S), fill(2, B, C, 9*C), fill(4, B, C, 9*C), fill(3, B, C, S*S)}
	}
	return []*tensors.Tensor{fill(1, B, C, S, S), fill(2, C, 3, 3, C), fill(3, B, C, S, S)}
}

// NewMatMulReference compiles the matmul reference of case c (matmulStep on its inputs): the rate a
// 3×3 convolution training step of those shapes could reach on backend b.
func NewMatMulReference(b compute.Backend, c Case) (*Step, error) {
	return NewStep(b, matmulStep, inputs(c, true), false)
}

// Tensor is a float32 tensor of the given dimensions filled by benchFloats(seed).
func Tensor(seed uint64, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(benchFloats(seed, numElements(dims)), dims...)
}

// benchFloats fills n values in [-0.5, 0.5) cheaply and deterministically.
func benchFloats(seed uint64, n int) []float32 {
	v := make([]float32, n)
	s := seed*0x9e3779b97f4a7c15 + 1
	for i := range v {
		s ^= s << 13
		s ^= s >> 7
		s ^= s << 17
		v[i] = float32(s>>40)/float32(1<<24) - 0.5
	}
	return v
}

// convStep is one convolution training step; it returns the loss, Σ dx (so dx is computed but not
// copied out) and dKernel. The loss must be an output: the gradients of this linear loss do not need
// the forward output, and the backends would drop the forward convolution as dead code.
func convStep(in []*Node, path nn.ConvPath) []*Node {
	x, kernel, c := in[0], in[1], in[2]
	out := nn.Conv2D(x, kernel, nn.ConvOptions{Path: path})
	loss := ReduceAllSum(Mul(out, c))
	grads := Gradient(loss, x, kernel)
	return []*Node{loss, ReduceAllSum(grads[0]), grads[1]}
}

// matmulStep is the reference: the three matmuls of an im2col convolution training step, in the
// Go backend's fastest layouts and with nothing else: out = W·P and the input gradient, which is the
// same product for the transposed convolution (W' [C, 9C] times the patches of the output gradient,
// here P again), both [C, 9C]·[9C, S²] per image with the weights given already repeated over the
// batch, and the kernel gradient dW = Σ_b c_b·P_bᵀ (computed as in Conv2D, transposed; see
// kernelGradient). It returns the same kind of outputs as convStep.
func matmulStep(in []*Node) []*Node {
	patches, w, wFlipped, c := in[0], in[1], in[2], in[3]
	batched := func(w, rhs *Node) *Node { return DotGeneral(w, []int{2}, []int{0}, rhs, []int{1}, []int{0}) }
	out := batched(w, patches)
	dP := batched(wFlipped, patches)
	dW := kernelGradient(patches, c)
	return []*Node{Add(ReduceAllSum(out), ReduceAllSum(dP)), dW}
}

func shapesOf(ts []*tensors.Tensor) []shapes.Shape {
	s := make([]shapes.Shape, len(ts))
	for i, t := range ts {
		s[i] = t.Shape()
	}
	return s
}

// WriteTable writes one line per result: the three rates in GFLOP/s and the ratios of
// tidal's rate to the native convolution's and to the matmul reference's.
func WriteTable(w io.Writer, results []Result) error {
	if _, err := fmt.Fprintf(w, "%-12s %12s %12s %12s %13s %13s\n",
		"B×S²×C", "native", "tidal", "matmul", "tidal/native", "tidal/matmul"); err != nil {
		return err
	}
	for _, r := range results {
		native, tidal, matmul := r.GFLOPs(r.Native), r.GFLOPs(r.Tidal), r.GFLOPs(r.MatMul)
		if _, err := fmt.Fprintf(w, "%-12s %7.2f GF/s %7.2f GF/s %7.2f GF/s %12.1f× %12.2f×\n",
			r.Case, native, tidal, matmul, tidal/native, tidal/matmul); err != nil {
			return err
		}
	}
	return nil
}

func numElements(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// kernelGradient returns Σ_b gout_b · P_bᵀ [Cout, K] for patches P [B, K, L] and output gradients
// gout [B, Cout, L], as nn's im2col convolution computes it: transposed, Σ_b P_b · gout_bᵀ, the layout
// in which the Go backend's matmul is fastest.
func kernelGradient(patches, gout *Node) *Node {
	return Transpose(ReduceSum(DotGeneral(patches, []int{2}, []int{0}, gout, []int{2}, []int{0}), 0), 0, 1)
}
