// Package train is tidal's training loop: it minimises a loss the caller supplies (the method packages'
// DyDiff or EDM losses) over batches the caller supplies, with AdamW, a learning-rate warm-up and
// schedule, gradient clipping and accumulation, an EMA of the weights, validation, and a run directory
// that survives being killed at any moment and resumes bit for bit (docs/TRAINING.md). It knows nothing
// of diffusion.
package train

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/dataset"
)

// Source gives batches: the tensors of micro-batch index (0-based, in the order the loop consumes
// them) holding size examples. The result must depend only on (index, size), so that a resumed run
// sees the same data; dataset.Windows is one. The loop releases the tensors after the step, so each
// call must return new ones. Batch is called from a loading goroutine, one call at a time.
type Source interface {
	Batch(index, size int) ([]*tensors.Tensor, error)
}

// PreviewFn is called every Options.PreviewEvery steps with a store holding the EMA weights under the
// network's variable names (and nothing else), for sample previews with the sampling code. The scores
// it returns go into stats.jsonl. It must not keep the store.
type PreviewFn func(ema *model.Store, step int) (map[string]float64, error)

// Job is one training run.
type Job struct {
	// Dir is the run directory, created if needed.
	Dir     string
	Options Options
	// Config is the caller's resolved configuration (network, method, data), JSON-serialisable: it is
	// recorded in options.json, compared on restart, and stored in every snapshot.
	Config any
	// Norm is the data's normalisation, stored in every snapshot (inference maps forecasts back with it).
	Norm    dataset.Norm
	Backend compute.Backend
	Loss    LossFn
	Train   Source
	// Val gives the validation batches 0..ValBatches−1; it is required when Options.ValEvery > 0.
	Val     Source
	Preview PreviewFn
	// Log receives progress: a progress bar when it is a terminal, else plain lines. nil is silent.
	Log io.Writer
	// StartOver replaces a run directory recorded with other options instead of refusing it.
	StartOver bool
}

// Result says how a run ended.
type Result struct {
	// Step is the last step trained (or found, for a finished run); Resumed is the step it resumed from.
	Step    int `json:"step"`
	Resumed int `json:"resumed"`
	// AlreadyFinished is set when the run directory held a finished run and nothing was trained.
	AlreadyFinished bool `json:"already_finished"`
	// StepSeconds is the time spent in the compiled step, LoopSeconds the wall time of the loop, and
	// CheckpointSeconds the time of the Checkpoints checkpoint-and-snapshot writes among them, all from
	// the second step of this process on (the first one compiles).
	StepSeconds       float64 `json:"step_seconds"`
	LoopSeconds       float64 `json:"loop_seconds"`
	CheckpointSeconds float64 `json:"checkpoint_seconds"`
	Checkpoints       int     `json:"checkpoints"`
	// DataSeconds is the time the loading goroutine spent reading batches, over the whole run; it
	// overlaps the steps, so it costs only where cores are short.
	DataSeconds float64 `json:"data_seconds"`
}

// DivergedError is returned when a loss or gradient norm is not finite.
type DivergedError struct {
	Step           int
	Loss, GradNorm float64
	// LastGood is the step of the newest checkpoint, which is kept (0: none written yet).
	LastGood int
}

func (e *DivergedError) Error() string {
	return fmt.Sprintf("training diverged at step %d (loss %v, gradient norm %v): stopped without writing a checkpoint; the last good one is step %d",
		e.Step, e.Loss, e.GradNorm, e.LastGood)
}

// checkpointState is the loop state stored with a resume checkpoint.
type checkpointState struct {
	Step     int     `json:"step"`
	Samples  int     `json:"samples"`
	ElapsedS float64 `json:"elapsed_s"`
}

// snapshotState is the metadata of an inference snapshot.
type snapshotState struct {
	Step   int          `json:"step"`
	Config any          `json:"config,omitempty"`
	Norm   dataset.Norm `json:"norm"`
}

