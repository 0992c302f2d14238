package train

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// A run interrupted (between any two steps) and restarted ends with the same stats.jsonl losses and the
// same final weights, moments, EMA and random state, bit for bit, as a run never interrupted.
func TestResumeIsExact(t *testing.T) {
	o := tinyOptions(12)
	o.ValEvery = 4
	ref := t.TempDir()
	t0 := time.Now()
	if _, err := Run(context.Background(), tinyJob(t, ref, o)); err != nil {
		t.Fatal(err)
	}
	t.Logf("uninterrupted run: %v", time.Since(t0))
	dir := t.TempDir()
	for _, at := range []int{6, 9} {
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
