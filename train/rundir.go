package train

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/dataset"
)

// A run directory (docs/TRAINING.md):
//
//	options.json    the resolved loop options and the caller's configuration
//	norm.json       the data's normalisation statistics (also in every snapshot)
//	stats.jsonl     one JSON object per logged step (Stat)
//	checkpoints/    full resume state, the last keep_checkpoints steps
//	snapshots/      inference snapshots: EMA weights, normalisation, network configuration
const (
	optionsFile    = "options.json"
	normFile       = "norm.json"
	statsFile      = "stats.jsonl"
	checkpointsDir = "checkpoints"
	snapshotsDir   = "snapshots"
)

// recorded is options.json.
type recorded struct {
	Options Options       `json:"options"`
	Config  any           `json:"config,omitempty"`
	Norm    *dataset.Norm `json:"norm,omitempty"`
}

// Stat is one line of stats.jsonl: the step, the mean training loss since the previous line, the
// learning rate and the gradient norm (before clipping) of that step, the speed over the interval, the
// training time so far, and when computed the validation loss of the EMA weights and the preview scores.
type Stat struct {
	Step      int                `json:"step"`
	Samples   int                `json:"samples"`
	Loss      float64            `json:"loss"`
	LR        float64            `json:"lr"`
	GradNorm  float64            `json:"grad_norm"`
	StepsPerS float64            `json:"steps_per_s"`
	ElapsedS  float64            `json:"elapsed_s"`
	ValLoss   *float64           `json:"val_loss,omitempty"`
	Preview   map[string]float64 `json:"preview,omitempty"`
}

// ReadStats reads a run's stats.jsonl, skipping a torn last line.
func ReadStats(dir string) ([]Stat, error) {
	b, err := os.ReadFile(filepath.Join(dir, statsFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Stat
	for _, line := range bytes.Split(b, []byte("\n")) {
		var s Stat
		if len(bytes.TrimSpace(line)) == 0 || json.Unmarshal(line, &s) != nil {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// truncateStats rewrites stats.jsonl keeping only the lines of steps ≤ step, so that the file agrees
// with the checkpoint a run resumes from.
func truncateStats(dir string, step int) error {
	p := filepath.Join(dir, statsFile)
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var keep bytes.Buffer
	for _, line := range bytes.Split(b, []byte("\n")) {
		var s Stat
		if len(line) == 0 || json.Unmarshal(line, &s) != nil || s.Step > step {
			continue
		}
		keep.Write(line)
		keep.WriteByte('\n')
	}
	if bytes.Equal(keep.Bytes(), b) {
		return nil
	}
	return atomicfile.WriteFile(p, keep.Bytes())
}

// statsWriter appends lines to stats.jsonl.
type statsWriter struct {
	f *os.File
	w *bufio.Writer
}

func openStats(dir string) (*statsWriter, error) {
	f, err := os.OpenFile(filepath.Join(dir, statsFile), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	return &statsWriter{f: f, w: bufio.NewWriter(f)}, nil
}

// add writes one line and hands it to the OS (a killed process loses nothing written).
func (s *statsWriter) add(st Stat) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	s.w.Write(b)
	s.w.WriteByte('\n')
	return s.w.Flush()
}

// sync makes the lines durable, before a checkpoint that covers them is written.
func (s *statsWriter) sync() error { return s.f.Sync() }

func (s *statsWriter) close() error { return s.f.Close() }

// checkOptions compares rec with the run's options.json: a new run writes it; the same options pass;
// different ones are an error listing every difference, unless startOver, which clears the run. A
// different number of steps alone is an extension (or a shortening) of the run: checkOptions accepts
// it and reports it as extend, and the caller, once it knows the steps done, refuses a shortening
// below them or records the new options with recordOptions.
func checkOptions(dir string, rec recorded, startOver bool) (fresh, extend bool, err error) {
	want, err := marshalRecorded(rec)
	if err != nil {
		return false, false, err
	}
	p := filepath.Join(dir, optionsFile)
	have, err := os.ReadFile(p)
	switch {
	case os.IsNotExist(err):
		return true, false, atomicfile.WriteFile(p, want)
	case err != nil:
		return false, false, err
	}
	diffs, err := jsonDiff(have, want)
	if err != nil {
		return false, false, fmt.Errorf("%s: %w", p, err)
	}
	if len(diffs) == 0 {
		return false, false, nil
	}
	if len(diffs) == 1 && strings.HasPrefix(diffs[0], "options.steps: ") && !startOver {
		return false, true, nil
	}
	if !startOver {
		return false, false, fmt.Errorf("run %s was started with other options (start over to replace it):\n  %s", dir, strings.Join(diffs, "\n  "))
	}
	for _, name := range []string{checkpointsDir, snapshotsDir, statsFile} {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return false, false, err
		}
	}
	return true, false, atomicfile.WriteFile(p, want)
}

// marshalRecorded is options.json's text of rec.
func marshalRecorded(rec recorded) ([]byte, error) {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("options are not JSON-serialisable: %w", err)
	}
	return append(b, '\n'), nil
}

// recordOptions replaces the run's options.json by rec, atomically.
func recordOptions(dir string, rec recorded) error {
	b, err := marshalRecorded(rec)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, optionsFile), b)
}

// jsonDiff lists the fields that differ between two JSON documents as "path: old → new".
func jsonDiff(a, b []byte) ([]string, error) {
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &y); err != nil {
		return nil, err
	}
	var out []string
	diffValues("", x, y, &out)
	return out, nil
}

func diffValues(path string, x, y any, out *[]string) {
	mx, okx := x.(map[string]any)
	my, oky := y.(map[string]any)
	if okx && oky {
		keys := map[string]bool{}
		for k := range mx {
			keys[k] = true
		}
		for k := range my {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := k
			if path != "" {
				p = path + "." + k
			}
			diffValues(p, mx[k], my[k], out)
		}
		return
	}
	if !reflect.DeepEqual(none(x), none(y)) {
		show := func(v any) string {
			if v == nil {
				return "(absent)"
			}
			b, _ := json.Marshal(v)
			return string(b)
		}
		*out = append(*out, fmt.Sprintf("%s: %s → %s", path, show(x), show(y)))
	}
}

// none maps an empty list to nil: a list option recorded as absent, null or [] says the same (no
// levels), and a run's config.yaml, which writes [], must match the run it came from.
func none(v any) any {
	if l, ok := v.([]any); ok && len(l) == 0 {
		return nil
	}
	return v
}

// cleanTemps removes temporary directories a crash left in parent.
func cleanTemps(parent string) {
	des, _ := os.ReadDir(parent)
	for _, d := range des {
		if strings.HasPrefix(d.Name(), ".tmp-") || strings.HasPrefix(d.Name(), ".old-") {
			_ = os.RemoveAll(filepath.Join(parent, d.Name()))
		}
	}
}