// Run trains job to Options.Steps, resuming the run in job.Dir if there is one. A run recorded with
// other Steps alone is extended (or, unfinished, shortened) to the new total and options.json records
// it; Steps below the steps already trained are refused. GoMLX's panics while
// building or running the step come back as errors.
func Run(ctx context.Context, job Job) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("train: %v", r)
		}
	}()
	o := job.Options
	if err := o.Validate(); err != nil {
		return res, fmt.Errorf("train options: %w", err)
	}
	if job.Backend == nil || job.Loss == nil || job.Train == nil || job.Dir == "" {
		return res, fmt.Errorf("train: a job needs Dir, Backend, Loss and Train")
	}
	if o.ValEvery > 0 && job.Val == nil {
		return res, fmt.Errorf("train options: val_every = %d, but the job has no validation data (Val)", o.ValEvery)
	}
	if o.PreviewEvery > 0 && job.Preview == nil {
		return res, fmt.Errorf("train options: preview_every = %d, but the job has no Preview function", o.PreviewEvery)
	}
	if err := os.MkdirAll(job.Dir, 0o755); err != nil {
		return res, fmt.Errorf("run directory: %w", err)
	}
	unlock, err := lockRun(job.Dir)
	if err != nil {
		return res, err
	}
	defer unlock()
	rec := recorded{Options: o, Config: job.Config}
	if job.Norm.Mean != nil {
		rec.Norm = &job.Norm
	}
	_, extend, err := checkOptions(job.Dir, rec, job.StartOver)
	if err != nil {
		return res, err
	}
	if job.Norm.Mean != nil {
		if err := job.Norm.Save(filepath.Join(job.Dir, normFile)); err != nil {
			return res, err
		}
	}
	l := newLogger(job.Log, o.Steps)
	ckDir := filepath.Join(job.Dir, checkpointsDir)
	cleanTemps(ckDir)
	cleanTemps(filepath.Join(job.Dir, snapshotsDir))
	m, ts, err := latestGood(ckDir, l.printf)
	if err != nil {
		return res, err
	}
	var st checkpointState
	if m != nil {
		if err := json.Unmarshal(m.State, &st); err != nil || st.Step != m.Step || st.Samples != st.Step*o.BatchSize {
			return res, fmt.Errorf("checkpoint step %d: inconsistent state %s", m.Step, m.State)
		}
	}
	if extend {
		if st.Step > o.Steps {
			return res, fmt.Errorf("steps = %d: run %s has trained %d steps; it can be extended (steps ≥ %d) but not shortened (start over to train a new run)",
				o.Steps, job.Dir, st.Step, st.Step)
		}
		if err := recordOptions(job.Dir, rec); err != nil {
			return res, err
		}
	}
	res.Resumed, res.Step = st.Step, st.Step
	if st.Step >= o.Steps {
		l.printf("run %s finished at step %d; nothing to do", job.Dir, st.Step)
		res.AlreadyFinished = true
		return res, nil
	}
	if err := truncateStats(job.Dir, st.Step); err != nil {
		return res, err
	}
	r, err := newRunner(job, l, ts, st)
	if err != nil {
		return res, err
	}
	defer r.close()
	return r.loop(ctx)
}

// runner is a run in progress.
type runner struct {
	job   Job
	o     Options
	l     *logger
	store *model.Store
	step  *stepper
	data  *prefetcher
	stats *statsWriter
	st    checkpointState
	start time.Time
	last  int // newest checkpoint written or resumed from
}

