package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/tidal-forecast/tidal/atomicfile"
	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
)

// Self-describing outputs (docs/NETCDF.md): a command's field outputs are written as CF-style NetCDF
// when --format is nc or the output's name ends in .nc, with one dimension per axis, coordinate
// variables, units and the run's provenance.

// addOutFormatFlag adds --format, the format of the command's field outputs, and --out-format, its
// hidden deprecated alias (the name --format was the series input format, now --input-format).
func addOutFormatFlag(f *pflag.FlagSet, p *string) {
	f.StringVar(p, "format", "", "field outputs: npy or nc (CF-style NetCDF that xarray opens with its coordinates); default: nc for names ending in .nc, else npy (a time series file's format is --input-format)")
	f.StringVar(p, "out-format", "", "deprecated: --format")
	f.MarkHidden("out-format")
	f.MarkDeprecated("out-format", "use --format npy|nc")
}

// checkOutFormat refuses an unknown --format, pointing a series file format (given to --format before it
// became --input-format) to --input-format.
func checkOutFormat(format string) error {
	switch format {
	case "", "npy", "nc":
		return nil
	case "auto", "csv", "lstnet", "gluonts":
		return fmt.Errorf("--format %q: --format is the output format now (npy or nc); a time series file's format is --input-format %s", format, format)
	}
	return fmt.Errorf("--format %q: expected npy or nc", format)
}

// wantNC says whether an output is written as NetCDF.
func wantNC(format, path string) bool {
	return format == "nc" || (format == "" && strings.EqualFold(filepath.Ext(path), ".nc"))
}

// ncMeta is what a NetCDF output says about where it came from.
type ncMeta struct {
	cmd    *cobra.Command
	format string
	src    *fieldSource // the input fields, for coordinates and units; nil for NPY inputs
	run    string       // the model's run directory, or the method
	seed   uint64
	starts []int // each case's first forecast frame
}

// output is the namedOutput of a field array: NPY, or NetCDF with axes named by axes (init, member,
// lead, channel, y, x, time); varName names the NetCDF variable.
func (m ncMeta) output(flag, path, varName string, a *data.Array, axes ...string) namedOutput {
	if a == nil || !wantNC(m.format, path) {
		return npyOutput(flag, path, a)
	}
	return namedOutput{flag, path, func(f *atomicfile.File) error {
		spec, vals, err := m.spec(varName, a, axes)
		if err != nil {
			return err
		}
		return data.EncodeNC(f, spec, vals)
	}}
}

