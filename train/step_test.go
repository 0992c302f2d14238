package train

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// linearData is example j of a regression stream: x_j = (sin j, cos 2j, ½), y_j = (x_j·a, 1 − x_j·a)
// with a = (1, −2, 3).
type linearData struct{}

func linearExample(j int) (x [3]float64, y [2]float64) {
	x = [3]float64{math.Sin(float64(j)), math.Cos(2 * float64(j)), 0.5}
	d := x[0] - 2*x[1] + 3*x[2]
	return x, [2]float64{d, 1 - d}
}

func (linearData) Batch(i, n int) ([]*tensors.Tensor, error) {
	xs, ys := make([]float32, 0, 3*n), make([]float32, 0, 2*n)
	for b := range n {
		x, y := linearExample(i*n + b)
		for _, v := range x {
			xs = append(xs, float32(v))
		}
		for _, v := range y {
			ys = append(ys, float32(v))
		}
	}
	return []*tensors.Tensor{tensors.FromFlatDataAndDimensions(xs, n, 3), tensors.FromFlatDataAndDimensions(ys, n, 2)}, nil
}

var w0 = [3][2]float64{{0.3, -0.1}, {0.2, 0.4}, {-0.5, 0.1}}
var b0 = [2]float64{0.1, -0.2}

// linearLoss is mean((x·W + b − y)²) with W [3, 2] (decayed) and b [2] (not decayed).
func linearLoss(scope *model.Scope, batch []*graph.Node) *graph.Node {
	g := batch[0].Graph()
	wv := make([][]float32, 3)
	for i := range wv {
		wv[i] = []float32{float32(w0[i][0]), float32(w0[i][1])}
	}
	w := scope.VariableWithValue("w", wv).NodeValue(g)
	b := scope.VariableWithValue("b", []float32{float32(b0[0]), float32(b0[1])}).NodeValue(g)
	pred := graph.Add(graph.MatMul(batch[0], w), graph.ExpandAxes(b, 0))
	return graph.ReduceAllMean(graph.Square(graph.Sub(pred, batch[1])))
}

// hostAdamW is the same training in float64 on the host, written from PyTorch's AdamW and EDM's EMA.
type hostState struct {
	p, m, v, ema [8]float64 // W row-major (6), then b (2)
}

func hostTrain(o Options) (hostState, []float64, []float64) {
	var s hostState
	for i := range 3 {
		s.p[2*i], s.p[2*i+1] = w0[i][0], w0[i][1]
	}
	s.p[6], s.p[7] = b0[0], b0[1]
	s.ema = s.p
	var losses, norms []float64
	for st := 1; st <= o.Steps; st++ {
		var grad [8]float64
		loss := 0.0
		n := o.BatchSize
		for k := range n {
			x, y := linearExample((st-1)*n + k)
			for c := range 2 {
				r := x[0]*s.p[c] + x[1]*s.p[2+c] + x[2]*s.p[4+c] + s.p[6+c] - y[c]
				loss += r * r / float64(2*n)
				for i := range 3 {
					grad[2*i+c] += 2 * r * x[i] / float64(2*n)
				}
				grad[6+c] += 2 * r / float64(2*n)
			}
		}
		norm := 0.0
		for _, g := range grad {
			norm += g * g
		}
		norm = math.Sqrt(norm)
		if o.ClipNorm > 0 {
			c := math.Min(1, o.ClipNorm/(norm+1e-6))
			for i := range grad {
				grad[i] *= c
			}
		}
		lr := o.LearningRate(st)
		for i := range grad {
			if i < 6 || o.DecayAll {
				s.p[i] *= 1 - lr*o.WeightDecay
			}
			s.m[i] = o.Beta1*s.m[i] + (1-o.Beta1)*grad[i]
			s.v[i] = o.Beta2*s.v[i] + (1-o.Beta2)*grad[i]*grad[i]
			mh := s.m[i] / (1 - math.Pow(o.Beta1, float64(st)))
			vh := s.v[i] / (1 - math.Pow(o.Beta2, float64(st)))
			s.p[i] -= lr * mh / (math.Sqrt(vh) + o.Eps)
			beta := o.EMABeta(st)
			s.ema[i] = s.p[i] + beta*(s.ema[i]-s.p[i])
		}
		losses, norms = append(losses, loss), append(norms, norm)
	}
	return s, losses, norms
}

func linearOptions() Options {
	o := Defaults()
	o.Steps, o.BatchSize, o.LR, o.WarmupSteps, o.Schedule, o.MinLR = 6, 4, 0.05, 2, "cosine", 0.005
	o.WeightDecay, o.ClipNorm = 0.1, 2.2
	o.EMAHalfLife, o.EMARampUp = 8, 0
	o.LogEvery, o.CheckpointEvery = 1, 3
	return o
}

