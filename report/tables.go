package report

import (
	"fmt"
	"strconv"
	"strings"
)

// pair is one row of a key = value table.
type pair struct{ Key, Value string }

func pairs(m map[string]string) []pair {
	var out []pair
	for _, k := range sortedKeys(m) {
		out = append(out, pair{k, m[k]})
	}
	return out
}

// table is a titled grid of cells, the first row the header.
type table struct {
	Title, Source string
	Header        []string
	Rows          [][]string
}

// scoreTables gives one table per score: a row per metric, a column per lead, then mean and pooled.
func scoreTables(scores []Score, info *DataInfo) []table {
	var out []table
	for _, s := range scores {
		t := table{Title: s.Label, Source: s.File, Header: []string{"metric"}}
		for l := range s.Leads {
			t.Header = append(t.Header, info.leadName(l+1))
		}
		t.Header = append(t.Header, "mean", "pooled")
		for _, m := range s.Metrics {
			if m.Histogram != nil {
				continue
			}
			row := []string{m.Name}
			for _, v := range m.PerLead {
				row = append(row, FormatNumber(float64(v)))
			}
			pooled := ""
			if m.Pooled != nil {
				pooled = FormatNumber(float64(*m.Pooled))
			}
			t.Rows = append(t.Rows, append(row, FormatNumber(float64(m.Mean)), pooled))
		}
		out = append(out, t)
	}
	return out
}

// rolloutTable holds a row per rollout with its summary numbers and its ACF error per lag.
func rolloutTable(rolls []Rollout) *table {
	if len(rolls) == 0 {
		return nil
	}
	t := &table{Title: "rollouts", Header: []string{"model", "file", "frames (forecast, truth)", "W1 mean (forecast / truth)",
		"W1 pdf L1", "spatial-mean bias", "drift per frame (forecast / truth)", "|ACF error| per lag"}}
	for _, r := range rolls {
		acf := make([]string, len(r.ACFError))
		for i, v := range r.ACFError {
			acf[i] = FormatNumber(float64(v))
		}
		t.Rows = append(t.Rows, []string{r.Label, r.File, fmt.Sprintf("%d, %d", r.Frames[0], r.Frames[1]),
			FormatNumber(float64(r.Forecast.W1Mean)) + " / " + FormatNumber(float64(r.Truth.W1Mean)),
			FormatNumber(float64(r.W1PDFL1)), FormatNumber(float64(r.MeanBias)),
			FormatNumber(float64(r.Forecast.DriftSlope)) + " / " + FormatNumber(float64(r.Truth.DriftSlope)),
			strings.Join(acf, ", ")})
	}
	return t
}

// runTable holds a row per training run: its last logged step and figures.
func runTable(runs []Run) *table {
	if len(runs) == 0 {
		return nil
	}
	t := &table{Title: "training runs", Header: []string{"run", "folder", "last step", "loss", "validation loss (last)", "lr", "grad norm", "steps/s", "elapsed s"}}
	for _, r := range runs {
		last := r.Stats[len(r.Stats)-1]
		val := ""
		for _, s := range r.Stats {
			if s.ValLoss != nil {
				val = FormatNumber(*s.ValLoss) + " at step " + strconv.Itoa(s.Step)
			}
		}
		t.Rows = append(t.Rows, []string{r.Label, r.Dir, strconv.Itoa(last.Step), FormatNumber(last.Loss), val,
			FormatNumber(last.LR), FormatNumber(last.GradNorm), FormatNumber(last.StepsPerS), FormatNumber(last.ElapsedS)})
	}
	return t
}

// source is one input's provenance: what it is and the settings recorded with it.
type source struct {
	Kind, Label, File string
	Settings          []pair
}

// provenance lists every input with the settings, seeds and options recorded in it.
func provenance(in Inputs) []source {
	var out []source
	for _, r := range in.Runs {
		out = append(out, source{"training run", r.Label, r.Dir, pairs(r.Options)})
	}
	for _, s := range in.Scores {
		set := map[string]string{"cases": strconv.Itoa(s.Cases), "members": strconv.Itoa(s.Members),
			"leads": strconv.Itoa(s.Leads), "field": fmt.Sprint(s.Field)}
		for k, v := range s.Settings {
			set[k] = v
		}
		out = append(out, source{"score", s.Label, s.File, pairs(set)})
	}
	for _, r := range in.Rollouts {
		out = append(out, source{"rollout score", r.Label, r.File, pairs(map[string]string{
			"frames": fmt.Sprint(r.Frames), "image": fmt.Sprint(r.Image), "hovmoller_w1_range": fmt.Sprint(r.W1Bins)})})
	}
	for _, f := range in.Forecasts {
		set := map[string]string{"truth": f.TruthFile, "case": strconv.Itoa(f.Case), "channel": strconv.Itoa(f.Channel)}
		for k, v := range f.Sidecar {
			set["sidecar."+k] = v
		}
		for k, v := range f.TruthSidecar {
			set["truth sidecar."+k] = v
		}
		out = append(out, source{"forecast", f.Label, f.File, pairs(set)})
	}
	return out
}
