package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/metrics"
)

// Inputs is everything a report shows.
type Inputs struct {
	Title     string
	Runs      []Run
	Scores    []Score
	Rollouts  []Rollout
	Forecasts []Forecast
	// References are the labels of the scores every other score is compared with ("does worse than");
	// nil picks the labels "persistence" and "climatology" where present.
	References []string
	// Meta is shown in the provenance table: command, versions, backend, seeds, wall times.
	Meta      map[string]string
	Animation AnimationOptions
	// Data is the data's metadata sidecar (channel names and units, time between frames); nil takes it
	// from a forecast's truth sidecar where there is one.
	Data *DataInfo
	// ScorecardReference is the reference of the scorecard's skill; "" picks persistence when scored,
	// else the first reference.
	ScorecardReference string
	// Bootstrap configures the intervals of every score difference (level 0.9 by default; Block > 1
	// where consecutive cases overlap in time).
	Bootstrap metrics.BootstrapOptions
}

// HTMLFile is the name of the page inside a report folder.
const HTMLFile = "report.html"

// Write builds the report into a temporary folder beside dir and renames it to dir when every file is
// written, so a failure leaves nothing. dir must not exist, be empty, or hold an earlier report (which is
// replaced); it may neither equal nor contain any input.
func Write(dir string, in Inputs) error {
	if err := in.check(dir); err != nil {
		return err
	}
	page, figs, err := build(in)
	if err != nil {
		return err
	}
	d, err := atomicfile.CreateDir(dir)
	if err != nil {
		return err
	}
	defer d.Abort()
	for _, f := range figs {
		if err := os.WriteFile(filepath.Join(d.Tmp(), f.File), f.data, 0o644); err != nil {
			return fmt.Errorf("report %s: %w", dir, err)
		}
	}
	if err := os.WriteFile(filepath.Join(d.Tmp(), HTMLFile), page, 0o644); err != nil {
		return fmt.Errorf("report %s: %w", dir, err)
	}
	return d.Commit(isReport)
}

// isReport accepts an existing folder holding only a report's files (report.html, PNG and GIF).
func isReport(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	has := false
	for _, e := range entries {
		n := e.Name()
		switch {
		case n == HTMLFile:
			has = true
		case e.Type().IsRegular() && (strings.HasSuffix(n, ".png") || strings.HasSuffix(n, ".gif")):
		default:
			return fmt.Errorf("it holds %q, which is not part of a report", n)
		}
	}
	if !has {
		return fmt.Errorf("it holds no %s", HTMLFile)
	}
	return nil
}

// check refuses empty inputs, repeated labels and an output folder that equals or contains an input.
func (in Inputs) check(dir string) error {
	if len(in.Runs)+len(in.Scores)+len(in.Rollouts)+len(in.Forecasts) == 0 {
		return fmt.Errorf("report %s: no input (runs, scores, rollouts or forecasts)", dir)
	}
	out, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if r, err := filepath.EvalSymlinks(out); err == nil {
		out = r
	}
	seen := map[string]string{}
	label := func(kind, l, file string) error {
		if l == "" {
			return fmt.Errorf("%s %s has no label", kind, file)
		}
		if prev, ok := seen[kind+"\x00"+l]; ok {
			return fmt.Errorf("%s label %q is given to both %s and %s", kind, l, prev, file)
		}
		seen[kind+"\x00"+l] = file
		return nil
	}
	var paths []string
	for _, r := range in.Runs {
		paths = append(paths, r.Dir)
		if err := label("run", r.Label, r.Dir); err != nil {
			return err
		}
	}
	for _, s := range in.Scores {
		paths = append(paths, s.File)
		if err := label("score", s.Label, s.File); err != nil {
			return err
		}
	}
	for _, r := range in.Rollouts {
		paths = append(paths, r.File)
		if err := label("rollout", r.Label, r.File); err != nil {
			return err
		}
	}
	for _, f := range in.Forecasts {
		paths = append(paths, f.File, f.TruthFile)
		if err := label("forecast", f.Label, f.File); err != nil {
			return err
		}
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		a, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		if r, err := filepath.EvalSymlinks(a); err == nil {
			a = r
		}
		if rel, err := filepath.Rel(out, a); err == nil && (rel == "." || !strings.HasPrefix(rel, "..")) {
			return fmt.Errorf("output folder %s equals or contains the input %s; choose another --out", dir, p)
		}
	}
	return nil
}

