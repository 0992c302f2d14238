package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// A run interrupted (between any two steps) and restarted ends with the same stats.jsonl losses and the
// same final weights, moments, EMA and random state, bit for bit, as a run never interrupted.
func TestResumeIsExact(t *testing.T) {
	for _, acc := range []int{1, 2} {
		t.Run(fmt.Sprintf("accumulate=%d", acc), func(t *testing.T) {
			o := tinyOptions(12)
			o.ValEvery, o.Accumulate = 4, acc
			ref := t.TempDir()
			t0 := time.Now()
			if _, err := Run(context.Background(), tinyJob(t, ref, o)); err != nil {
				t.Fatal(err)
			}
			t.Logf("uninterrupted run: %v", time.Since(t0))
			dir := t.TempDir()
			for _, at := range []int{6 * acc, 9 * acc} {
				ctx, cancel := context.WithCancel(context.Background())
				job := tinyJob(t, dir, o)
				job.Train = cancelAt{Source: job.Train, at: at, cancel: cancel}
				_, err := Run(ctx, job)
				cancel()
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("interrupted run: %v", err)
				}
			}
			res, err := Run(context.Background(), tinyJob(t, dir, o))
			if err != nil {
				t.Fatal(err)
			}
			if res.Resumed == 0 {
				t.Fatal("the last run did not resume from a checkpoint")
			}
			compareRuns(t, ref, dir)
		})
	}
}

// A loss that is not a scalar comes back as an error naming the problem, not a panic.
func TestBadLossIsAnError(t *testing.T) {
	job := tinyJob(t, t.TempDir(), tinyOptions(2))
	job.Loss = func(scope *model.Scope, batch []*graph.Node) *graph.Node { return batch[0] }
	if _, err := Run(context.Background(), job); err == nil || !strings.Contains(err.Error(), "float scalar") {
		t.Fatalf("vector loss: %v", err)
	}
}

func compareRuns(t *testing.T, ref, dir string) {
	t.Helper()
	a, _ := ReadStats(ref)
	b, _ := ReadStats(dir)
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("stats: %d lines vs %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Step != b[i].Step || a[i].Loss != b[i].Loss || a[i].GradNorm != b[i].GradNorm || (a[i].ValLoss == nil) != (b[i].ValLoss == nil) ||
			(a[i].ValLoss != nil && *a[i].ValLoss != *b[i].ValLoss) {
			t.Fatalf("stats line %d: %+v vs %+v", i, a[i], b[i])
		}
	}
	ma, ta := finalTensors(t, ref)
	mb, tb := finalTensors(t, dir)
	if ma.Step != mb.Step || len(ta) != len(tb) {
		t.Fatalf("final checkpoints: step %d (%d tensors) vs %d (%d)", ma.Step, len(ta), mb.Step, len(tb))
	}
	for k, v := range ta {
		if !bytes.Equal(v, tb[k]) {
			t.Fatalf("tensor %s differs", k)
		}
	}
}

// A truncated or bit-flipped newest checkpoint is detected by its checksums, skipped with a warning,
// and the run resumes from the previous one, ending exactly like an undisturbed run.
func TestDamagedCheckpointFallsBack(t *testing.T) {
	o := tinyOptions(12)
	ref := t.TempDir()
	if _, err := Run(context.Background(), tinyJob(t, ref, o)); err != nil {
		t.Fatal(err)
	}
	damage := map[string]func(string) error{
		"truncated tensors": func(dir string) error {
			p := filepath.Join(dir, tensorsName)
			st, err := os.Stat(p)
			if err != nil {
				return err
			}
			return os.Truncate(p, st.Size()/2)
		},
		"bit-flipped tensors":  func(dir string) error { return flipBit(filepath.Join(dir, tensorsName), 1000) },
		"bit-flipped manifest": func(dir string) error { return flipBit(filepath.Join(dir, manifestName), 40) },
		"missing sums":         func(dir string) error { return os.Remove(filepath.Join(dir, sumsName)) },
	}
	for name, hurt := range damage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Run(context.Background(), tinyJob(t, dir, o)); err != nil {
				t.Fatal(err)
			}
			if err := hurt(filepath.Join(dir, checkpointsDir, stepDir(12))); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			job := tinyJob(t, dir, o)
			job.Log = &log
			res, err := Run(context.Background(), job)
			if err != nil {
				t.Fatal(err)
			}
			if res.Resumed != 8 || !strings.Contains(log.String(), "skipping damaged checkpoint") {
				t.Fatalf("resumed from %d, log:\n%s", res.Resumed, log.String())
			}
			compareRuns(t, ref, dir)
		})
	}
}

func flipBit(path string, at int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b[at%len(b)] ^= 0x10
	return os.WriteFile(path, b, 0o644)
}

// nanAt is a Source whose micro-batch at holds a NaN.
type nanAt struct {
	Source
	at int
}

func (s nanAt) Batch(i, n int) ([]*tensors.Tensor, error) {
	b, err := s.Source.Batch(i, n)
	if err == nil && i == s.at {
		tensors.MustMutableFlatData(b[0], func(v []float32) { v[3] = float32(math.NaN()) })
	}
	return b, err
}

