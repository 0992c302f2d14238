package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tidal-forecast/tidal/backend"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/metrics"
	"github.com/tidal-forecast/tidal/report"
)

// reportFlags holds the flags of `tidal report`.
type reportFlags struct {
	out, truth, title, dataInfo, scorecardRef string
	ci                                        float64
	ciBlock                                   int
	seed                                      uint64
	labels, meta, references                  []string
	caseIdx, channel, members                 int
	delay                                     int
}

func init() { rootCmd.AddCommand(newReportCmd()) }

func newReportCmd() *cobra.Command {
	var fl reportFlags
	cmd := &cobra.Command{
		Use: "report [--out DIR] INPUT...",
		Example: `  tidal report --out report --truth truth.npy --data-sidecar ns_test.json fc.npy persistence.npy scores.json
  tidal report --out report --label fc.npy=dydiff --meta seed=1 fc.npy runs/dydiff`,
		Short: "Write report.html with loss curves, skill per lead, rollout diagnostics, animations and every number",
		Long: `report gathers tidal's outputs into one folder: DIR/report.html with its PNG plots and GIF animations beside
it (docs/REPORT.md). Each INPUT is one of
  a training run folder       (holds stats.jsonl, and options.json)  → loss and validation-loss curves
  a score JSON                (tidal score --json or --out)          → CRPS, CSI, spread-skill per lead
  a rollout JSON              (tidal score rollout --json or --out)  → ACF, Hovmöller W1, drift, spectrum
  a forecast NPY              [cases, members, lead, C, H, W], with --truth → animation
An input's label is its file name without extension (a run: its folder name) unless --label PATH=NAME
names it. Scores labelled persistence or climatology (or named by --reference) are the references: the
report lists every lead where another score does worse than one of them.

The report is written into a temporary folder and renamed to DIR when complete; an existing DIR is
replaced only when it holds an earlier report. DIR may not equal or contain an input.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runReport(cmd, fl, args) },
	}
	f := cmd.Flags()
	f.StringVar(&fl.out, "out", "report", "output folder")
	f.StringVar(&fl.truth, "truth", "", "truth NPY [cases, lead, C, H, W] of the forecast NPY inputs")
	f.StringVar(&fl.title, "title", "tidal report", "title of the page")
	f.StringArrayVar(&fl.labels, "label", nil, "PATH=NAME: label of an input (repeatable)")
	f.StringArrayVar(&fl.meta, "meta", nil, "KEY=VALUE shown in the provenance table, e.g. seed=1 (repeatable)")
	f.StringSliceVar(&fl.references, "reference", nil, "labels of the reference scores (default: persistence and climatology where given)")
	f.IntVar(&fl.caseIdx, "case", 0, "case of the forecasts to animate")
	f.IntVar(&fl.channel, "channel", 0, "channel of the forecasts to animate")
	f.IntVar(&fl.members, "members", 3, "ensemble members shown beside the truth in the animations")
	f.IntVar(&fl.delay, "delay", 50, "animation time per lead, hundredths of a second")
	f.StringVar(&fl.dataInfo, "data-sidecar", "", "the data's metadata sidecar JSON (e.g. ns_test.json): channel names and units, frame_dt for leads in time (default: the truth's sidecar where there is one)")
	f.StringVar(&fl.scorecardRef, "scorecard-reference", "", "label of the score the scorecard's skill is against (default: persistence, else the first reference)")
	f.Float64Var(&fl.ci, "ci", 0.9, "level of the paired-bootstrap intervals of every score difference (scores need per-case values: tidal score --ci or --per-case)")
	f.IntVar(&fl.ciBlock, "ci-block", 1, "cases per block of the moving-block bootstrap: more than 1 where consecutive cases overlap in time")
	f.Uint64Var(&fl.seed, "seed", 1, "seed of the bootstrap resampling")
	deprecatedAlias(f, "data", "data-sidecar")
	return cmd
}

func runReport(cmd *cobra.Command, fl reportFlags, args []string) error {
	if err := guard.First(
		guard.Int("case", fl.caseIdx, 0, maxCount), guard.Int("channel", fl.channel, 0, 1<<16),
		guard.Int("members", fl.members, 1, 1<<10), guard.Int("delay", fl.delay, 1, 1<<16-1),
		guard.Int("ci-block", fl.ciBlock, 1, maxCount),
	); err != nil {
		return err
	}
	if !(fl.ci > 0 && fl.ci < 1) {
		return fmt.Errorf("--ci %g: expected a level in (0, 1), e.g. 0.9", fl.ci)
	}
	b, err := runBudget()
	if err != nil {
		return err
	}
	ins := []*inputArray{{flag: "truth", path: fl.truth}}
	for _, p := range args {
		ins = append(ins, &inputArray{path: p})
	}
	if err := checkFolderOut("out", fl.out, ins...); err != nil {
		return err
	}
	for _, p := range args {
		if err := checkRunDirs("", p); err != nil {
			return err
		}
	}
	raw, err := keyValues("--label", fl.labels)
	if err != nil {
		return err
	}
	labels := map[string]string{} // by cleaned path, so that ./a.json and a.json are one input
	for p, l := range raw {
		labels[filepath.Clean(p)] = l
	}
	meta, err := keyValues("--meta", fl.meta)
	if err != nil {
		return err
	}
	in := report.Inputs{Title: fl.title, References: fl.references, Meta: reportMeta(meta),
		Animation: report.AnimationOptions{Delay: fl.delay}, ScorecardReference: fl.scorecardRef,
		Bootstrap: metrics.BootstrapOptions{Level: fl.ci, Block: fl.ciBlock, Seed: fl.seed}}
	if fl.dataInfo != "" {
		if in.Data, err = report.ReadDataInfo(fl.dataInfo); err != nil {
			return fmt.Errorf("--data-sidecar: %w", err)
		}
	}
	used := map[string]bool{}
	label := func(path string) string {
		if l, ok := labels[filepath.Clean(path)]; ok {
			used[filepath.Clean(path)] = true
			return l
		}
		return strings.TrimSuffix(filepath.Base(filepath.Clean(path)), filepath.Ext(path))
	}
	for _, p := range args {
		if err := addInput(&in, b, p, label(p), fl); err != nil {
			return err
		}
	}
	for p := range labels {
		if !used[p] {
			return fmt.Errorf("--label %s=%s: %s is not an input", p, labels[p], p)
		}
	}
	if err := report.Write(fl.out, in); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", filepath.Join(fl.out, report.HTMLFile))
	return nil
}

// addInput reads one INPUT by what it is: a run folder, a score or rollout JSON, or a forecast NPY. Files
// must be regular (not pipes or devices), and what they hold must fit the memory budget b.
func addInput(in *report.Inputs, b guard.Budget, path, label string, fl reportFlags) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("input %s: %w", path, err)
	}
	if err := checkReportInput(b, path, st); err != nil {
		return err
	}
	switch {
	case st.IsDir():
		r, err := report.ReadRun(path, label)
		if err != nil {
			return err
		}
		in.Runs = append(in.Runs, r)
	case strings.HasSuffix(path, ".json"):
		kind, err := report.Kind(path)
		if err != nil {
			return err
		}
		if kind == "score" {
			s, err := report.ReadScore(path, label)
			if err != nil {
				return err
			}
			in.Scores = append(in.Scores, s)
		} else {
			r, err := report.ReadRollout(path, label)
			if err != nil {
				return err
			}
			in.Rollouts = append(in.Rollouts, r)
		}
	case strings.HasSuffix(path, ".npy"):
		if fl.truth == "" {
			return fmt.Errorf("input %s: a forecast NPY needs --truth, the truth NPY [cases, lead, C, H, W]", path)
		}
		if err := checkReportForecast(b, path, fl); err != nil {
			return err
		}
		fc, err := report.ReadForecast(label, path, fl.truth, report.ForecastOptions{Case: fl.caseIdx, Channel: fl.channel, Members: fl.members})
		if err != nil {
			return err
		}
		in.Forecasts = append(in.Forecasts, fc)
	default:
		return fmt.Errorf("input %s: expected a run folder, a .json score or rollout report, or a .npy forecast", path)
	}
	return nil
}

// checkReportInput refuses an input that is neither a folder nor a regular file, and a JSON input, or a
// run folder's stats.jsonl, whose text and decoded values (about 8 bytes per byte of text) exceed the
// memory budget.
func checkReportInput(b guard.Budget, path string, st os.FileInfo) error {
	if st.IsDir() {
		s, err := os.Stat(filepath.Join(path, "stats.jsonl"))
		if err != nil {
			return fmt.Errorf("run %s: %w", path, err)
		}
		path, st = filepath.Join(path, "stats.jsonl"), s
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("input %s: expected a regular file or a run folder, found a %s file", path, st.Mode().Type())
	}
	return b.CheckMemory("input "+path, guard.Product(st.Size(), 8))
}

// checkReportForecast reads the headers of a forecast NPY input and of --truth, refusing ranks other
// than 6 and 5, a --case or --channel outside the forecast, and the two arrays (as stored and as float64)
// beyond the memory budget.
func checkReportForecast(b guard.Budget, path string, fl reportFlags) error {
	shape, dtype, err := data.StatNPY(path)
	if err != nil {
		return fmt.Errorf("input %s: %w", path, err)
	}
	what := "forecast " + path
	if err := guard.First(guard.Rank(what, shape, 6, 6, "[cases, members, lead, C, H, W]"), guard.NonEmpty(what, shape)); err != nil {
		return err
	}
	truth, err := statInput("truth", fl.truth, 5, 5, "[cases, lead, C, H, W]")
	if err != nil {
		return err
	}
	if err := guard.First(guard.Int("case", fl.caseIdx, 0, shape[0]-1), guard.Int("channel", fl.channel, 0, shape[3]-1)); err != nil {
		return fmt.Errorf("%w: a case and channel of %s, shape %v", err, what, shape)
	}
	fc := inputArray{path: path, shape: shape, dtype: dtype}
	need := guard.Sum(fc.Bytes(), fc.Float64Bytes(), truth.Bytes(), truth.Float64Bytes())
	return b.CheckMemory(fmt.Sprintf("report animation of %s with %s", what, truth), need)
}

// keyValues parses KEY=VALUE arguments of flag name.
func keyValues(name string, args []string) (map[string]string, error) {
	m := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q: expected KEY=VALUE", name, a)
		}
		m[k] = v
	}
	return m, nil
}

// reportMeta adds the command line, versions and backend to the caller's entries (which win).
func reportMeta(m map[string]string) map[string]string {
	be, _ := backend.Resolve(backendFlag)
	out := map[string]string{
		"command": strings.Join(os.Args, " "), "tidal": version, "go": runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		"gomlx": "v0.28.16", "backend": be, "written": time.Now().UTC().Format(time.RFC3339),
	}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// writeScoreReport is `tidal score --report DIR`: the scores just computed and an animation of the
// forecast when it has tidal's layout.
func writeScoreReport(dir string, fl scoreFlags, rep *metrics.Report, fa, oa *data.Array) error {
	label := strings.TrimSuffix(filepath.Base(fl.forecast), filepath.Ext(fl.forecast))
	in := report.Inputs{Title: "tidal score " + label, Meta: reportMeta(nil),
		Scores: []report.Score{{Label: label, File: fl.forecast, Report: *rep}}}
	if len(fa.Shape) == 6 && len(oa.Shape) == 5 && fl.memberAxis == 1 && fl.leadAxis == 2 {
		p, err := report.PanelsOf(fa.Float64(), fa.Shape, oa.Float64(), oa.Shape, report.ForecastOptions{})
		if err != nil {
			return fmt.Errorf("--report: %w", err)
		}
		in.Forecasts = []report.Forecast{{Label: label, File: fl.forecast, TruthFile: fl.obs, Panels: p}}
	}
	return report.Write(dir, in)
}