// spec lays out a CF-style file: a dimension and a coordinate variable per axis, the field as float32
// (or float64 as given), units from the input and the provenance attributes.
func (m ncMeta) spec(varName string, a *data.Array, axes []string) (*data.NCSpec, map[string]*data.Array, error) {
	if len(axes) != len(a.Shape) {
		return nil, nil, fmt.Errorf("%d axis names for an array of shape %v", len(axes), a.Shape)
	}
	spec := &data.NCSpec{Attrs: append([]data.NCAttr{data.TextAttr("Conventions", "CF-1.8"), data.TextAttr("title", "tidal "+varName)},
		provenanceAttrs(m.cmd, m.run, m.seed)...)}
	vals := map[string]*data.Array{}
	lat, lon := []float64(nil), []float64(nil)
	if m.src != nil && len(a.Shape) >= 2 && len(m.src.lat) == a.Shape[len(a.Shape)-2] && len(m.src.lon) == a.Shape[len(a.Shape)-1] {
		lat, lon = m.src.lat, m.src.lon
	}
	step, unit, since := 1.0, "", ""
	if m.src != nil && len(m.src.time) >= 2 {
		step = m.src.time[1] - m.src.time[0]
		unit, since, _ = strings.Cut(m.src.timeUnits, " since ")
	}
	names := make([]string, len(axes))
	for i, ax := range axes {
		n := a.Shape[i]
		name, attrs := ax, []data.NCAttr(nil)
		coord := make([]float64, n)
		for k := range coord {
			coord[k] = float64(k)
		}
		switch ax {
		case "init":
			attrs = []data.NCAttr{data.TextAttr("long_name", "initialisation: the last observed frame before the forecast")}
			for k := range coord {
				if k < len(m.starts) {
					coord[k] = float64(m.starts[k] - 1)
				}
			}
			if since != "" {
				for k, f := range coord {
					if j := int(f); j >= 0 && j < len(m.src.time) {
						coord[k] = m.src.time[j]
					}
				}
				attrs = append(attrs, data.TextAttr("units", m.src.timeUnits), data.TextAttr("standard_name", "forecast_reference_time"))
			} else {
				attrs = append(attrs, data.TextAttr("units", "1"))
			}
		case "lead":
			for k := range coord {
				coord[k] = float64(k+1) * step
			}
			if unit != "" {
				attrs = []data.NCAttr{data.TextAttr("units", unit), data.TextAttr("standard_name", "forecast_period")}
			} else {
				attrs = []data.NCAttr{data.TextAttr("units", "1"), data.TextAttr("long_name", "lead time in frames of the input")}
			}
		case "time":
			if since != "" && m.src != nil && len(m.src.time) == n {
				copy(coord, m.src.time)
				attrs = []data.NCAttr{data.TextAttr("units", m.src.timeUnits), data.TextAttr("standard_name", "time")}
			} else {
				attrs = []data.NCAttr{data.TextAttr("units", "1"), data.TextAttr("long_name", "frame")}
			}
		case "member":
			attrs = []data.NCAttr{data.TextAttr("long_name", "ensemble member"), data.TextAttr("units", "1")}
		case "channel":
			attrs = []data.NCAttr{data.TextAttr("long_name", "channel"), data.TextAttr("units", "1")}
			if m.src != nil && m.src.kind == "nc" && len(m.src.vars) == n {
				attrs = append(attrs, data.TextAttr("variables", strings.Join(m.src.vars, " ")))
			}
		case "y":
			if lat != nil {
				name, coord = "lat", lat
				attrs = []data.NCAttr{data.TextAttr("units", "degrees_north"), data.TextAttr("standard_name", "latitude")}
			} else {
				attrs = []data.NCAttr{data.TextAttr("long_name", "grid row"), data.TextAttr("units", "1")}
			}
		case "x":
			if lon != nil {
				name, coord = "lon", lon
				attrs = []data.NCAttr{data.TextAttr("units", "degrees_east"), data.TextAttr("standard_name", "longitude")}
			} else {
				attrs = []data.NCAttr{data.TextAttr("long_name", "grid column"), data.TextAttr("units", "1")}
			}
		}
		names[i] = name
		ct := data.NCInt // indices: members, channels, grid rows and columns, frames
		if u, ok := findText(attrs, "units"); ok && u != "1" {
			ct = data.NCDouble
		}
		spec.Dims = append(spec.Dims, data.NCDim{Name: name, Len: n})
		spec.Vars = append(spec.Vars, data.NCVar{Name: name, Dims: []string{name}, Type: ct, Attrs: attrs})
		vals[name] = data.FromFloat64(coord, n)
	}
	if m.starts != nil && len(axes) > 0 && axes[0] == "init" {
		s := make([]float64, a.Shape[0])
		for k := range s {
			if k < len(m.starts) {
				s[k] = float64(m.starts[k])
			}
		}
		spec.Vars = append(spec.Vars, data.NCVar{Name: "start_frame", Dims: []string{"init"}, Type: data.NCInt,
			Attrs: []data.NCAttr{data.TextAttr("long_name", "index of the case's first forecast frame in the input")}})
		vals["start_frame"] = data.FromFloat64(s, len(s))
	}
	t := data.NCFloat
	if a.DType == data.Float64 {
		t = data.NCDouble
	}
	attrs := []data.NCAttr{data.TextAttr("long_name", "tidal "+varName)}
	if m.src != nil && m.src.units != "" {
		attrs = append(attrs, data.TextAttr("units", m.src.units))
	}
	spec.Vars = append(spec.Vars, data.NCVar{Name: varName, Dims: names, Type: t, Attrs: attrs})
	vals[varName] = a
	return spec, vals, nil
}

// frameAxes names the axes of a frame of the given rank for NetCDF: [..., channel, y, x].
func frameAxes(rank int) []string {
	names := []string{"x", "y", "channel"}
	out := make([]string, rank)
	for i := range out {
		k := rank - 1 - i
		if k < len(names) {
			out[i] = names[k]
		} else {
			out[i] = fmt.Sprintf("axis%d", i)
		}
	}
	return out
}