func runLinear(t *testing.T, o Options) (map[string][]float64, []Stat) {
	t.Helper()
	dir := t.TempDir()
	job := Job{Dir: dir, Options: o, Backend: tensortest.Backend(t), Loss: linearLoss, Train: linearData{}}
	if _, err := Run(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	_, ts, err := latestGood(filepath.Join(dir, checkpointsDir), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float64{}
	for _, x := range ts {
		if x.T.DType().IsFloat() {
			out[x.Name] = tensortest.Float64s(x.T)
		}
	}
	stats, _ := ReadStats(dir)
	return out, stats
}

// The compiled step (clipping, warm-up and cosine rate, AdamW without decay on the bias, EMA from the
// initial weights) agrees with the float64 host transcription of PyTorch's AdamW and EDM's EMA.
func TestStepMatchesHostAdamW(t *testing.T) {
	o := linearOptions()
	got, stats := runLinear(t, o)
	want, losses, norms := hostTrain(o)
	clipped := 0
	for i, s := range stats {
		if !tensortest.CloseRel(s.Loss, losses[i], 1e-5) || !tensortest.CloseRel(s.GradNorm, norms[i], 1e-5) {
			t.Errorf("step %d: loss %v grad_norm %v, host %v %v", s.Step, s.Loss, s.GradNorm, losses[i], norms[i])
		}
		if norms[i] > o.ClipNorm {
			clipped++
		}
	}
	if clipped == 0 || clipped == len(norms) {
		t.Fatalf("clipping active on %d of %d steps (norms %v): the test should see both", clipped, len(norms), norms)
	}
	check := func(name string, got []float64, want []float64) {
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-5*math.Max(1, math.Abs(want[i])) {
				t.Errorf("%s[%d] = %.7g, host %.7g", name, i, got[i], want[i])
			}
		}
	}
	check("w", got["/w"], want.p[:6])
	check("b", got["/b"], want.p[6:])
	check("m(w)", got[momentM+"/w"], want.m[:6])
	check("v(b)", got[momentV+"/b"], want.v[6:])
	check("ema(w)", got[emaPrefix+"/w"], want.ema[:6])
	check("ema(b)", got[emaPrefix+"/b"], want.ema[6:])
	// Decaying the bias too must change it: the mask is doing something.
	o.DecayAll = true
	all, _, _ := hostTrain(o)
	if math.Abs(all.p[6]-want.p[6]) < 1e-6 {
		t.Fatal("decaying the bias changes nothing at these settings; the test cannot see the mask")
	}
}

// Accumulating the gradients of two half batches gives the step of the whole batch.
func TestAccumulationEqualsFullBatch(t *testing.T) {
	o := linearOptions()
	full, _ := runLinear(t, o)
	o.Accumulate = 2
	acc, stats := runLinear(t, o)
	for name, v := range full {
		for i := range v {
			if math.Abs(acc[name][i]-v[i]) > 1e-6 {
				t.Fatalf("%s[%d]: accumulated %v, full batch %v", name, i, acc[name][i], v[i])
			}
		}
	}
	_, losses, _ := hostTrain(linearOptions())
	if !tensortest.CloseRel(stats[0].Loss, losses[0], 1e-5) {
		t.Errorf("accumulated loss %v, host %v", stats[0].Loss, losses[0])
	}
	if _, ok := acc[accPrefix+"/w"]; ok {
		t.Error("the accumulators were checkpointed")
	}
}

// The preview hook gets a store holding the EMA weights under the network's names and nothing of the
// loop's, can build and run graphs on it, and its scores land in stats.jsonl at its steps.
func TestPreviewSeesEMA(t *testing.T) {
	o := linearOptions()
	o.PreviewEvery = 3
	dir := t.TempDir()
	b := tensortest.Backend(t)
	var calls []int
	preview := func(ema *model.Store, step int) (map[string]float64, error) {
		calls = append(calls, step)
		for v := range ema.IterVariables() {
			if v.Path() != "/w" && v.Path() != "/b" {
				t.Errorf("preview store holds %s", v.Path())
			}
		}
		out, err := model.MustNewExec(b, ema, func(scope *model.Scope, g *graph.Graph) *graph.Node {
			return graph.ReduceAllSum(ema.GetVariable("/w").NodeValue(g))
		}).Call()
		if err != nil {
			return nil, err
		}
		return map[string]float64{"sum_w": tensortest.Float64s(out[0])[0]}, nil
	}
	job := Job{Dir: dir, Options: o, Backend: b, Loss: linearLoss, Train: linearData{}, Preview: preview}
	if _, err := Run(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0] != 3 || calls[1] != 6 {
		t.Fatalf("preview called at %v, want [3 6]", calls)
	}
	want, _, _ := hostTrain(o)
	sum := 0.0
	for _, x := range want.ema[:6] {
		sum += x
	}
	stats, _ := ReadStats(dir)
	got := stats[len(stats)-1].Preview["sum_w"]
	if math.Abs(got-sum) > 1e-5 {
		t.Fatalf("preview of the EMA weights: Σw = %v, host EMA %v", got, sum)
	}
	if stats[0].Preview != nil {
		t.Errorf("step 1 has preview scores %v", stats[0].Preview)
	}
}

// Resuming with a loss that uses a variable the checkpoint lacks is refused, naming it, rather than
// silently initialising it.
func TestResumeRefusesUnknownVariable(t *testing.T) {
	o := linearOptions()
	o.Steps = 3
	dir := t.TempDir()
	job := Job{Dir: dir, Options: o, Backend: tensortest.Backend(t), Loss: linearLoss, Train: linearData{}}
	ctx, cancel := context.WithCancel(context.Background())
	job.Options.Steps = 6
	job.Train = cancelAt{Source: linearData{}, at: 100, cancel: cancel}
	if _, err := Run(ctx, job); err != nil {
		t.Fatal(err)
	}
	cancel()
	// Make step 6 look unfinished by removing it; step 3 remains.
	os.RemoveAll(filepath.Join(dir, checkpointsDir, stepDir(6)))
	job.Loss = func(scope *model.Scope, batch []*graph.Node) *graph.Node {
		c := scope.VariableWithValue("c", float32(1)).NodeValue(batch[0].Graph())
		return graph.Mul(linearLoss(scope, batch), c)
	}
	_, err := Run(context.Background(), job)
	if err == nil || !strings.Contains(err.Error(), `"/c"`) || !strings.Contains(err.Error(), "step 3") {
		t.Fatalf("resume with a new variable: %v", err)
	}
}
