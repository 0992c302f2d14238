package stepbench

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tidal-forecast/tidal/dataset"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/train"
)

// fixed is a train.Source that returns the same batch every time, as the bench's step is fed.
type fixed struct {
	c Case
	o Options
}

func (f fixed) Batch(int, int) ([]*tensors.Tensor, error) {
	return []*tensors.Tensor{Batch(f.c, f.o)}, nil
}

// TestBenchStepIsTrainsStep checks that the bench times the step `tidal train` runs: train.Run on the
// bench's batch, with the bench's model and options, logs the same loss and gradient norm at every
// step as the bench's step (train.NewStep) returns, bit for bit, for the UNet, the video UNet, the
// DiT and SeriesNet.
func TestBenchStepIsTrainsStep(t *testing.T) {
	b := tensortest.Backend(t)
	o := Options{Batch: 2, Channels: 8, Seed: 3}
	const steps = 3
	for _, net := range append(Networks, "dit") {
		t.Run(net, func(t *testing.T) {
			c := Case{Net: net, Size: 8}
			m, st, batch, err := NewStep(b, c, o)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Finalize()
			defer batch.FinalizeAll()
			var losses, norms []float64
			for range steps {
				l, g, err := st.Run([]*tensors.Tensor{batch})
				if err != nil {
					t.Fatal(err)
				}
				losses, norms = append(losses, l), append(norms, g)
			}
			mc, _ := ModelConfig(c, o)
			opt := TrainOptions(net, 2, 3)
			opt.Steps, opt.LogEvery, opt.CheckpointEvery = steps, 1, steps
			dir := t.TempDir()
			job := train.Job{Dir: dir, Options: opt, Config: mc, Norm: dataset.Norm{Mean: []float64{0}, Std: []float64{1}},
				Backend: b, Loss: m.Loss, Train: fixed{c, o}}
			if _, err := train.Run(context.Background(), job); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(filepath.Join(dir, "stats.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			i := 0
			for sc.Scan() {
				var rec struct {
					Step     int     `json:"step"`
					Loss     float64 `json:"loss"`
					GradNorm float64 `json:"grad_norm"`
				}
				if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
					t.Fatal(err)
				}
				if rec.Step != i+1 || i >= steps {
					t.Fatalf("stats line %d is step %d", i, rec.Step)
				}
				if float32(rec.Loss) != float32(losses[i]) || float32(rec.GradNorm) != float32(norms[i]) {
					t.Errorf("step %d: train.Run logged loss %v, grad norm %v; the bench's step gave %v, %v",
						i+1, rec.Loss, rec.GradNorm, losses[i], norms[i])
				}
				i++
			}
			if i != steps {
				t.Fatalf("%d stats lines, expected %d", i, steps)
			}
		})
	}
}

// TestMeasure runs the bench on tiny cases and checks its figures.
func TestMeasure(t *testing.T) {
	o := Options{Batch: 2, Channels: 8, MinTime: time.Millisecond, MinSteps: 2, Warmup: 1, Members: 2, SamplingSteps: 2}
	var cases []Case
	for _, n := range Networks {
		cases = append(cases, Case{Net: n, Size: 8})
	}
	res, err := Measure(tensortest.Backend(t), cases, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Params <= 0 || r.Step <= 0 || r.Forecast <= 0 || r.Steps < 3 {
			t.Errorf("%v: %+v", r.Case, r)
		}
		if r.TrainRSS > 0 && r.TrainRSS < r.BaseRSS && r.PeakReset {
			t.Errorf("%v: peak RSS %d below the RSS before the case %d", r.Case, r.TrainRSS, r.BaseRSS)
		}
	}
	if _, err := ModelConfig(Case{Net: "mlp", Size: 8}, o); err == nil {
		t.Error("an unknown network was accepted")
	}
}

// TestParseTorch reads the PyTorch script's output and refuses a comparison of different networks.
func TestParseTorch(t *testing.T) {
	header, res, err := ParseTorch(strings.NewReader("# torch 1.13, cpu, 2 threads\n8 16 32 1000 205.0 -\n8 32 32 1000 800 700.5\n"))
	for i := range res {
		res[i].Net = "unet"
	}
	if err != nil || header != "torch 1.13, cpu, 2 threads" || len(res) != 2 || res[0].Eager != 205*time.Millisecond ||
		res[0].Compiled != 0 || res[1].Compiled != 700500*time.Microsecond {
		t.Fatalf("header %q, %+v, %v", header, res, err)
	}
	if _, _, err := ParseTorch(strings.NewReader("8 16 32\n")); err == nil {
		t.Error("a short line was accepted")
	}
	var b strings.Builder
	tidal := []Result{{Case: Case{"unet", 16}, Params: 999, Step: 100 * time.Millisecond}}
	if err := WriteTorchComparison(&b, tidal, res); err == nil || !strings.Contains(err.Error(), "parameters") {
		t.Errorf("different parameter counts gave %v", err)
	}
	tidal[0].Params = 1000
	b.Reset()
	if err := WriteTorchComparison(&b, tidal, res); err != nil || !strings.Contains(b.String(), "0.49×") {
		t.Errorf("comparison %q, %v", b.String(), err)
	}
}