// references resolves the reference labels.
func (in Inputs) references() []string {
	if in.References != nil {
		return in.References
	}
	var refs []string
	for _, s := range in.Scores {
		if l := strings.ToLower(s.Label); l == "persistence" || l == "climatology" {
			refs = append(refs, s.Label)
		}
	}
	return refs
}

// build renders every figure and the page.
func build(in Inputs) ([]byte, []figure, error) {
	refs := in.references()
	isRef := map[string]bool{}
	for _, r := range refs {
		isRef[r] = true
	}
	for _, r := range refs {
		found := false
		for _, s := range in.Scores {
			found = found || s.Label == r
		}
		if !found {
			return nil, nil, fmt.Errorf("reference %q is not the label of any score", r)
		}
	}
	col := newColours(in)
	info := in.dataInfo()
	train, err := trainingFigures(in.Runs, col)
	if err != nil {
		return nil, nil, err
	}
	skill, err := skillFigures(in.Scores, isRef, col, info)
	if err != nil {
		return nil, nil, err
	}
	ranks, err := rankFigures(in.Scores, isRef, col)
	if err != nil {
		return nil, nil, err
	}
	skill = append(skill, ranks...)
	roll, err := rolloutFigures(in.Rollouts, col, info)
	if err != nil {
		return nil, nil, err
	}
	anim, err := animationFigures(in.Forecasts, in.Animation, info)
	if err != nil {
		return nil, nil, err
	}
	title := in.Title
	if title == "" {
		title = "tidal report"
	}
	shortfalls := Shortfalls(in.Scores, refs)
	Annotate(shortfalls, in.Scores, in.Bootstrap)
	pg := page{
		Title: title, Generated: time.Now().UTC().Format(time.RFC3339), Meta: pairs(in.Meta),
		References: refs, Shortfalls: shortfalls, Compared: len(in.Scores) > len(refs),
		Training: train, Skill: skill, Rollout: roll, Animations: anim,
		ScoreTables: scoreTables(in.Scores, info), RolloutTable: rolloutTable(in.Rollouts), RunTable: runTable(in.Runs),
		Provenance: provenance(in),
	}
	if h, ok := NewHeadline(in.Scores, refs, in.Bootstrap); ok {
		pg.Headline = h.Sentences(info.leadName)
		pg.Best = h.Best
	}
	if ref := in.scorecardReference(refs); ref != "" {
		sc, err := NewScorecard(in.Scores, ref, in.Bootstrap, info.leadName)
		if err != nil {
			return nil, nil, err
		}
		pg.Scorecard = sc
		if sc != nil {
			for l := 1; l <= sc.Leads; l++ {
				pg.ScorecardLeads = append(pg.ScorecardLeads, info.leadName(l))
			}
		}
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, pg); err != nil {
		return nil, nil, fmt.Errorf("report page: %w", err)
	}
	figs := append(append(append(train, skill...), roll...), anim...)
	return buf.Bytes(), figs, nil
}

// dataInfo is Data, else the sidecar of the first forecast's truth, or of the first score's truth file,
// that records channels or the time between frames; nil when none does.
func (in Inputs) dataInfo() *DataInfo {
	if in.Data != nil {
		return in.Data
	}
	var files []string
	for _, f := range in.Forecasts {
		files = append(files, f.TruthFile, f.File)
	}
	for _, s := range in.Scores {
		files = append(files, s.Settings["truth_file"])
	}
	for _, f := range files {
		if f == "" {
			continue
		}
		p := strings.TrimSuffix(f, filepath.Ext(f)) + ".json"
		if k, _ := Kind(p); k != "" {
			continue
		}
		if d, err := ReadDataInfo(p); err == nil && (d.FrameDT > 0 || len(d.Channels) > 0) {
			return d
		}
	}
	return nil
}

// scorecardReference resolves ScorecardReference.
func (in Inputs) scorecardReference(refs []string) string {
	if in.ScorecardReference != "" {
		return in.ScorecardReference
	}
	for _, r := range refs {
		if strings.ToLower(r) == "persistence" {
			return r
		}
	}
	if len(refs) > 0 {
		return refs[0]
	}
	return ""
}
