// Package scorerun runs the scoring commands of tidal from plain options, the values of their flags:
// `tidal score` (an ensemble forecast against its truth: CRPS, spread-skill, RMSE, CSI, SSIM, ...;
// docs/METRICS.md), `tidal score rollout` (a long rollout's time consistency: ACF, Hovmöller W1, drift,
// spectrum) and `tidal report` (docs/REPORT.md). It reads the headers of the inputs and checks them
// and the memory before any data are read, refuses bad options with errors that name the flag or the
// file the user gave, checks that no output overwrites an input and writes the outputs atomically. The
// command line maps its flags onto these options and nothing else.
package scorerun

import (
	"fmt"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/metrics"
	"github.com/tidal-forecast/tidal/report"
)

// ScoreOptions are the settings of `tidal score`, named for its flags: the forecast and its truth
// (--forecast, --obs), the outputs (--out, --bias-map, --report), --json, --no-lat-weights and the
// scores' settings (--metrics, the axes, the thresholds, --ci, ...); the errors of Score name them.
type ScoreOptions struct {
	Forecast, Obs, Out, BiasMap, ReportDir string
	JSON, NoLatWeights                     bool
	// MetricsGiven says whether --metrics was given (else a series forecast takes the series' metrics).
	MetricsGiven bool
	forecast.ScoreSettings
	// Command is the command line a NetCDF --out records; Version and Backend name tidal and the backend
	// in the provenance of the --report folder (report.Provenance); Budget bounds the memory (the zero
	// value: what the machine has).
	Command, Version, Backend string
	Budget                    guard.Budget
}

// Score scores --forecast against --obs and writes --out, --bias-map and --report; it returns what the
// command prints: the table, or the JSON report.
func Score(o ScoreOptions) (string, error) {
	if err := o.Check(); err != nil {
		return "", err
	}
	if err := cli.CheckSidecars(o.Forecast, o.Obs); err != nil {
		return "", err
	}
	if _, err := o.Options(); err != nil {
		return "", err
	}
	fi, oi, inputs, err := scoreInputs(o)
	if err != nil {
		return "", err
	}
	var grid []float64
	var gridFrom string
	if o.LatWeights == "" && !o.NoLatWeights {
		grid, gridFrom = cli.GridLatWeights(fi, oi)
	}
	fa, err := fi.Read(o.Budget)
	if err != nil {
		return "", err
	}
	oa, err := oi.Read(o.Budget)
	if err != nil {
		return "", err
	}
	job, weights, err := o.Job(fa, oa, o.Forecast, o.Obs, o.MetricsGiven, grid, gridFrom)
	if err != nil {
		return "", err
	}
	rep, err := job.Score()
	if err != nil {
		return "", err
	}
	job.Record(rep, weights)
	return writeScore(o, job, rep, inputs)
}

// scoreInputs reads the headers of score's inputs and checks their ranks, the axis flags, the outputs
// against the inputs and the memory the scoring needs, before any data are read.
func scoreInputs(o ScoreOptions) (fi, oi *cli.Input, inputs []*cli.Input, err error) {
	if fi, err = cli.StatInput("forecast", o.Forecast, 3, 32, "[cases, members, lead, field...]"); err != nil {
		return nil, nil, nil, err
	}
	if oi, err = cli.StatInput("obs", o.Obs, 2, 31, "[cases, lead, field...]"); err != nil {
		return nil, nil, nil, err
	}
	if err := o.CheckShapes(o.Forecast, fi.Shape, o.Obs, oi.Shape); err != nil {
		return nil, nil, nil, err
	}
	inputs = []*cli.Input{fi, oi}
	if o.LatWeights != "" {
		wi, err := cli.StatInput("lat-weights", o.LatWeights, 1, 31, "[H] or the trailing axes of the field")
		if err != nil {
			return nil, nil, nil, err
		}
		inputs = append(inputs, wi)
	}
	if err := cli.CheckOutputs(inputs, [2]string{"out", o.Out}, [2]string{"bias-map", o.BiasMap}); err != nil {
		return nil, nil, nil, err
	}
	// The forecast is scored as stored, the truth as float64; the metrics' work arrays are of the same order.
	need := guard.Sum(guard.Product(fi.Bytes(), 3), guard.Product(oi.Float64Bytes(), 3))
	if err := o.Budget.CheckMemory(fmt.Sprintf("scoring forecast %v against truth %v", fi.Shape, oi.Shape), need); err != nil {
		return nil, nil, nil, err
	}
	return fi, oi, inputs, nil
}

// writeScore writes --out (with per-channel scores when it is NetCDF), --bias-map and --report, and
// returns the table or the JSON.
func writeScore(o ScoreOptions, job forecast.ScoreJob, rep *metrics.Report, inputs []*cli.Input) (string, error) {
	js, err := rep.JSON()
	if err != nil {
		return "", err
	}
	var perChannel []*metrics.Report
	if cli.WantNC("", o.Out) && o.LatWeights == "" { // --lat-weights may span the channels
		if perChannel, err = job.ScoreChannels(); err != nil {
			return "", err
		}
	}
	outs := []cli.Output{cli.ScoreReportOutput(o.Command, o.Out, "", rep, js, inputs[0], perChannel)}
	if o.BiasMap != "" {
		bias := forecast.BiasMaps(rep)
		if bias == nil {
			return "", fmt.Errorf("--bias-map needs the bias or abs-bias metric")
		}
		outs = append(outs, cli.NPYOutput("bias-map", o.BiasMap, bias))
	}
	if err := cli.WriteNPYs(inputs, outs); err != nil {
		return "", err
	}
	if o.ReportDir != "" {
		if err := WriteScoreReport(o.ReportDir, o, rep, job.Forecast, job.Truth); err != nil {
			return "", err
		}
	}
	if o.JSON {
		return string(js) + "\n", nil
	}
	return rep.Table(), nil
}

// WriteScoreReport is `tidal score --report DIR`: the scores just computed and an animation of the
// forecast when it has tidal's layout ([cases, members, lead, ...]).
func WriteScoreReport(dir string, o ScoreOptions, rep *metrics.Report, fa, oa *data.Array) error {
	in, err := report.ScoreInputs(o.Forecast, o.Obs, rep, fa, oa, o.MemberAxis == 1 && o.LeadAxis == 2, report.Provenance(nil, o.Version, o.Backend))
	if err != nil {
		return err
	}
	return report.Write(dir, in)
}
