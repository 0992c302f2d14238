package videobench

import (
	"strings"
	"testing"
	"time"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.

	"github.com/tidal-forecast/tidal/bench/benchenv"
	"github.com/tidal-forecast/tidal/bench/convbench"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/nn"
)

// TestRunTinyCase runs the benchmark on a tiny case and checks that its figures are consistent: the
// video network's FLOPs, a positive step and matmul time, floor = FLOPs / rate, and the table.
func TestRunTinyCase(t *testing.T) {
	c := Case{Batch: 1, Frames: 4, Size: 16, Channels: 8}
	res, err := Run(tensortest.Backend(t), Options{Cases: []Case{c}, MinTime: time.Millisecond, MinSteps: 2, Warmup: 1, UNet: true})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if r.FLOPs.Training <= 2*r.FLOPs.Forward || r.Step <= 0 || r.MatMul <= 0 {
		t.Fatalf("implausible result %+v", r)
	}
	floor := r.FLOPs.Training / (r.MatMulFLOPs / r.MatMul.Seconds())
	if d := r.Floor().Seconds() - floor; d > 1e-9 || d < -1e-9 {
		t.Errorf("floor %v, want %g s", r.Floor(), floor)
	}
	var b strings.Builder
	if err := WriteTable(&b, res); err != nil {
		t.Fatal(err)
	}
	if r.StepCPU <= 0 || r.MatMulCPU <= 0 || !(r.CPURatio() > 0) {
		t.Errorf("CPU times %v, %v, ratio %g", r.StepCPU, r.MatMulCPU, r.CPURatio())
	}
	if r.UNet == nil || r.UNet.Step <= 0 || r.UNet.FLOPs.Training >= r.FLOPs.Training || !(r.UNetRatio() > 0) {
		t.Errorf("2D control %+v: expected a positive time and fewer FLOPs than the video network's %g", r.UNet, r.FLOPs.Training)
	}
	for _, want := range []string{"1×4×16²×8", "time/floor", "cpu/floor", "2D UNet"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if _, err := Run(tensortest.Backend(t), Options{Cases: []Case{{Batch: 1, Frames: 0, Size: 16, Channels: 8}}}); err == nil {
		t.Error("0 frames were accepted")
	}
}

// BenchmarkVideoStep times one training step of the benchmark network on 2 windows of 8 frames,
// 32², 32 base channels: go test -run '^$' -bench VideoStep ./bench/videobench
func BenchmarkVideoStep(b *testing.B) {
	c := Case{Batch: 2, Frames: 8, Size: 32, Channels: 32}
	v, err := nets.NewVideo(Config(c.Channels))
	if err != nil {
		b.Fatal(err)
	}
	step, err := NewStep(tensortest.Backend(b), v, c)
	if err != nil {
		b.Fatal(err)
	}
	defer step.Finalize()
	for range 2 {
		if _, err := step.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := step.Run(); err != nil {
			b.Fatal(err)
		}
	}
	f := v.FLOPs(c.Batch, c.Frames, c.Size, c.Size).Training
	b.ReportMetric(f*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkLayers times forward + backward (input and kernel gradients of Σ out·r) of the temporal
// convolution (3 taps) and of the 3×3 spatial convolution on the same 16 frames of 32² with 32
// channels in and out, reporting GFLOP/s of each (3·2·N·S·K·C² FLOPs for K taps) in wall and in
// process CPU time: go test -run '^$' -bench Layers ./bench/videobench
func BenchmarkLayers(b *testing.B) {
	const N, C, S, F = 16, 32, 32, 8
	for _, layer := range []struct {
		name string
		taps int
		fn   func(x, k *Node) *Node
		kdim []int
	}{
		{"temporal3", 3, func(x, k *Node) *Node { return nn.TemporalConv(x, k, F) }, []int{C, 3, C}},
		{"conv3x3", 9, func(x, k *Node) *Node { return nn.Conv2D(x, k, nn.ConvOptions{}) }, []int{C, 3, 3, C}},
	} {
		b.Run(layer.name, func(b *testing.B) {
			exec, err := NewExec(tensortest.Backend(b), func(x, k, r *Node) []*Node {
				out := layer.fn(x, k)
				return Gradient(ReduceAllSum(Mul(out, r)), x, k)
			})
			if err != nil {
				b.Fatal(err)
			}
			defer exec.Finalize()
			x, k, r := convbench.Tensor(1, N, C, S, S), convbench.Tensor(2, layer.kdim...), convbench.Tensor(3, N, C, S, S)
			call := func() {
				outs, err := exec.Call(x, k, r)
				if err != nil {
					b.Fatal(err)
				}
				for _, o := range outs {
					o.FinalizeAll()
				}
			}
			call()
			c0 := benchenv.CPUTime()
			b.ResetTimer()
			for b.Loop() {
				call()
			}
			flops := 3 * 2 * float64(N*S*S*layer.taps*C*C) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(flops/(benchenv.CPUTime()-c0).Seconds()/1e9, "GFLOP/cpu-s")
		})
	}
}