// A NaN in the data stops the run at that step with a DivergedError; no checkpoint of the diverged
// state is written and the good ones stay, verified.
func TestNaNStopsCleanly(t *testing.T) {
	o := tinyOptions(20)
	dir := t.TempDir()
	job := tinyJob(t, dir, o)
	job.Train = nanAt{Source: job.Train, at: 9} // step 10
	_, err := Run(context.Background(), job)
	var d *DivergedError
	if !errors.As(err, &d) || d.Step != 10 || d.LastGood != 8 {
		t.Fatalf("got %v, want divergence at step 10 with last good checkpoint 8", err)
	}
	steps, _ := listSteps(filepath.Join(dir, checkpointsDir))
	if len(steps) != 2 || steps[0] != 8 || steps[1] != 4 {
		t.Fatalf("checkpoints after divergence: %v, want [8 4]", steps)
	}
	for _, s := range steps {
		if _, _, err := readCheckpoint(filepath.Join(dir, checkpointsDir, stepDir(s))); err != nil {
			t.Fatal(err)
		}
	}
	stats, _ := ReadStats(dir)
	if last := stats[len(stats)-1]; last.Step != 8 {
		t.Fatalf("stats end at step %d, want 8 (nothing logged after the NaN)", last.Step)
	}
}

// A finished run says so and trains nothing; other options are refused with the differences listed,
// unless StartOver, which starts the run again.
func TestRestartSemantics(t *testing.T) {
	o := tinyOptions(4)
	dir := t.TempDir()
	if _, err := Run(context.Background(), tinyJob(t, dir, o)); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	job := tinyJob(t, dir, o)
	job.Log = &log
	res, err := Run(context.Background(), job)
	if err != nil || !res.AlreadyFinished || res.Step != 4 || !strings.Contains(log.String(), "finished at step 4") {
		t.Fatalf("finished run: %+v, %v, log %q", res, err, log.String())
	}
	o2 := o
	o2.LR, o2.WeightDecay = 1e-3, 0
	_, err = Run(context.Background(), tinyJob(t, dir, o2))
	if err == nil || !strings.Contains(err.Error(), "options.lr: 0.002 → 0.001") || !strings.Contains(err.Error(), "options.weight_decay: 0.01 → 0") {
		t.Fatalf("changed options: %v", err)
	}
	job = tinyJob(t, dir, o2)
	job.StartOver = true
	if res, err = Run(context.Background(), job); err != nil || res.Resumed != 0 || res.Step != 4 {
		t.Fatalf("start over: %+v, %v", res, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, optionsFile))
	if !strings.Contains(string(b), `"lr": 0.001`) {
		t.Fatalf("options.json not replaced:\n%s", b)
	}
}

// A finished run given more steps resumes from its last checkpoint and trains to the new total,
// recording it in options.json; fewer steps than it has trained are refused, naming both; a run whose
// options.json records a list option as null accepts the same option given as [] (a run's config.yaml
// writes empty lists as []).
func TestExtendRun(t *testing.T) {
	o := tinyOptions(4)
	dir := t.TempDir()
	if _, err := Run(context.Background(), tinyJob(t, dir, o)); err != nil {
		t.Fatal(err)
	}
	o.Steps = 6
	res, err := Run(context.Background(), tinyJob(t, dir, o))
	if err != nil || res.Resumed != 4 || res.Step != 6 || res.AlreadyFinished {
		t.Fatalf("extended run: %+v, %v", res, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, optionsFile))
	if !strings.Contains(string(b), `"steps": 6`) {
		t.Fatalf("options.json does not record the new steps:\n%s", b)
	}
	o.Steps = 3
	_, err = Run(context.Background(), tinyJob(t, dir, o))
	if err == nil || !strings.Contains(err.Error(), "steps = 3") || !strings.Contains(err.Error(), "trained 6 steps") {
		t.Fatalf("shortened run: %v", err)
	}
	o.Steps = 8
	o.LR = 1e-3
	_, err = Run(context.Background(), tinyJob(t, dir, o))
	if err == nil || !strings.Contains(err.Error(), "options.lr") {
		t.Fatalf("extended run with another learning rate: %v", err)
	}
}

func TestOptionsDiffTakesEmptyListsAsAbsent(t *testing.T) {
	d, err := jsonDiff([]byte(`{"config": {"unet": {"attn_levels": null, "mults": [1, 2]}}}`),
		[]byte(`{"config": {"unet": {"attn_levels": [], "mults": [1, 2]}}}`))
	if err != nil || len(d) != 0 {
		t.Fatalf("null vs []: %v, %v", d, err)
	}
	d, _ = jsonDiff([]byte(`{"a": {}}`), []byte(`{"a": {"levels": []}}`))
	if len(d) != 0 {
		t.Fatalf("absent vs []: %v", d)
	}
	d, _ = jsonDiff([]byte(`{"a": [1]}`), []byte(`{"a": []}`))
	if len(d) != 1 || d[0] != "a: [1] → (absent)" && d[0] != "a: [1] → []" {
		t.Fatalf("[1] vs []: %v", d)
	}
}

// The first user: DyDiff's loss with nets.UNet on `tidal data waves` frames; the training loss falls.
func TestUNetDyDiffLossFalls(t *testing.T) {
	o := tinyOptions(60)
	o.LogEvery, o.CheckpointEvery = 10, 30
	dir := t.TempDir()
	if _, err := Run(context.Background(), tinyJob(t, dir, o)); err != nil {
		t.Fatal(err)
	}
	stats, _ := ReadStats(dir)
	first, last := stats[0].Loss, stats[len(stats)-1].Loss
	t.Logf("loss %.4f → %.4f over %d steps", first, last, o.Steps)
	if !(last < 0.7*first) {
		t.Fatalf("loss went from %v to %v, expected a fall below 70%%", first, last)
	}
}
