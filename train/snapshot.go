package train

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/gomlx/gomlx/ml/model"

	"github.com/tidal-forecast/tidal/dataset"
)

// Snapshot is an inference snapshot of a run: the EMA weights under the network's variable names, the
// data normalisation, and the caller's configuration as recorded (JSON), at a step.
type Snapshot struct {
	Step   int
	Config json.RawMessage
	Norm   dataset.Norm
	// Store holds the weights; build the network's graphs on Store.RootScope().
	Store *model.Store
}

// LoadSnapshot reads and verifies the snapshot directory dir (run/snapshots/step-NNNNNNNN).
func LoadSnapshot(dir string) (*Snapshot, error) {
	m, ts, err := readCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	if m.Kind != "snapshot" {
		return nil, fmt.Errorf("%s is a %q checkpoint, expected a snapshot", dir, m.Kind)
	}
	return newSnapshot(dir, m, ts)
}

// LatestSnapshot loads the newest snapshot of run directory run that verifies, warning through warn
// (may be nil) about damaged newer ones.
func LatestSnapshot(run string, warn func(string, ...any)) (*Snapshot, error) {
	if warn == nil {
		warn = func(string, ...any) {}
	}
	dir := filepath.Join(run, snapshotsDir)
	m, ts, err := latestGood(dir, warn)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("%s: no valid snapshot", dir)
	}
	return newSnapshot(dir, m, ts)
}

func newSnapshot(dir string, m *manifest, ts []named) (*Snapshot, error) {
	var meta struct {
		Step   int             `json:"step"`
		Config json.RawMessage `json:"config"`
		Norm   dataset.Norm    `json:"norm"`
	}
	if err := json.Unmarshal(m.State, &meta); err != nil {
		return nil, fmt.Errorf("%s: snapshot metadata: %w", dir, err)
	}
	s := &Snapshot{Step: m.Step, Config: meta.Config, Norm: meta.Norm, Store: model.NewStore()}
	for _, t := range ts {
		if _, err := s.Store.CreateVariable(t.Name, t.T); err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
	}
	return s, nil
}
