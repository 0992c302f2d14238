package netbench

import (
	"testing"
	"time"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/bench/convbench"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/nets"
	"github.com/tidal-forecast/tidal/nn"
)

var goBackend = tensortest.Backend

// BenchmarkTrainStep times one AdamW training step of the benchmark UNet (Config) at batch 16,
// 32², 32 base channels: go test -run '^$' -bench TrainStep ./bench/netbench
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range []Case{{16, 32, 32}} {
		b.Run(c.String(), func(b *testing.B) {
			u, err := nets.New(Config(c.Channels))
			if err != nil {
				b.Fatal(err)
			}
			step, err := UNetTrainStep(goBackend(b), u, c.Batch, c.Size, c.Size)
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
			f := u.FLOPs(c.Batch, c.Size, c.Size).Training
			b.ReportMetric(f*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestBenchTrainStep runs the benchmark on a tiny case and checks that its figures are consistent.
func TestBenchTrainStep(t *testing.T) {
	res, err := Measure(goBackend(t), Options{Cases: []Case{{2, 16, 8}},
		MinTime: time.Millisecond, MinSteps: 2, Warmup: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	u, _ := nets.New(Config(8))
	if r.Params != u.NumParams() || r.FLOPs != u.FLOPs(2, 16, 16) {
		t.Errorf("result %+v does not hold the network's counts", r)
	}
	if r.Step <= 0 || r.MatMul <= 0 || r.Ratio() <= 0 || r.PeakRate <= 0 {
		t.Errorf("times must be positive: %+v", r)
	}
	if want := r.Step.Seconds() * r.Rate() / r.FLOPs.Training; abs(r.Ratio()-want) > 1e-6*want {
		t.Errorf("time/floor %g, want step·rate/FLOPs = %g", r.Ratio(), want)
	}
}

func abs(x float64) float64 { return max(x, -x) }

// TestTrainStepLearns checks that the benchmark's step trains: the loss it returns falls over 20
// AdamW steps on its fixed batch.
func TestTrainStepLearns(t *testing.T) {
	c := Config(8)
	u, _ := nets.New(c)
	step, err := UNetTrainStep(goBackend(t), u, 2, 16, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer step.Finalize()
	loss := func() float32 {
		outs, err := step.Call()
		if err != nil {
			t.Fatal(err)
		}
		return outs[0].Value().(float32)
	}
	first := loss()
	last := first
	for range 20 {
		last = loss()
	}
	if !(last < first) {
		t.Errorf("loss %g after 20 steps, %g at the first", last, first)
	}
	t.Logf("loss %g -> %g", first, last)
}

// TestNewTrainStepTakesAnyNet trains a network that is not a UNet (one convolution of x and the
// conditioning concatenated) with NewTrainStep, toward a target it can fit exactly (x itself): its loss
// falls.
func TestNewTrainStepTakesAnyNet(t *testing.T) {
	net := func(scope *model.Scope, x, _ *Node, cond []*Node) *Node {
		return nn.Conv(scope, nn.ConcatChannels(x, cond[0])).Channels(1).KernelSize(1).Done()
	}
	x := convbench.Tensor(1, 2, 1, 8, 8)
	step, err := NewTrainStep(goBackend(t), net, x, convbench.Tensor(2, 2), convbench.Tensor(3, 2, 2, 8, 8), x)
	if err != nil {
		t.Fatal(err)
	}
	defer step.Finalize()
	var losses []float32
	for range 30 {
		outs, err := step.Call()
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, outs[0].Value().(float32))
		outs[0].FinalizeAll()
	}
	if !(losses[29] < losses[0]) {
		t.Fatalf("loss %g after 30 steps, %g at the first", losses[29], losses[0])
	}
}