// axes joins leading axis names with a frame's.
func axes(lead []string, frameRank int) []string { return append(lead, frameAxes(frameRank)...) }

// baselineOutFormat is baseline's --format (its flags are closure variables, not a struct).
var baselineOutFormat string

// checkRolloutOutFormat refuses NetCDF for the long rollout, which streams to a resumable NPY.
func checkRolloutOutFormat(fl rolloutFlags) error {
	if err := checkOutFormat(fl.outFormat); err != nil {
		return err
	}
	if fl.cases == 0 && wantNC(fl.outFormat, fl.out) {
		return fmt.Errorf("--out %s: NetCDF is written for forecasts (--cases); a rollout streams to a resumable NPY [frames, members, C, H, W]", fl.out)
	}
	return nil
}

func findText(attrs []data.NCAttr, name string) (string, bool) {
	for _, a := range attrs {
		if a.Name == name {
			return a.Text, true
		}
	}
	return "", false
}

// scoreReportOutput writes score's report to --out: JSON, or with a name ending in .nc (or --format
// nc) a NetCDF Dataset with one variable per metric over lead (mean over leads and pooled value as
// attributes), the lead coordinate taken from a NetCDF forecast where it has one.
func scoreReportOutput(cmd *cobra.Command, path, format string, rep *metrics.Report, js []byte, forecast *inputArray, perChannel []*metrics.Report) namedOutput {
	if !wantNC(format, path) {
		return bytesOutput("out", path, append(js, '\n'))
	}
	return namedOutput{"out", path, func(f *atomicfile.File) error {
		lead := make([]float64, rep.Leads)
		for k := range lead {
			lead[k] = float64(k + 1)
		}
		leadAttrs := []data.NCAttr{data.TextAttr("units", "1"), data.TextAttr("long_name", "lead time in frames")}
		if forecast.src != nil && forecast.src.kind == "nc" {
			if h, err := data.StatNC(forecast.path); err == nil {
				if v, err := h.Var("lead"); err == nil && len(v.Shape) == 1 && v.Shape[0] == rep.Leads {
					if a, err := data.ReadNC(forecast.path, "lead"); err == nil {
						lead, leadAttrs = a.Float64(), v.Attrs
					}
				}
			}
		}
		spec := &data.NCSpec{
			Dims: []data.NCDim{{Name: "lead", Len: rep.Leads}},
			Attrs: []data.NCAttr{data.TextAttr("Conventions", "CF-1.8"), data.TextAttr("title", "tidal score"),
				data.TextAttr("tidal_version", version), data.TextAttr("tidal_command", commandLine(cmd)),
				data.NumAttr("cases", data.NCInt, float64(rep.Cases)), data.NumAttr("members", data.NCInt, float64(rep.Members))},
			Vars: []data.NCVar{{Name: "lead", Dims: []string{"lead"}, Type: data.NCDouble, Attrs: leadAttrs}},
		}
		keys := make([]string, 0, len(rep.Settings))
		for k := range rep.Settings {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			spec.Attrs = append(spec.Attrs, data.TextAttr("setting_"+k, rep.Settings[k]))
		}
		vals := map[string]*data.Array{"lead": data.FromFloat64(lead, rep.Leads)}
		for _, m := range rep.Metrics {
			if len(m.PerLead) != rep.Leads || vals[m.Name] != nil { // a metric asked for twice is written once
				continue
			}
			v := make([]float64, rep.Leads)
			for k, x := range m.PerLead {
				v[k] = float64(x)
			}
			attrs := []data.NCAttr{data.NumAttr("mean_over_leads", data.NCDouble, float64(m.Mean))}
			if m.Pooled != nil {
				attrs = append(attrs, data.NumAttr("pooled", data.NCDouble, float64(*m.Pooled)))
			}
			spec.Vars = append(spec.Vars, data.NCVar{Name: m.Name, Dims: []string{"lead"}, Type: data.NCDouble, Attrs: attrs})
			vals[m.Name] = data.FromFloat64(v, rep.Leads)
		}
		if len(perChannel) > 0 {
			addChannelScores(spec, vals, rep, perChannel, channelNames(forecast, len(perChannel)))
		}
		return data.EncodeNC(f, spec, vals)
	}}
}

