package demo

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
)

// TestRunOrdersReusesAndSqueezes runs the demo's stages through a stand-in runner that writes only the
// long rollouts: every stage runs once in the order of Stages, the rollouts are squeezed, the report
// stage gets the seed and the stages' times, and a second run reuses the finished rollouts.
func TestRunOrdersReusesAndSqueezes(t *testing.T) {
	o := Options{Out: filepath.Join(t.TempDir(), "demo"), Seed: 7, Size: 16, Frames: 300, Spinup: 10, Steps: 2, Batch: 2, Width: 4,
		Members: 2, Cases: 2, Lead: 2, Sampling: 2, Rollouts: 10, Lambda: 1, DiscSteps: 2, DiscBatch: 2, DiscPStd: 1}
	b := guard.Budget{Memory: 1 << 30, Disk: 1 << 40}
	var calls []string
	var reportArgs []string
	run := func(ctx context.Context, words string, args []string, w io.Writer) error {
		calls = append(calls, words)
		if words == "report" {
			reportArgs = args
		}
		if words == "rollout" {
			out := args[slices.Index(args, "--out")+1]
			return data.WriteNPY(out, data.FromFloat32(make([]float32, 3*2*1*4*4), 3, 2, 1, 4, 4))
		}
		return nil
	}
	var log strings.Builder
	if err := Run(context.Background(), o, b, &log, run); err != nil {
		t.Fatal(err)
	}
	stages := Stages(o)
	if len(calls) != len(stages) {
		t.Fatalf("%d stages run, want %d", len(calls), len(stages))
	}
	rollouts := 0
	for i, st := range stages {
		if want := strings.Join(st.Args[:st.CommandWords()], " "); calls[i] != want {
			t.Errorf("stage %d ran %q, want %q", i, calls[i], want)
		}
		if strings.HasPrefix(st.Name, "rollout ") {
			rollouts++
			a, err := data.ReadNPY(Squeezed(st.Outputs[0]))
			if err != nil || !slices.Equal(a.Shape, []int{3, 1, 4, 4}) {
				t.Errorf("squeezed %s: %v %v", st.Name, a, err)
			}
		}
	}
	if rollouts == 0 || !slices.Contains(reportArgs, "seed=7") || !slices.Contains(reportArgs, "quick=false") {
		t.Errorf("%d rollouts; report args %v lack the seed and quick", rollouts, reportArgs)
	}
	calls, log = nil, strings.Builder{}
	if err := Run(context.Background(), o, b, &log, run); err != nil {
		t.Fatal(err)
	}
	if len(calls) != len(stages)-rollouts || strings.Count(log.String(), ": reused (") != rollouts {
		t.Errorf("second run: %d calls, log\n%s\nwant %d calls and %d reused", len(calls), log.String(), len(stages)-rollouts, rollouts)
	}
	if !slices.Contains(reportArgs, "time.rollout guided=reused") {
		t.Errorf("report args %v: want the reused rollout's time", reportArgs)
	}
	boom := errors.New("boom")
	err := Run(context.Background(), o, b, io.Discard, func(context.Context, string, []string, io.Writer) error { return boom })
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "demo stage "+stages[0].Name+": ") {
		t.Errorf("a failing stage gave %v", err)
	}
	if err := Run(context.Background(), o, guard.Budget{Memory: 1, Disk: 1 << 40}, io.Discard, run); err == nil {
		t.Error("a memory budget of 1 byte was accepted")
	}
	if _, err := os.Stat(filepath.Join(o.Out, "runs")); err != nil {
		t.Error(err)
	}
}
