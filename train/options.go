package train

import (
	"fmt"
	"math"
)

// Options are the training loop's settings. Every field has an explicit JSON name, so that options.json
// (and a later YAML config) reads like the flags; Resolve fills the defaults, and the resolved value is
// what a run directory records and compares on restart.
type Options struct {
	// Steps is the number of optimiser steps of the whole run.
	Steps int `json:"steps"`
	// BatchSize is the number of examples per optimiser step; with Accumulate > 1 each step averages
	// the gradients of Accumulate micro-batches of BatchSize/Accumulate examples.
	BatchSize  int `json:"batch_size"`
	Accumulate int `json:"accumulate"`

	// LR is the peak learning rate, reached linearly over WarmupSteps (0: from the first step), then
	// kept ("constant") or decayed to MinLR over the remaining steps by a half cosine ("cosine").
	LR          float64 `json:"lr"`
	WarmupSteps int     `json:"warmup_steps"`
	Schedule    string  `json:"lr_schedule"`
	MinLR       float64 `json:"min_lr"`

	// AdamW (Loshchilov & Hutter, decoupled weight decay) with PyTorch's defaults: β₁ 0.9, β₂ 0.999,
	// ε 1e-8, weight decay 0.01. Biases and normalisation scales (variables of rank ≤ 1) are not
	// decayed unless DecayAll.
	Beta1       float64 `json:"beta1"`
	Beta2       float64 `json:"beta2"`
	Eps         float64 `json:"eps"`
	WeightDecay float64 `json:"weight_decay"`
	DecayAll    bool    `json:"decay_biases_and_norms"`

	// ClipNorm, when > 0, rescales the gradients so that their global L2 norm is at most ClipNorm
	// (PyTorch's clip_grad_norm_).
	ClipNorm float64 `json:"clip_grad_norm"`

	// EMAHalfLife is the half-life of the weight average in training examples (EDM's ema_halflife_kimg
	// ×1000); EMARampUp, when > 0, caps it at EMARampUp × examples seen so far (EDM's ema_rampup_ratio).
	EMAHalfLife float64 `json:"ema_halflife_samples"`
	EMARampUp   float64 `json:"ema_rampup_ratio"`

	// LogEvery steps a line goes to stats.jsonl (and the log); ValEvery steps (0: never) the
	// validation loss of the EMA weights over ValBatches batches is added; PreviewEvery steps (0: never)
	// Job.Preview runs. CheckpointEvery steps (a multiple of LogEvery) and at the last step a resume
	// checkpoint and a snapshot are written; the last Keep checkpoints and KeepSnapshots snapshots
	// (0: all) are kept.
	LogEvery        int `json:"log_every"`
	ValEvery        int `json:"val_every"`
	ValBatches      int `json:"val_batches"`
	PreviewEvery    int `json:"preview_every"`
	CheckpointEvery int `json:"checkpoint_every"`
	Keep            int `json:"keep_checkpoints"`
	KeepSnapshots   int `json:"keep_snapshots"`

	// Seed fixes the initial weights and the random stream of the loss.
	Seed int64 `json:"seed"`

	// Prefetch is how many batches are loaded ahead of the compiled step (0 counts as 1).
	Prefetch int `json:"prefetch"`

	// Devices, when > 1, runs the step data-parallel over that many devices of the backend (XLA):
	// variables replicated, the batch split along its first axis (docs/TRAINING.md).
	Devices int `json:"devices"`
}

// Defaults returns the options a run starts from: PyTorch's AdamW, lr 1e-4 constant after no
// warm-up, EDM's EMA (half-life 500k examples, ramp-up 0.05), logs every 10 steps, checkpoints every
// 100, three kept.
func Defaults() Options {
	return Options{
		Steps: 1000, BatchSize: 16, Accumulate: 1,
		LR: 1e-4, Schedule: "constant",
		Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01,
		EMAHalfLife: 500_000, EMARampUp: 0.05,
		LogEvery: 10, ValBatches: 4, CheckpointEvery: 100, Keep: 3,
		Seed: 1, Prefetch: 4, Devices: 1,
	}
}