// addChannelScores adds, for every metric, NAME_per_channel(channel, lead): the metric of each channel
// scored on its own, with the channel coordinate (and the variables' names, when known).
func addChannelScores(spec *data.NCSpec, vals map[string]*data.Array, rep *metrics.Report, per []*metrics.Report, names []string) {
	C := len(per)
	attrs := []data.NCAttr{data.TextAttr("long_name", "channel"), data.TextAttr("units", "1")}
	if names != nil {
		attrs = append(attrs, data.TextAttr("variables", strings.Join(names, " ")))
	}
	spec.Dims = append(spec.Dims, data.NCDim{Name: "channel", Len: C})
	spec.Vars = append(spec.Vars, data.NCVar{Name: "channel", Dims: []string{"channel"}, Type: data.NCInt, Attrs: attrs})
	idx := make([]float64, C)
	for c := range idx {
		idx[c] = float64(c)
	}
	vals["channel"] = data.FromFloat64(idx, C)
	for i, m := range rep.Metrics {
		name := m.Name + "_per_channel"
		if vals[m.Name] == nil || vals[name] != nil {
			continue
		}
		v := make([]float64, 0, C*rep.Leads)
		ok := true
		for _, r := range per {
			if i >= len(r.Metrics) || r.Metrics[i].Name != m.Name || len(r.Metrics[i].PerLead) != rep.Leads {
				ok = false
				break
			}
			for _, x := range r.Metrics[i].PerLead {
				v = append(v, float64(x))
			}
		}
		if !ok {
			continue
		}
		spec.Vars = append(spec.Vars, data.NCVar{Name: name, Dims: []string{"channel", "lead"}, Type: data.NCDouble,
			Attrs: []data.NCAttr{data.TextAttr("long_name", m.Name+" of each channel scored on its own")}})
		vals[name] = data.FromFloat64(v, C, rep.Leads)
	}
}

// dataOutPath applies --format to a dataset's --out: nc turns FILE.npy into FILE.nc, npy refuses a
// name ending in .nc.
func dataOutPath(out, format string) (string, error) {
	if err := checkOutFormat(format); err != nil {
		return "", err
	}
	switch {
	case format == "nc" && strings.HasSuffix(out, ".npy"):
		return strings.TrimSuffix(out, ".npy") + ".nc", nil
	case format == "npy" && strings.HasSuffix(out, ".nc"):
		return "", fmt.Errorf("--out %s with --format npy: name the output FILE.npy", out)
	}
	return out, nil
}

// provenanceAttrs are the global attributes saying which tidal, command, run and seed made a file.
func provenanceAttrs(cmd *cobra.Command, run string, seed uint64) []data.NCAttr {
	return []data.NCAttr{
		data.TextAttr("source", "tidal "+version),
		data.TextAttr("tidal_version", version),
		data.TextAttr("tidal_command", commandLine(cmd)),
		data.TextAttr("tidal_run", run),
		seedAttr(seed),
	}
}

// seedAttr is the seed as a number, or as text where a double would not hold it exactly (beyond 2⁵³).
func seedAttr(seed uint64) data.NCAttr {
	if seed > 1<<53 {
		return data.TextAttr("tidal_seed", strconv.FormatUint(seed, 10))
	}
	return data.NumAttr("tidal_seed", data.NCDouble, float64(seed))
}

// commandLine is the command as run: its path and every flag set, e.g. "tidal baseline --data x.nc --var t2m".
func commandLine(cmd *cobra.Command) string {
	if cmd == nil {
		return "tidal " + strings.Join(os.Args[1:], " ")
	}
	parts := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		v := f.Value.String()
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			v = strings.Join(sv.GetSlice(), ",")
		}
		parts = append(parts, "--"+f.Name, v)
	})
	return strings.Join(parts, " ")
}

func splitFields(s string) []string { return strings.Fields(s) }

// refuseSeriesNC refuses NetCDF outputs for a time series [T, N], whose forecasts are written as NPY.
func refuseSeriesNC(format string, outs ...string) error {
	for _, o := range outs {
		if o != "" && wantNC(format, o) {
			return fmt.Errorf("--out %s: NetCDF outputs are written for fields; a time series forecast is written as NPY", o)
		}
	}
	return nil
}
