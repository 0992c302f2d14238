package guidance

import (
	"fmt"
	"math"
	"slices"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph-building code reads best unqualified, as in GoMLX.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"
)

// BCE is the binary cross-entropy of logits z against labels y (1: the true next frame, 0: a
// negative), element by element, in the log-sigmoid form that neither overflows nor loses precision
// for large |z|:
//
//	−y·log σ(z) − (1 − y)·log(1 − σ(z)) = max(z, 0) − y·z + log(1 + e^(−|z|)).
func BCE(z, y *Node) *Node {
	y = ConvertDType(y, z.DType())
	return Add(Sub(Max(z, ZerosLike(z)), Mul(y, z)), Log1p(Exp(Neg(Abs(z)))))
}

// bceHost is BCE in float64 on the host.
func bceHost(z, y float64) float64 { return math.Max(z, 0) - y*z + math.Log1p(math.Exp(-math.Abs(z))) }

// LossFn returns the discriminator's training loss (Hess et al. 2025, eq. 6) as a graph function of a
// batch in the order of Batch.Tensors (candidate, sigma, label, conditioning frames…): the mean over
// the batch of BCE(logit(candidate; σ, cond), label). Balanced batches (one negative per positive)
// make it the paper's −E[log D(x^{n+1}) + log(1 − D(x^{n+l}))] up to the factor ½.
func LossFn(logit LogitFn) func(scope *model.Scope, batch []*Node) *Node {
	return func(scope *model.Scope, batch []*Node) *Node {
		if len(batch) < 3 {
			exceptions.Panicf("guidance.LossFn: the batch needs candidate, sigma, label and the conditioning frames, got %d inputs", len(batch))
		}
		z := logit(scope, batch[0], batch[1], batch[3:])
		if !slices.Equal(z.Shape().Dimensions, batch[2].Shape().Dimensions) {
			exceptions.Panicf("guidance.LossFn: logits %s and labels %s differ in shape", z.Shape(), batch[2].Shape())
		}
		return ReduceAllMean(BCE(z, batch[2]))
	}
}

// DefaultNoiseEdges are the noise-level bin edges of AccuracyByNoise: σ < 0.1, [0.1, 0.3), [0.3, 1),
// [1, 3), ≥ 3 (the training distribution's median σ is e^(−1.2) ≈ 0.3).
var DefaultNoiseEdges = []float64{0.1, 0.3, 1, 3}

// NoiseBin is the held-out performance of the discriminator on the examples whose σ lies in
// [Lo, Hi).
type NoiseBin struct {
	Lo, Hi float64
	// Count is the number of examples, Correct those classified right (logit > 0 for positives,
	// ≤ 0 for negatives).
	Count, Correct int
	// Accuracy is Correct/Count (0 when Count is 0), Loss the mean binary cross-entropy.
	Accuracy, Loss float64
}

// AccuracyByNoise bins examples by their noise level and returns, per bin, the accuracy and the mean
// binary cross-entropy of the logits against the labels (1 or 0). edges must increase; the first
// bin starts at 0 and the last ends at +∞ (math.Inf(1)).
func AccuracyByNoise(logits, labels, sigmas, edges []float64) ([]NoiseBin, error) {
	if len(labels) != len(logits) || len(sigmas) != len(logits) {
		return nil, fmt.Errorf("guidance: %d logits, %d labels and %d noise levels: expected as many of each", len(logits), len(labels), len(sigmas))
	}
	for i := 1; i < len(edges); i++ {
		if !(edges[i] > edges[i-1]) {
			return nil, fmt.Errorf("guidance: noise bin edges %v must increase", edges)
		}
	}
	bins := make([]NoiseBin, len(edges)+1)
	for i := range bins {
		bins[i].Lo, bins[i].Hi = 0, math.Inf(1)
		if i > 0 {
			bins[i].Lo = edges[i-1]
		}
		if i < len(edges) {
			bins[i].Hi = edges[i]
		}
	}
	for i, z := range logits {
		y, s := labels[i], sigmas[i]
		if (y != 0 && y != 1) || math.IsNaN(z) || !(s > 0) {
			return nil, fmt.Errorf("guidance: example %d has logit %g, label %g, σ %g: expected a number, a label 0 or 1 and σ > 0", i, z, y, s)
		}
		j, _ := slices.BinarySearch(edges, s)
		if j < len(edges) && edges[j] == s {
			j++
		}
		b := &bins[j]
		b.Count++
		if (z > 0) == (y == 1) {
			b.Correct++
		}
		b.Loss += bceHost(z, y)
	}
	for i := range bins {
		if n := bins[i].Count; n > 0 {
			bins[i].Accuracy = float64(bins[i].Correct) / float64(n)
			bins[i].Loss /= float64(n)
		}
	}
	return bins, nil
}

// Evaluate runs logit on the batch, at most rowsPerCall rows per call (all when ≤ 0), with the
// variables of store on backend b, and returns one logit per row. Each call compiles a fresh
// graph, so it sees the store's current weights.
func Evaluate(b compute.Backend, store *model.Store, logit LogitFn, batch *Batch, rowsPerCall int) ([]float64, error) {
	if batch == nil || batch.Rows <= 0 {
		return nil, fmt.Errorf("guidance: Evaluate needs a batch with at least one row")
	}
	if rowsPerCall <= 0 {
		rowsPerCall = batch.Rows
	}
	exec, err := model.NewExec(b, store, func(scope *model.Scope, in []*Node) *Node {
		return logit(scope, in[0], in[1], in[3:])
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	out := make([]float64, 0, batch.Rows)
	for lo := 0; lo < batch.Rows; lo += rowsPerCall {
		part := batch.slice(lo, min(lo+rowsPerCall, batch.Rows))
		res, err := exec.Call(part.Args()...)
		if err != nil {
			return nil, fmt.Errorf("guidance: evaluating rows %d…%d: %w", lo, lo+part.Rows-1, err)
		}
		for _, v := range tensors.MustCopyFlatData[float32](res[0]) {
			out = append(out, float64(v))
		}
		res[0].FinalizeAll()
	}
	return out, nil
}

// slice returns rows [lo, hi) of b, sharing its storage.
func (b *Batch) slice(lo, hi int) *Batch {
	size := b.C * b.H * b.W
	s := &Batch{Rows: hi - lo, C: b.C, H: b.H, W: b.W, Candidate: b.Candidate[lo*size : hi*size],
		Sigma: b.Sigma[lo:hi], Label: b.Label[lo:hi], N: b.N[lo:hi], Offset: b.Offset[lo:hi]}
	for _, c := range b.Cond {
		s.Cond = append(s.Cond, c[lo*size:hi*size])
	}
	return s
}

// Float64s returns v converted to float64 (a batch's Sigma or Label, for AccuracyByNoise).
func Float64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
