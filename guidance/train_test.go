package guidance

import (
	"testing"
	"time"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/testref/tensortest"
	"github.com/tidal-forecast/tidal/nn"
	"github.com/tidal-forecast/tidal/sim/waves"
)

// wavesSeries returns frames [first, first+count) of a travelling-wave dataset as [count, 1, n, n].
func wavesSeries(o waves.Options, first, count int) *data.Array {
	ws := waves.Draw(o)
	size := o.Channels * o.N * o.N
	v := make([]float32, count*size)
	frame := make([]float64, size)
	for i := range count {
		frame = waves.Frame(ws, o.Channels, o.N, float64(first+i)*o.Dt, frame)
		for j, x := range frame {
			v[i*size+j] = float32(x)
		}
	}
	return data.FromFloat32(v, count, o.Channels, o.N, o.N)
}

// TestTrainingRaisesHeldOutAccuracy trains a small discriminator with AdamW on travelling waves
// (sim/waves, where the time order is learnable: the true next frame continues the motion of xⁿ⁻¹ →
// xⁿ) for a few hundred steps, on random 8×16 crops wrapping around the periodic field, and checks
// the accuracy on held-out later frames (whole fields): at chance before training, and well above
// it after, on the examples whose noise leaves the frames recognisable (σ < 0.3: above 75%) and
// overall (above 60%; 512 held-out examples, so chance stays below 56% with probability 0.997).
func TestTrainingRaisesHeldOutAccuracy(t *testing.T) {
	const steps, pairs = 120, 8
	wo := waves.DefaultOptions()
	wo.N, wo.Seed = 16, 3
	train, held := wavesSeries(wo, 0, 200), wavesSeries(wo, 200, 60)
	d := mustNew(t, Config{FrameChannels: 1, Channels: 16, Mults: []int{1, 2}, Blocks: 1, AttnLevels: []int{},
		Groups: 8, HeadWidth: 64, PadH: nn.Periodic, PadW: nn.Periodic, Branches: 1})
	opt := DefaultExampleOptions()
	opt.CropH, opt.CropW, opt.WrapH, opt.WrapW = 8, 16, true, true
	src, err := NewExamples("train", train, opt, 1)
	if err != nil {
		t.Fatal(err)
	}
	heldOpt := DefaultExampleOptions()
	heldSrc, err := NewExamples("held-out", held, heldOpt, 2)
	if err != nil {
		t.Fatal(err)
	}
	heldBatch, err := heldSrc.Batch(256)
	if err != nil {
		t.Fatal(err)
	}
	b := tensortest.Backend(t)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(4); err != nil {
		t.Fatal(err)
	}
	evaluate := func() (low, all float64) {
		logits, err := Evaluate(b, store, d.Logit, heldBatch, 128)
		if err != nil {
			t.Fatal(err)
		}
		bins, err := AccuracyByNoise(logits, Float64s(heldBatch.Label), Float64s(heldBatch.Sigma), []float64{0.3})
		if err != nil {
			t.Fatal(err)
		}
		total := bins[0].Correct + bins[1].Correct
		return bins[0].Accuracy, float64(total) / float64(heldBatch.Rows)
	}
	low, all := evaluate() // creates the variables
	t.Logf("before training: held-out accuracy %.3f at σ < 0.3, %.3f overall", low, all)
	if all > 0.56 {
		t.Errorf("before training the held-out accuracy is already %.3f", all)
	}
	adamW := optimizer.Adam().LearningRate(2e-3).WeightDecay(1e-4).Done()
	step, err := model.NewExec(b, store, func(scope *model.Scope, in []*Node) *Node {
		scope.SetTraining(in[0].Graph(), true)
		loss := LossFn(d.Logit)(scope, in)
		adamW.UpdateGraph(scope, in[0].Graph(), loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	defer step.Finalize()
	start := time.Now()
	var first, last float64
	for i := range steps {
		batch, err := src.Batch(pairs)
		if err != nil {
			t.Fatal(err)
		}
		outs, err := step.Call(batch.Args()...)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		loss := float64(tensortest.Float64s(outs[0])[0])
		if i == 0 {
			first, last = loss, loss
		}
		last = 0.9*last + 0.1*loss
	}
	low, all = evaluate()
	t.Logf("after %d steps of %d pairs (%.1f s): loss %.3f → %.3f (running mean); held-out accuracy %.3f at σ < 0.3, %.3f overall",
		steps, pairs, time.Since(start).Seconds(), first, last, low, all)
	if low < 0.75 || all < 0.6 {
		t.Errorf("held-out accuracy after training: %.3f at σ < 0.3 (want > 0.75), %.3f overall (want > 0.6)", low, all)
	}
}
