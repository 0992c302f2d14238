package report

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/metrics"
)

// BuildOptions are the settings of a report folder as `tidal report` takes them (docs/REPORT.md); the
// errors of Check and Build name each setting by its flag there (--case, --label, …).
type BuildOptions struct {
	// Out is the report folder; Paths are the inputs (run folders, score and rollout JSON, forecast NPY).
	Out   string
	Paths []string
	// Truth is the truth NPY of the forecast inputs; DataSidecar the data's metadata JSON ("": none).
	Truth, DataSidecar string
	// Title heads the page; References are the labels of the reference scores, ScorecardReference
	// the one the scorecard's skill is against.
	Title              string
	References         []string
	ScorecardReference string
	// Labels are PATH=NAME entries naming inputs, Meta KEY=VALUE entries of the provenance table, which
	// also lists Version and Backend (Provenance).
	Labels, Meta     []string
	Version, Backend string
	// Case, Channel and Members choose the forecasts' animation, Delay its time per lead (1/100 s).
	Case, Channel, Members, Delay int
	// CI, CIBlock and Seed are the paired moving-block bootstrap of every score difference.
	CI      float64
	CIBlock int
	Seed    uint64
	// Budget bounds the memory and disk the inputs may take.
	Budget guard.Budget
}

// maxCount bounds counts given on the command line, as tidal's flags do (cli.MaxCount).
const maxCount = 1 << 24

// Check refuses settings out of range, naming the flag.
func (o BuildOptions) Check() error {
	if err := guard.First(
		guard.Int("case", o.Case, 0, maxCount), guard.Int("channel", o.Channel, 0, 1<<16),
		guard.Int("members", o.Members, 1, 1<<10), guard.Int("delay", o.Delay, 1, 1<<16-1),
		guard.Int("ci-block", o.CIBlock, 1, maxCount),
	); err != nil {
		return err
	}
	if !(o.CI > 0 && o.CI < 1) {
		return fmt.Errorf("--ci %g: expected a level in (0, 1), e.g. 0.9", o.CI)
	}
	return nil
}

// Build reads every input of o with its label and writes the report folder o.Out (Write): the loss
// curves, scores with bootstrap intervals, rollout diagnostics and animations, with the provenance.
// It returns the path of the page.
func Build(o BuildOptions) (string, error) {
	if err := o.Check(); err != nil {
		return "", err
	}
	raw, err := KeyValues("--label", o.Labels)
	if err != nil {
		return "", err
	}
	meta, err := KeyValues("--meta", o.Meta)
	if err != nil {
		return "", err
	}
	in := Inputs{Title: o.Title, References: o.References, Meta: Provenance(meta, o.Version, o.Backend),
		Animation: AnimationOptions{Delay: o.Delay}, ScorecardReference: o.ScorecardReference,
		Bootstrap: metrics.BootstrapOptions{Level: o.CI, Block: o.CIBlock, Seed: o.Seed}}
	if o.DataSidecar != "" {
		if in.Data, err = ReadDataInfo(o.DataSidecar); err != nil {
			return "", fmt.Errorf("--data-sidecar: %w", err)
		}
	}
	labels := NewLabels(raw)
	add := AddOptions{Budget: o.Budget, Truth: o.Truth, Forecast: ForecastOptions{Case: o.Case, Channel: o.Channel, Members: o.Members}}
	for _, p := range o.Paths {
		if err := in.Add(p, labels.Of(p), add); err != nil {
			return "", err
		}
	}
	if err := labels.Unused(); err != nil {
		return "", err
	}
	if err := Write(o.Out, in); err != nil {
		return "", err
	}
	return filepath.Join(o.Out, HTMLFile), nil
}

// KeyValues parses KEY=VALUE entries given to the option name (e.g. "--meta"), refusing an entry
// without "=" or with an empty key.
func KeyValues(name string, entries []string) (map[string]string, error) {
	m := map[string]string{}
	for _, a := range entries {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: expected KEY=VALUE", name, a)
		}
		m[k] = v
	}
	return m, nil
}
