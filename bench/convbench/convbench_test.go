package convbench

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/nn"
)

// TestBenchConvTraining runs the benchmark on a tiny case: every method yields a positive time and
// the log names the case.
func TestBenchConvTraining(t *testing.T) {
	var log bytes.Buffer
	res, err := Measure(goBackend(t), Options{
		Cases: []Case{{2, 8, 4}}, MinTime: time.Millisecond, MinSteps: 2, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Tidal <= 0 || res[0].Native <= 0 || res[0].MatMul <= 0 {
		t.Errorf("results %+v", res)
	}
	if !strings.Contains(log.String(), "2×8²×4") {
		t.Errorf("log %q does not name the case", log.String())
	}
	if _, err := Measure(goBackend(t), Options{Cases: []Case{{0, 8, 4}}}); err == nil {
		t.Error("a zero batch was accepted")
	}
}

// TestConvBenchFLOPs pins the FLOP count of a step: 3 matmuls of 2·B·S²·9·C² each.
func TestConvBenchFLOPs(t *testing.T) {
	if got, want := (Case{16, 32, 32}).FLOPs(), 3*2*16.0*1024*9*32*32; got != want {
		t.Errorf("FLOPs = %g, want %g", got, want)
	}
}

// TestMatMulStepComputesConvGradients: the matmul reference computes what a convolution step does
// when the patches are real im2col patches (built here on the host, zero-padded, tap-major as the
// kernel [Cout, 3, 3, Cin] flattens): its kernel gradient equals nn.Conv2D's.
func TestMatMulStepComputesConvGradients(t *testing.T) {
	const B, C, S = 2, 3, 6
	x, kernel, gout := randTensor(1, B, C, S, S), randTensor(2, C, 3, 3, C), randTensor(3, B, C, S, S)
	xv := tensors.MustCopyFlatData[float32](x)
	patches := make([]float32, B*9*C*S*S)
	for b := range B {
		for dy := range 3 {
			for dx := range 3 {
				for c := range C {
					k := (dy*3+dx)*C + c
					for i := range S {
						for j := range S {
							if y, z := i+dy-1, j+dx-1; y >= 0 && y < S && z >= 0 && z < S {
								patches[(b*9*C+k)*S*S+i*S+j] = xv[((b*C+c)*S+y)*S+z]
							}
						}
					}
				}
			}
		}
	}
	got := runGraph(t, func(in []*Node) []*Node {
		w := BroadcastPrefix(Reshape(in[1], C, 9*C), B)
		outs := matmulStep([]*Node{in[0], w, w, Reshape(in[2], B, C, S*S)})
		return []*Node{Reshape(outs[1], C, 3, 3, C)}
	}, tensors.FromFlatDataAndDimensions(patches, B, 9*C, S*S), kernel, gout)
	want := runGraph(t, func(in []*Node) []*Node { return convStep(in, nn.Native)[2:] }, x, kernel, gout)
	checkClose(t, "kernel gradient", got[0], want[0], 1e-5)
}

// TestConvStepOutputsLoss: the timed step returns the loss Σ conv(x)·c, so the forward convolution
// is part of what is timed (a step returning only the gradients of this linear loss would let the
// backend drop it as dead code), and its value is right.
func TestConvStepOutputsLoss(t *testing.T) {
	x, kernel, c := randTensor(1, 2, 3, 6, 6), randTensor(2, 4, 3, 3, 3), randTensor(3, 2, 4, 6, 6)
	got := runGraph(t, func(in []*Node) []*Node { return convStep(in, nn.Auto)[:1] }, x, kernel, c)
	want := runGraph(t, func(in []*Node) []*Node {
		return []*Node{ReduceAllSum(Mul(nn.Conv2D(in[0], in[1], nn.ConvOptions{Path: nn.Native}), in[2]))}
	}, x, kernel, c)
	checkClose(t, "loss", got[0], want[0], 1e-5)
}

// BenchmarkConvTrainingStep times one training step of a 3×3 convolution (batch 16) by each method:
// go test -run '^$' -bench ConvTrainingStep ./bench/convbench
func BenchmarkConvTrainingStep(b *testing.B) {
	for _, c := range DefaultCases() {
		for _, m := range []struct {
			name   string
			fn     func(in []*Node) []*Node
			matmul bool
		}{
			{"matmul", matmulStep, true},
			{"tidal", func(in []*Node) []*Node { return convStep(in, nn.Auto) }, false},
			{"native", func(in []*Node) []*Node { return convStep(in, nn.Native) }, false},
		} {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", m.name, c.Batch, c.Size, c.Channels), func(b *testing.B) {
				if m.name == "native" && c.Size*c.Channels > 32*32 && testing.Short() {
					b.Skip("native convolution at this size takes seconds per step; run without -short")
				}
				step, err := NewStep(goBackend(b), m.fn, inputs(c, m.matmul), true)
				if err != nil {
					b.Fatal(err)
				}
				defer step.Finalize()
				steps := 0
				for b.Loop() {
					if _, err := step.Run(); err != nil {
						b.Fatal(err)
					}
					steps++
				}
				b.ReportMetric(c.FLOPs()*float64(steps)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