func newRunner(job Job, l *logger, ts []named, st checkpointState) (*runner, error) {
	o := job.Options
	r := &runner{job: job, o: o, l: l, st: st, last: st.Step}
	micro := o.BatchSize / o.Accumulate
	r.data = startPrefetch(job.Train, st.Step*o.Accumulate, o.Steps*o.Accumulate, micro, max(o.Prefetch, 1)*o.Accumulate)
	first, err := r.data.peek()
	if err != nil {
		r.data.stop()
		return nil, err
	}
	if r.store, r.step, err = prepare(job.Backend, job.Loss, o, ts, first); err != nil {
		r.data.stop()
		if ts != nil {
			err = fmt.Errorf("resuming from checkpoint step %d: %w", st.Step, err)
		}
		return nil, err
	}
	if r.stats, err = openStats(job.Dir); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func (r *runner) close() {
	if r.data != nil {
		r.data.stop()
	}
	if r.step != nil {
		r.step.finalize()
	}
	if r.stats != nil {
		_ = r.stats.close()
	}
	if r.store != nil {
		r.store.Finalize()
	}
}

// loop runs the remaining steps.
func (r *runner) loop(ctx context.Context) (Result, error) {
	o := r.o
	res := Result{Resumed: r.st.Step, Step: r.st.Step}
	r.start = time.Now()
	elapsed0 := r.st.ElapsedS
	var sum float64
	var n int
	lastLog, lastStep := time.Now(), r.st.Step
	var loopStart time.Time
	first := r.st.Step + 1
	for s := first; s <= o.Steps; s++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if s == first+1 {
			loopStart = time.Now()
		}
		micro, err := r.data.next(o.Accumulate)
		if err != nil {
			return res, err
		}
		t0 := time.Now()
		loss, gnorm, err := r.step.run(s, micro)
		if s > first {
			res.StepSeconds += time.Since(t0).Seconds()
		}
		for _, mb := range micro {
			for _, t := range mb {
				t.FinalizeAll()
			}
		}
		if err != nil {
			return res, fmt.Errorf("step %d: %w", s, err)
		}
		if !finite(loss) || !finite(gnorm) {
			return res, &DivergedError{Step: s, Loss: loss, GradNorm: gnorm, LastGood: r.last}
		}
		res.Step = s
		sum += loss
		n++
		r.l.step(s, loss)
		if s%o.LogEvery != 0 && s != o.Steps {
			continue
		}
		now := time.Now()
		stat := Stat{Step: s, Samples: s * o.BatchSize, Loss: sum / float64(n), LR: o.LearningRate(s), GradNorm: gnorm,
			StepsPerS: float64(s-lastStep) / now.Sub(lastLog).Seconds(), ElapsedS: elapsed0 + now.Sub(r.start).Seconds()}
		sum, n, lastLog, lastStep = 0, 0, now, s
		if err := r.evaluate(s, &stat); err != nil {
			return res, err
		}
		if err := r.stats.add(stat); err != nil {
			return res, err
		}
		r.l.line(stat)
		if s%o.CheckpointEvery == 0 || s == o.Steps {
			r.st = checkpointState{Step: s, Samples: s * o.BatchSize, ElapsedS: stat.ElapsedS}
			t0 := time.Now()
			if err := r.save(); err != nil {
				return res, err
			}
			if s > first {
				res.CheckpointSeconds += time.Since(t0).Seconds()
				res.Checkpoints++
			}
		}
	}
	if !loopStart.IsZero() {
		res.LoopSeconds = time.Since(loopStart).Seconds()
	}
	res.DataSeconds = time.Duration(r.data.busy.Load()).Seconds()
	r.l.done()
	return res, nil
}

// evaluate adds the validation loss and preview scores due at step s.
func (r *runner) evaluate(s int, stat *Stat) error {
	o := r.o
	doVal := o.ValEvery > 0 && s%o.ValEvery == 0
	doPreview := o.PreviewEvery > 0 && s%o.PreviewEvery == 0
	if !doVal && !doPreview {
		return nil
	}
	ema, err := r.emaStore()
	if err != nil {
		return err
	}
	defer ema.Finalize()
	if doVal {
		v, err := validate(r.job, ema)
		if err != nil {
			return fmt.Errorf("validation at step %d: %w", s, err)
		}
		stat.ValLoss = &v
	}
	if doPreview {
		scores, err := r.job.Preview(ema, s)
		if err != nil {
			return fmt.Errorf("preview at step %d: %w", s, err)
		}
		stat.Preview = scores
	}
	return nil
}

