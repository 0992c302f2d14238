package report

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/metrics"
)

// AddOptions say how Inputs.Add reads an input: the memory budget every input must fit, and for a
// forecast NPY its truth file and the animation's case, channel and members.
type AddOptions struct {
	Budget   guard.Budget
	Truth    string
	Forecast ForecastOptions
}

// Add reads one input of `tidal report` by what it is (docs/REPORT.md): a training run folder (loss
// curves), a score or rollout JSON, or a forecast NPY (an animation beside its truth). Files must be
// regular (not pipes or devices), and what they hold must fit the memory budget.
func (in *Inputs) Add(path, label string, o AddOptions) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("input %s: %w", path, err)
	}
	if err := checkInput(o.Budget, path, st); err != nil {
		return err
	}
	switch {
	case st.IsDir():
		r, err := ReadRun(path, label)
		if err != nil {
			return err
		}
		in.Runs = append(in.Runs, r)
	case strings.HasSuffix(path, ".json"):
		return in.addJSON(path, label)
	case strings.HasSuffix(path, ".npy"):
		if o.Truth == "" {
			return fmt.Errorf("input %s: a forecast NPY needs --truth, the truth NPY [cases, lead, C, H, W]", path)
		}
		if err := checkForecast(path, o); err != nil {
			return err
		}
		fc, err := ReadForecast(label, path, o.Truth, o.Forecast)
		if err != nil {
			return err
		}
		in.Forecasts = append(in.Forecasts, fc)
	default:
		return fmt.Errorf("input %s: expected a run folder, a .json score or rollout report, or a .npy forecast", path)
	}
	return nil
}

// addJSON reads a score or a rollout report.
func (in *Inputs) addJSON(path, label string) error {
	kind, err := Kind(path)
	if err != nil {
		return err
	}
	if kind == "score" {
		s, err := ReadScore(path, label)
		if err != nil {
			return err
		}
		in.Scores = append(in.Scores, s)
		return nil
	}
	r, err := ReadRollout(path, label)
	if err != nil {
		return err
	}
	in.Rollouts = append(in.Rollouts, r)
	return nil
}

// checkInput refuses an input that is neither a folder nor a regular file, and a JSON input, or a run
// folder's stats.jsonl, whose text and decoded values (about 8 bytes per byte of text) exceed the memory
// budget.
func checkInput(b guard.Budget, path string, st os.FileInfo) error {
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

// checkForecast reads the headers of a forecast NPY input and of its truth, refusing ranks other than 6
// and 5, a case or channel outside the forecast, and the two arrays (as stored and as float64) beyond
// the memory budget.
func checkForecast(path string, o AddOptions) error {
	shape, dtype, err := data.StatNPY(path)
	if err != nil {
		return fmt.Errorf("input %s: %w", path, err)
	}
	what := "forecast " + path
	if err := guard.First(guard.Rank(what, shape, 6, 6, "[cases, members, lead, C, H, W]"), guard.NonEmpty(what, shape)); err != nil {
		return err
	}
	tshape, tdtype, err := data.StatNPY(o.Truth)
	if err != nil {
		return fmt.Errorf("--truth: %w", err)
	}
	truth := "--truth " + o.Truth
	if err := guard.First(guard.Rank(truth, tshape, 5, 5, "[cases, lead, C, H, W]"), guard.NonEmpty(truth, tshape)); err != nil {
		return err
	}
	if err := guard.First(guard.Int("case", o.Forecast.Case, 0, shape[0]-1), guard.Int("channel", o.Forecast.Channel, 0, shape[3]-1)); err != nil {
		return fmt.Errorf("%w: a case and channel of %s, shape %v", err, what, shape)
	}
	n, tn := int64(data.NumElements(shape)), int64(data.NumElements(tshape))
	need := guard.Sum(guard.Product(n, int64(dtype.Size())), guard.Product(n, 8), guard.Product(tn, int64(tdtype.Size())), guard.Product(tn, 8))
	return o.Budget.CheckMemory(fmt.Sprintf("report animation of %s with %s", what, truth), need)
}

// Labels name the inputs of a report: by the label given for their path (cleaned, so that ./a.json and
// a.json are one input), else their file name without extension (a run: its folder name).
type Labels struct {
	given map[string]string
	used  map[string]bool
}

// NewLabels holds the labels given by path.
func NewLabels(given map[string]string) *Labels {
	l := &Labels{given: map[string]string{}, used: map[string]bool{}}
	for p, name := range given {
		l.given[filepath.Clean(p)] = name
	}
	return l
}

// Of is the label of the input at path.
func (l *Labels) Of(path string) string {
	if name, ok := l.given[filepath.Clean(path)]; ok {
		l.used[filepath.Clean(path)] = true
		return name
	}
	return strings.TrimSuffix(filepath.Base(filepath.Clean(path)), filepath.Ext(path))
}

// Unused refuses a label given for a path that is not an input (none was asked for with Of).
func (l *Labels) Unused() error {
	for p, name := range l.given {
		if !l.used[p] {
			return fmt.Errorf("--label %s=%s: %s is not an input", p, name, p)
		}
	}
	return nil
}

// Provenance is the report's provenance table: the command line, tidal's version, Go, GoMLX, the backend
// and the time of writing, with the caller's entries meta (which win).
func Provenance(meta map[string]string, version, backend string) map[string]string {
	out := map[string]string{
		"command": strings.Join(os.Args, " "), "tidal": version, "go": runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		"gomlx": "v0.28.16", "backend": backend, "written": time.Now().UTC().Format(time.RFC3339),
	}
	for k, v := range meta {
		out[k] = v
	}
	return out
}

// ScoreInputs are the inputs of `tidal score --report`: the scores rep of the forecast file against
// truthFile, and an animation of the forecast fa beside the truth oa when they have tidal's layout
// ([cases, members, lead, C, H, W] and [cases, lead, C, H, W]; tidalLayout: the axes are the default ones).
func ScoreInputs(file, truthFile string, rep *metrics.Report, fa, oa *data.Array, tidalLayout bool, meta map[string]string) (Inputs, error) {
	label := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	in := Inputs{Title: "tidal score " + label, Meta: meta, Scores: []Score{{Label: label, File: file, Report: *rep}}}
	if len(fa.Shape) == 6 && len(oa.Shape) == 5 && tidalLayout {
		p, err := PanelsOf(fa.Float64(), fa.Shape, oa.Float64(), oa.Shape, ForecastOptions{})
		if err != nil {
			return Inputs{}, fmt.Errorf("--report: %w", err)
		}
		in.Forecasts = []Forecast{{Label: label, File: file, TruthFile: truthFile, Panels: p}}
	}
	return in, nil
}
