package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tidal-forecast/tidal/metrics"
)

// Stat is one line of a training run's stats.jsonl; fields the report does not draw are ignored.
type Stat struct {
	Step      int      `json:"step"`
	Loss      float64  `json:"loss"`
	LR        float64  `json:"lr"`
	GradNorm  float64  `json:"grad_norm"`
	StepsPerS float64  `json:"steps_per_s"`
	ElapsedS  float64  `json:"elapsed_s"`
	ValLoss   *float64 `json:"val_loss,omitempty"`
	// Preview holds what a run checks now and then; the discriminator's held-out accuracy, overall
	// ("accuracy") and per noise-level bin ("accuracy_sigma_LO_HI", HI "up" for no bound), is drawn.
	Preview map[string]any `json:"preview,omitempty"`
}

// Run is a training run directory: its logged steps and its options.json flattened to key = value.
type Run struct {
	Label, Dir string
	Stats      []Stat
	Options    map[string]string
}

// ReadRun reads dir/stats.jsonl (a torn last line is skipped; any other bad line is an error naming its
// line) and dir/options.json when present.
func ReadRun(dir, label string) (Run, error) {
	r := Run{Label: label, Dir: dir, Options: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(dir, "stats.jsonl"))
	if err != nil {
		return r, fmt.Errorf("run %s: %w", dir, err)
	}
	lines := bytes.Split(b, []byte("\n"))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var s Stat
		if err := json.Unmarshal(line, &s); err != nil {
			if i == len(lines)-1 { // a line being written when the file was read
				break
			}
			return r, fmt.Errorf("run %s: stats.jsonl line %d: %w", dir, i+1, err)
		}
		if math.IsNaN(s.Loss) || s.Step < 0 {
			return r, fmt.Errorf("run %s: stats.jsonl line %d: step %d, loss %g", dir, i+1, s.Step, s.Loss)
		}
		r.Stats = append(r.Stats, s)
	}
	if len(r.Stats) == 0 {
		return r, fmt.Errorf("run %s: stats.jsonl holds no logged step", dir)
	}
	ob, err := os.ReadFile(filepath.Join(dir, "options.json"))
	if os.IsNotExist(err) {
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("run %s: %w", dir, err)
	}
	var v any
	if err := json.Unmarshal(ob, &v); err != nil {
		return r, fmt.Errorf("run %s: options.json: %w", dir, err)
	}
	flatten(r.Options, "", v)
	return r, nil
}

// flatten writes every leaf of a decoded JSON value into m under its dotted path.
func flatten(m map[string]string, prefix string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			flatten(m, join(prefix, k), e)
		}
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			b, _ := json.Marshal(e)
			parts[i] = string(b)
		}
		if len(parts) > 12 { // long series (frame times, ...) shown by their ends
			m[prefix] = fmt.Sprintf("[%d values: %s, %s, …, %s]", len(parts), parts[0], parts[1], parts[len(parts)-1])
			return
		}
		m[prefix] = "[" + strings.Join(parts, ", ") + "]"
	case nil:
		m[prefix] = "null"
	case string:
		m[prefix] = x
	default:
		b, _ := json.Marshal(x)
		m[prefix] = string(b)
	}
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// Score is a `tidal score --json` report of one model or baseline.
type Score struct {
	Label, File string
	metrics.Report
}

// Rollout is a `tidal score rollout --json` report of one model.
type Rollout struct {
	Label, File string
	metrics.RolloutReport
}

// Kind tells what a JSON file holds: "score" (a metrics list), "rollout" (forecast and truth diagnostics)
// or an error naming the file.
func Kind(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return "", fmt.Errorf("%s: not a JSON object: %w", path, err)
	}
	switch {
	case keys["metrics"] != nil:
		return "score", nil
	case keys["forecast"] != nil && keys["truth"] != nil:
		return "rollout", nil
	}
	return "", fmt.Errorf("%s: neither a score report (no \"metrics\") nor a rollout report (no \"forecast\" and \"truth\")", path)
}

// ReadScore reads a `tidal score --json` file and checks that every metric has one value per lead.
func ReadScore(path, label string) (Score, error) {
	s := Score{Label: label, File: path}
	if err := readJSON(path, &s.Report); err != nil {
		return s, err
	}
	if s.Leads < 1 || len(s.Metrics) == 0 {
		return s, fmt.Errorf("score %s: %d leads and %d metrics, want at least one of each", path, s.Leads, len(s.Metrics))
	}
	for _, m := range s.Metrics {
		if len(m.PerLead) != s.Leads && m.Histogram == nil {
			return s, fmt.Errorf("score %s: metric %q has %d per-lead values, the report %d leads", path, m.Name, len(m.PerLead), s.Leads)
		}
	}
	return s, nil
}

// ReadRollout reads a `tidal score rollout --json` file.
func ReadRollout(path, label string) (Rollout, error) {
	r := Rollout{Label: label, File: path}
	if err := readJSON(path, &r.RolloutReport); err != nil {
		return r, err
	}
	if len(r.Forecast.ACF) == 0 || len(r.Truth.ACF) == 0 {
		return r, fmt.Errorf("rollout %s: no ACF: not a `tidal score rollout --json` report", path)
	}
	return r, nil
}

// readJSON decodes path into v; metrics.Value reads JSON null (a NaN when scored) back as NaN.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	k := make([]string, 0, len(m))
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
}

// ReadSidecar reads the metadata tidal writes beside an array, FILE.json for FILE.npy, flattened to
// key = value; nil when there is none or it is a score or rollout report rather than metadata.
func ReadSidecar(npyPath string) (map[string]string, error) {
	p := strings.TrimSuffix(npyPath, filepath.Ext(npyPath)) + ".json"
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if k, _ := Kind(p); k != "" {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("sidecar %s of %s: %w", p, npyPath, err)
	}
	m := map[string]string{}
	flatten(m, "", v)
	return m, nil
}