// Validate names the first option out of range.
func (o Options) Validate() error {
	pos := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) }
	nonneg := func(v float64) bool { return v >= 0 && !math.IsInf(v, 0) }
	switch {
	case o.Steps < 1:
		return fmt.Errorf("steps = %d: expected ≥ 1", o.Steps)
	case o.BatchSize < 1:
		return fmt.Errorf("batch_size = %d: expected ≥ 1", o.BatchSize)
	case o.Accumulate < 1 || o.BatchSize%o.Accumulate != 0:
		return fmt.Errorf("accumulate = %d: expected ≥ 1 and dividing batch_size = %d", o.Accumulate, o.BatchSize)
	case !pos(o.LR):
		return fmt.Errorf("lr = %v: expected a finite number > 0", o.LR)
	case o.WarmupSteps < 0:
		return fmt.Errorf("warmup_steps = %d: expected ≥ 0", o.WarmupSteps)
	case o.Schedule != "constant" && o.Schedule != "cosine":
		return fmt.Errorf("lr_schedule = %q: expected \"constant\" or \"cosine\"", o.Schedule)
	case !nonneg(o.MinLR) || o.MinLR > o.LR:
		return fmt.Errorf("min_lr = %v: expected 0 ≤ min_lr ≤ lr = %v", o.MinLR, o.LR)
	case !(o.Beta1 >= 0 && o.Beta1 < 1) || !(o.Beta2 >= 0 && o.Beta2 < 1):
		return fmt.Errorf("betas = (%v, %v): expected each in [0, 1)", o.Beta1, o.Beta2)
	case !pos(o.Eps):
		return fmt.Errorf("eps = %v: expected a finite number > 0", o.Eps)
	case !nonneg(o.WeightDecay):
		return fmt.Errorf("weight_decay = %v: expected a finite number ≥ 0", o.WeightDecay)
	case !nonneg(o.ClipNorm):
		return fmt.Errorf("clip_grad_norm = %v: expected ≥ 0 (0: no clipping)", o.ClipNorm)
	case !pos(o.EMAHalfLife):
		return fmt.Errorf("ema_halflife_samples = %v: expected a finite number > 0", o.EMAHalfLife)
	case !nonneg(o.EMARampUp):
		return fmt.Errorf("ema_rampup_ratio = %v: expected ≥ 0 (0: no ramp-up)", o.EMARampUp)
	case o.LogEvery < 1:
		return fmt.Errorf("log_every = %d: expected ≥ 1", o.LogEvery)
	case o.ValEvery < 0 || (o.ValEvery > 0 && o.ValBatches < 1):
		return fmt.Errorf("val_every = %d, val_batches = %d: expected val_every ≥ 0 and, when > 0, val_batches ≥ 1", o.ValEvery, o.ValBatches)
	case o.PreviewEvery < 0:
		return fmt.Errorf("preview_every = %d: expected ≥ 0", o.PreviewEvery)
	case o.CheckpointEvery < 1 || o.CheckpointEvery%o.LogEvery != 0:
		return fmt.Errorf("checkpoint_every = %d: expected a positive multiple of log_every = %d", o.CheckpointEvery, o.LogEvery)
	case o.Keep < 1:
		return fmt.Errorf("keep_checkpoints = %d: expected ≥ 1", o.Keep)
	case o.KeepSnapshots < 0:
		return fmt.Errorf("keep_snapshots = %d: expected ≥ 0 (0: all)", o.KeepSnapshots)
	case o.Prefetch < 0:
		return fmt.Errorf("prefetch = %d: expected ≥ 0", o.Prefetch)
	case o.Devices < 1 || o.BatchSize/o.Accumulate%o.Devices != 0:
		return fmt.Errorf("devices = %d: expected ≥ 1 and dividing the micro-batch %d", o.Devices, o.BatchSize/o.Accumulate)
	}
	return nil
}

// LearningRate is the rate of optimiser step s (1-based): s/W·lr during a warm-up of W steps, then lr
// ("constant"), or min_lr + (lr − min_lr)·(1 + cos(π·p))/2 with p the fraction of the steps after
// the warm-up done before step s ("cosine", SGDR of Loshchilov & Hutter without restarts).
func (o Options) LearningRate(s int) float64 {
	if s <= o.WarmupSteps {
		return o.LR * float64(s) / float64(o.WarmupSteps)
	}
	if o.Schedule != "cosine" || o.Steps <= o.WarmupSteps {
		return o.LR
	}
	p := float64(s-1-o.WarmupSteps) / float64(o.Steps-o.WarmupSteps)
	return o.MinLR + (o.LR-o.MinLR)*(1+math.Cos(math.Pi*p))/2
}

// EMABeta is the weight average's decay after optimiser step s (1-based), EDM's training loop
// (Karras et al. 2022, training_loop.py): with n = (s−1)·batch examples seen before the step, the half-life
// h = min(EMAHalfLife, EMARampUp·n) when ramping up, and β = 0.5^(batch/h).
func (o Options) EMABeta(s int) float64 {
	h := o.EMAHalfLife
	if o.EMARampUp > 0 {
		h = math.Min(h, float64((s-1)*o.BatchSize)*o.EMARampUp)
	}
	return math.Pow(0.5, float64(o.BatchSize)/math.Max(h, 1e-8))
}
