package scorerun

import (
	"fmt"
	"strings"

	"github.com/tidal-forecast/tidal/cli"
	"github.com/tidal-forecast/tidal/forecast"
	"github.com/tidal-forecast/tidal/guard"
	"github.com/tidal-forecast/tidal/metrics"
)

// RolloutOptions are the settings of `tidal score rollout`, named for its flags: the rollout and the
// truth sequence (--forecast, --obs), the labels per frame (--season), --out, --json, and the
// diagnostics' settings (--max-lag, --channel, --member, --lat-weights, --band, --bins, --window,
// --spectrum); the errors of ScoreRollout name them.
type RolloutOptions struct {
	Forecast, Obs, Season, Out string
	// JSON prints the JSON report; AllMembers (no --member) scores every member in turn.
	JSON, AllMembers bool
	forecast.RolloutScoreSettings
	// Budget bounds the memory (the zero value: what the machine has).
	Budget guard.Budget
}

// ScoreRollout checks the inputs of `tidal score rollout`, scores each member, writes --out and returns
// what the command prints: the JSON, or a table per member.
func ScoreRollout(o RolloutOptions) (string, error) {
	if err := o.Check(); err != nil {
		return "", err
	}
	fi, oi, view, members, err := rolloutInputs(o)
	if err != nil {
		return "", err
	}
	inputs := []*cli.Input{fi, oi, {Flag: "lat-weights", Path: o.LatWeights}, {Flag: "season", Path: o.Season}}
	if err := cli.CheckOutputs(inputs, [2]string{"out", o.Out}); err != nil {
		return "", err
	}
	need := o.Bytes(fi.Float64Bytes(), oi.Float64Bytes(), view != fi)
	if err := o.Budget.CheckMemory(fmt.Sprintf("rollout diagnostics of forecast %v and truth %v", fi.Shape, oi.Shape), need); err != nil {
		return "", err
	}
	fa, err := fi.Read(o.Budget)
	if err != nil {
		return "", err
	}
	oa, err := oi.Read(o.Budget)
	if err != nil {
		return "", err
	}
	lat, _ := cli.GridLatWeights(fi, oi)
	opt, err := o.Options(view.String(), view.Shape, fa.Shape, lat)
	if err != nil {
		return "", err
	}
	if o.Season != "" {
		if opt.Season, err = readSeason(o.Season, o.Budget); err != nil {
			return "", err
		}
	}
	reps, err := forecast.ScoreRolloutMembers(fa, oa, members, opt, o.Forecast, o.Obs)
	if err != nil {
		return "", err
	}
	return writeRolloutScores(o, inputs, members, reps)
}

// rolloutInputs reads the headers of the forecast and the truth and checks them: the members to score,
// and view, the forecast as the diagnostics see one member of it ([T, channels, H, W]).
func rolloutInputs(o RolloutOptions) (fi, oi, view *cli.Input, members []int, err error) {
	const layout = "[T, H, W] or [T, channels, H, W]"
	if fi, err = cli.StatInput("forecast", o.Forecast, 3, 5, layout+", or [T, members, channels, H, W] as 'tidal rollout' writes"); err != nil {
		return nil, nil, nil, nil, err
	}
	member := o.Member
	if o.AllMembers {
		member = -1
	}
	if members, err = forecast.RolloutMembers(fi.String(), fi.Shape, member); err != nil {
		return nil, nil, nil, nil, err
	}
	view = fi
	if len(fi.Shape) == 5 {
		view = &cli.Input{Flag: fi.Flag, Path: fi.Path, Shape: append([]int{fi.Shape[0]}, fi.Shape[2:]...), DType: fi.DType}
	}
	if oi, err = cli.StatInput("obs", o.Obs, 3, 4, layout); err != nil {
		return nil, nil, nil, nil, err
	}
	if err := o.CheckLengths(view.String(), view.Shape, oi.String(), oi.Shape); err != nil {
		return nil, nil, nil, nil, err
	}
	return fi, oi, view, members, nil
}

// writeRolloutScores writes --out and returns the reports: JSON, or a table per member.
func writeRolloutScores(o RolloutOptions, inputs []*cli.Input, members []int, reps []*metrics.RolloutReport) (string, error) {
	js, err := forecast.RolloutJSON(reps)
	if err != nil {
		return "", err
	}
	if err := cli.WriteNPYs(inputs, []cli.Output{cli.BytesOutput("out", o.Out, append(js, '\n'))}); err != nil {
		return "", err
	}
	if o.JSON {
		return string(js) + "\n", nil
	}
	var b strings.Builder
	for i, r := range reps {
		if len(reps) > 1 {
			fmt.Fprintf(&b, "member %d:\n", members[i])
		}
		b.WriteString(r.Table())
	}
	return b.String(), nil
}

// readSeason reads --season: one integer label per frame (forecast.SeasonLabels).
func readSeason(path string, b guard.Budget) ([]int, error) {
	si, err := cli.StatInput("season", path, 1, 1, "[frames] of integer labels")
	if err != nil {
		return nil, err
	}
	sa, err := si.Read(b)
	if err != nil {
		return nil, err
	}
	return forecast.SeasonLabels(path, sa)
}