// save writes the resume checkpoint and the snapshot of the current step, then prunes old ones. The
// stats lines it covers are made durable first.
func (r *runner) save() error {
	if err := r.stats.sync(); err != nil {
		return err
	}
	var ts []named
	for v := range r.store.IterVariables() {
		if len(v.Path()) >= len(accPrefix) && v.Path()[:len(accPrefix)] == accPrefix {
			continue // Zero between steps.
		}
		ts = append(ts, named{Name: v.Path(), Trainable: v.Trainable, T: v.MustValue()})
	}
	ck := filepath.Join(r.job.Dir, checkpointsDir)
	if _, err := writeCheckpoint(ck, "resume", r.st.Step, r.st, ts); err != nil {
		return fmt.Errorf("checkpoint at step %d: %w", r.st.Step, err)
	}
	var es []named
	for _, p := range r.step.params {
		es = append(es, named{Name: p.w.Path(), T: p.ema.MustValue()})
	}
	sn := filepath.Join(r.job.Dir, snapshotsDir)
	meta := snapshotState{Step: r.st.Step, Config: r.job.Config, Norm: r.job.Norm}
	if _, err := writeCheckpoint(sn, "snapshot", r.st.Step, meta, es); err != nil {
		return fmt.Errorf("snapshot at step %d: %w", r.st.Step, err)
	}
	r.last = r.st.Step
	if err := prune(ck, r.o.Keep); err != nil {
		return err
	}
	return prune(sn, r.o.KeepSnapshots)
}

// emaStore is a fresh store with the EMA weights under the network's names.
func (r *runner) emaStore() (*model.Store, error) {
	s := model.NewStore()
	for _, p := range r.step.params {
		c, err := cloneTensor(p.ema.MustValue())
		if err != nil {
			return nil, err
		}
		if _, err := s.CreateVariable(p.w.Path(), c); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// validate is the mean loss of the EMA weights over validation batches 0..ValBatches−1, with the
// graph in inference mode and the store's random stream seeded alike every time, so values at
// different steps compare. The executable is built anew each time: the Go backend bakes the weights
// of a non-training graph into it as constants (docs/TRAINING.md).
func validate(job Job, ema *model.Store) (float64, error) {
	o := job.Options
	if err := ema.SetRNGStateFromSeed(o.Seed + 1); err != nil {
		return 0, err
	}
	exec, err := model.NewExec(job.Backend, ema, func(scope *model.Scope, batch []*graph.Node) *graph.Node {
		scope.SetTraining(batch[0].Graph(), false)
		return job.Loss(scope, batch)
	})
	if err != nil {
		return 0, err
	}
	defer exec.Finalize()
	total := 0.0
	for i := range o.ValBatches {
		b, err := job.Val.Batch(i, o.BatchSize/o.Accumulate)
		if err != nil {
			return 0, err
		}
		args := make([]any, len(b))
		for j, t := range b {
			args[j] = t
		}
		outs, err := exec.Call(args...)
		for _, t := range b {
			t.FinalizeAll()
		}
		if err != nil {
			return 0, err
		}
		total += scalar(outs[0])
	}
	return total / float64(o.ValBatches), nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// cloneTensor copies t into a new host tensor.
func cloneTensor(t *tensors.Tensor) (*tensors.Tensor, error) {
	c := tensors.FromShape(t.Shape())
	var inner error
	err := t.ConstBytes(func(src []byte) {
		inner = c.MutableBytes(func(dst []byte) { copy(dst, src) })
	})
	if err == nil {
		err = inner
	}
	return c, err
}
