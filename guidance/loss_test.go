package guidance

import (
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
)

// TestBCEMatchesHostFormula checks BCE (float32 graph) against the textbook formula
// −y log σ(z) − (1 − y) log(1 − σ(z)) in float64 for |z| ≤ 15, and against its asymptote
// max(z, 0) − y·z for |z| ≥ 40, where the textbook form overflows or loses every digit; and checks
// its gradient, σ(z) − y.
func TestBCEMatchesHostFormula(t *testing.T) {
	var zs, ys []float64
	for _, z := range []float64{-15, -7.5, -2, -0.3, 0, 0.01, 1, 3.7, 15, -40, -100, 40, 300} {
		for _, y := range []float64{0, 1} {
			zs, ys = append(zs, z), append(ys, y)
		}
	}
	n := len(zs)
	outs, err := ExecOnceN(tensortest.Backend(t), func(z, y *Node) []*Node {
		l := BCE(z, y)
		return []*Node{l, Gradient(ReduceAllSum(l), z)[0]}
	}, tensortest.Float32(zs, n), tensortest.Float32(ys, n))
	if err != nil {
		t.Fatal(err)
	}
	got, grad := tensortest.Float64s(outs[0]), tensortest.Float64s(outs[1])
	for i, z := range zs {
		y := ys[i]
		var want float64
		if math.Abs(z) <= 15 {
			s := 1 / (1 + math.Exp(-z))
			want = -y*math.Log(s) - (1-y)*math.Log(1-s)
		} else {
			want = math.Max(z, 0) - y*z
		}
		if math.Abs(got[i]-want) > 1e-6*math.Max(1, want) {
			t.Errorf("BCE(z = %g, y = %g) = %.9g, want %.9g", z, y, got[i], want)
		}
		if g, w := grad[i], 1/(1+math.Exp(-z))-y; math.Abs(g-w) > 1e-6 {
			t.Errorf("dBCE/dz at z = %g, y = %g is %.9g, want σ(z) − y = %.9g", z, y, g, w)
		}
	}
}

// TestLossFnIsTheMeanBCE checks LossFn's plumbing with a stand-in logit f = Σ(candidate)·σ + Σ(cond[1])
// computed on the host too: the loss equals the mean of the host's BCE of those logits, and the
// stand-in sees the batch's inputs in Tensors' order.
func TestLossFnIsTheMeanBCE(t *testing.T) {
	opt := DefaultExampleOptions()
	e, err := NewExamples("coded", codedSeries(8, 1, 4, 4), opt, 5)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Batch(3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b.Candidate { // Logits of order 1.
		b.Candidate[i] *= 1e-6
		b.Cond[1][i] *= -1e-6
	}
	standIn := func(_ *model.Scope, x, sigma *Node, cond []*Node) *Node {
		return Add(Mul(ReduceSum(x, 1, 2, 3), sigma), ReduceSum(cond[1], 1, 2, 3))
	}
	loss, err := model.ExecOnce(tensortest.Backend(t), model.NewStore(), func(scope *model.Scope, in []*Node) *Node {
		return LossFn(standIn)(scope, in)
	}, b.Args()...)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for r := range b.Rows {
		var sx, sc float64
		for i := r * 16; i < (r+1)*16; i++ {
			sx, sc = sx+float64(b.Candidate[i]), sc+float64(b.Cond[1][i])
		}
		want += bceHost(sx*float64(b.Sigma[r])+sc, float64(b.Label[r])) / float64(b.Rows)
	}
	if got := tensors.MustCopyFlatData[float32](loss)[0]; math.Abs(float64(got)-want) > 1e-5*want {
		t.Errorf("LossFn = %.7g, host mean BCE = %.7g", got, want)
	}
}

// TestAccuracyByNoise checks the binning, the accuracy and the per-bin loss on a hand-made set.
func TestAccuracyByNoise(t *testing.T) {
	logits := []float64{2, -1, 0.5, 0.5, -3, 4, 0}
	labels := []float64{1, 0, 0, 1, 1, 1, 0}
	sigmas := []float64{0.05, 0.1, 0.2, 0.5, 0.9, 5, 3}
	bins, err := AccuracyByNoise(logits, labels, sigmas, DefaultNoiseEdges)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		count, correct int
		loss           float64
	}{
		{1, 1, bceHost(2, 1)},
		{2, 1, (bceHost(-1, 0) + bceHost(0.5, 0)) / 2},
		{2, 1, (bceHost(0.5, 1) + bceHost(-3, 1)) / 2},
		{0, 0, 0},
		{2, 2, (bceHost(4, 1) + bceHost(0, 0)) / 2},
	}
	if len(bins) != len(want) {
		t.Fatalf("%d bins, want %d", len(bins), len(want))
	}
	for i, w := range want {
		b := bins[i]
		if b.Count != w.count || b.Correct != w.correct || math.Abs(b.Loss-w.loss) > 1e-12 ||
			(w.count > 0 && b.Accuracy != float64(w.correct)/float64(w.count)) {
			t.Errorf("bin %d [%g, %g): %+v, want count %d, correct %d, loss %g", i, b.Lo, b.Hi, b, w.count, w.correct, w.loss)
		}
	}
	if bceHost(0, 0) != math.Log(2) {
		t.Errorf("BCE(0, 0) = %g, want ln 2", bceHost(0, 0))
	}
	for _, bad := range [][3][]float64{
		{{1}, {2}, {1}},          // label 2
		{{math.NaN()}, {1}, {1}}, // NaN logit
		{{1}, {1}, {0}},          // σ = 0
		{{1, 2}, {1}, {1, 1}},    // one label short
	} {
		if _, err := AccuracyByNoise(bad[0], bad[1], bad[2], nil); err == nil {
			t.Errorf("logits %v, labels %v, σ %v: no error", bad[0], bad[1], bad[2])
		}
	}
	if _, err := AccuracyByNoise(nil, nil, nil, []float64{1, 0.5}); err == nil || !strings.Contains(err.Error(), "increase") {
		t.Errorf("decreasing edges: error %v", err)
	}
}

// TestEvaluateInParts checks that Evaluate gives the same logits of the real network whether the
// batch runs in one call or in parts of 3 rows (the last one shorter), and refuses an empty batch.
func TestEvaluateInParts(t *testing.T) {
	e, err := NewExamples("coded", codedSeries(8, 1, 8, 8), DefaultExampleOptions(), 2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Batch(4)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b.Candidate {
		b.Candidate[i] *= 1e-5
		for _, c := range b.Cond {
			c[i] *= 1e-5
		}
	}
	d := mustNew(t, tinyConfig())
	store := model.NewStore()
	whole, err := Evaluate(tensortest.Backend(t), store, d.Logit, b, 0)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := Evaluate(tensortest.Backend(t), store, d.Logit, b, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole) != b.Rows || tensortest.MaxAbsDiff(whole, parts) > 1e-5*maxAbsOf(whole) || maxAbsOf(whole) == 0 {
		t.Errorf("logits in one call %v, in parts of 3 %v", whole, parts)
	}
	if _, err := Evaluate(tensortest.Backend(t), store, d.Logit, &Batch{}, 0); err == nil {
		t.Errorf("empty batch: no error")
	}
}
