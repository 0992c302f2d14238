package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tidal-forecast/tidal/guard"
)

// Runner runs one stage: the tidal command named by its command words (e.g. "train dydiff") with the
// flags args, its results printed to w.
type Runner func(ctx context.Context, words string, args []string, w io.Writer) error

// Run runs the demo of o (checked by Options.Check) within the budget b: it refuses the grids that
// Options.CheckGrid refuses, checks the memory and disk, creates Out and its Folders, then runs each of
// Stages(o) in order through run, except those whose outputs all exist, printing a line per stage to
// w. Each long rollout is squeezed for `tidal score rollout` (SqueezeRollout), and the report stage
// gets the seed and the stages' times as --meta (MetaArgs). A stage's error is returned as "demo stage NAME: …".
func Run(ctx context.Context, o Options, b guard.Budget, w io.Writer, run Runner) error {
	if err := o.CheckGrid(); err != nil {
		return err
	}
	if err := o.CheckMemory(b); err != nil {
		return err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", o.Out, err)
	}
	if err := o.CheckDisk(b); err != nil {
		return err
	}
	for _, d := range Folders {
		if err := os.MkdirAll(filepath.Join(o.Out, d), 0o755); err != nil {
			return fmt.Errorf("--out %s: %w", o.Out, err)
		}
	}
	start := time.Now()
	meta := map[string]string{"seed": strconv.FormatUint(o.Seed, 10), "quick": strconv.FormatBool(o.Quick)}
	for _, st := range Stages(o) {
		if st.Name == "report" {
			st.Args = append(st.Args, MetaArgs(meta)...)
		}
		took, reused, err := runStage(ctx, w, st, run)
		if err != nil {
			return fmt.Errorf("demo stage %s: %w", st.Name, err)
		}
		meta["time."+st.Name] = fmt.Sprintf("%.1f s", took.Seconds())
		if reused {
			meta["time."+st.Name] = "reused"
		}
		if strings.HasPrefix(st.Name, "rollout ") {
			if _, err := os.Stat(Squeezed(st.Outputs[0])); err != nil {
				if err := SqueezeRollout(st.Outputs[0], b); err != nil {
					return err
				}
			}
		}
	}
	fmt.Fprintf(w, "\ntidal demo: finished in %.0f s; open %s\n", time.Since(start).Seconds(), filepath.Join(o.Out, "report", "report.html"))
	return nil
}

// runStage runs st through run unless all its outputs exist (then it reports reused).
func runStage(ctx context.Context, w io.Writer, st Stage, run Runner) (time.Duration, bool, error) {
	if len(st.Outputs) > 0 {
		all := true
		for _, p := range st.Outputs {
			if _, err := os.Stat(p); err != nil {
				all = false
			}
		}
		if all {
			fmt.Fprintf(w, "== %s: reused (%s exists)\n", st.Name, st.Outputs[0])
			return 0, true, nil
		}
	}
	fmt.Fprintf(w, "== %s: tidal %s\n", st.Name, strings.Join(st.Args, " "))
	k := st.CommandWords()
	t0 := time.Now()
	err := run(ctx, strings.Join(st.Args[:k], " "), st.Args[k:], w)
	return time.Since(t0), false, err
}
