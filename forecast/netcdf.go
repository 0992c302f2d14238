package forecast

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/metrics"
)

// Self-describing outputs (docs/NETCDF.md): forecasts, truths and scores written as CF-style NetCDF, with
// one dimension per axis, coordinate variables, units and the provenance of the run.

// Provenance says which tidal, command, run (or method) and seed made a file.
type Provenance struct {
	Version, Command, Run string
	Seed                  uint64
}

// Attrs are the provenance as global attributes: source, tidal_version, tidal_command, tidal_run and
// tidal_seed.
func (p Provenance) Attrs() []data.NCAttr {
	return []data.NCAttr{
		data.TextAttr("source", "tidal "+p.Version),
		data.TextAttr("tidal_version", p.Version),
		data.TextAttr("tidal_command", p.Command),
		data.TextAttr("tidal_run", p.Run),
		seedAttr(p.Seed),
	}
}

// seedAttr is the seed as a number, or as text where a double would not hold it exactly (beyond 2⁵³).
func seedAttr(seed uint64) data.NCAttr {
	if seed > 1<<53 {
		return data.TextAttr("tidal_seed", strconv.FormatUint(seed, 10))
	}
	return data.NumAttr("tidal_seed", data.NCDouble, float64(seed))
}

// NCMeta is what a NetCDF field output says about where it came from.
type NCMeta struct {
	Src        *data.FieldSource // the input fields, for coordinates and units; nil for NPY inputs
	Starts     []int             // each case's first forecast frame
	Provenance Provenance
}

// FieldSpec lays out a CF-style NetCDF file (docs/NETCDF.md) of the field a with axes named by axes
// (init, member, lead, time, channel, y, x; others are plain indices): a dimension and a coordinate variable per axis, the field as float32
// (or float64 as given), units from the input and the provenance attributes.
func FieldSpec(varName string, a *data.Array, axes []string, m NCMeta) (*data.NCSpec, map[string]*data.Array, error) {
	if len(axes) != len(a.Shape) {
		return nil, nil, fmt.Errorf("%d axis names for an array of shape %v", len(axes), a.Shape)
	}
	spec := &data.NCSpec{Attrs: append([]data.NCAttr{data.TextAttr("Conventions", "CF-1.8"), data.TextAttr("title", "tidal "+varName)},
		m.Provenance.Attrs()...)}
	vals := map[string]*data.Array{}
	lat, lon := []float64(nil), []float64(nil)
	if m.Src != nil && len(a.Shape) >= 2 && len(m.Src.Lat) == a.Shape[len(a.Shape)-2] && len(m.Src.Lon) == a.Shape[len(a.Shape)-1] {
		lat, lon = m.Src.Lat, m.Src.Lon
	}
	step, unit, since := 1.0, "", ""
	if m.Src != nil && len(m.Src.Time) >= 2 {
		step = m.Src.Time[1] - m.Src.Time[0]
		unit, since, _ = strings.Cut(m.Src.TimeUnits, " since ")
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
				if k < len(m.Starts) {
					coord[k] = float64(m.Starts[k] - 1)
				}
			}
			if since != "" {
				for k, f := range coord {
					if j := int(f); j >= 0 && j < len(m.Src.Time) {
						coord[k] = m.Src.Time[j]
					}
				}
				attrs = append(attrs, data.TextAttr("units", m.Src.TimeUnits), data.TextAttr("standard_name", "forecast_reference_time"))
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
			if since != "" && m.Src != nil && len(m.Src.Time) == n {
				copy(coord, m.Src.Time)
				attrs = []data.NCAttr{data.TextAttr("units", m.Src.TimeUnits), data.TextAttr("standard_name", "time")}
			} else {
				attrs = []data.NCAttr{data.TextAttr("units", "1"), data.TextAttr("long_name", "frame")}
			}
		case "member":
			attrs = []data.NCAttr{data.TextAttr("long_name", "ensemble member"), data.TextAttr("units", "1")}
		case "channel":
			attrs = []data.NCAttr{data.TextAttr("long_name", "channel"), data.TextAttr("units", "1")}
			if m.Src != nil && m.Src.Kind == "nc" && len(m.Src.Vars) == n {
				attrs = append(attrs, data.TextAttr("variables", strings.Join(m.Src.Vars, " ")))
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
	if m.Starts != nil && len(axes) > 0 && axes[0] == "init" {
		s := make([]float64, a.Shape[0])
		for k := range s {
			if k < len(m.Starts) {
				s[k] = float64(m.Starts[k])
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
	if m.Src != nil && m.Src.Units != "" {
		attrs = append(attrs, data.TextAttr("units", m.Src.Units))
	}
	spec.Vars = append(spec.Vars, data.NCVar{Name: varName, Dims: names, Type: t, Attrs: attrs})
	vals[varName] = a
	return spec, vals, nil
}

// FrameAxes names the axes of a frame of the given rank for NetCDF: [..., channel, y, x].
func FrameAxes(rank int) []string {
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

// Axes joins leading axis names with a frame's.
func Axes(lead []string, frameRank int) []string { return append(lead, FrameAxes(frameRank)...) }

// findText returns the text of the attribute called name.
func findText(attrs []data.NCAttr, name string) (string, bool) {
	for _, a := range attrs {
		if a.Name == name {
			return a.Text, true
		}
	}
	return "", false
}

// ScoreSpec lays out score's report as a NetCDF Dataset: one variable per metric over lead (the mean over
// leads and the pooled value as attributes), the lead coordinate lead with its attributes leadAttrs, the
// settings as setting_* attributes and, with perChannel (each channel scored on its own; channelNames
// their variables, or nil), NAME_per_channel(channel, lead).
func ScoreSpec(rep *metrics.Report, p Provenance, lead []float64, leadAttrs []data.NCAttr, perChannel []*metrics.Report, channelNames []string) (*data.NCSpec, map[string]*data.Array) {
	spec := &data.NCSpec{
		Dims: []data.NCDim{{Name: "lead", Len: rep.Leads}},
		Attrs: []data.NCAttr{data.TextAttr("Conventions", "CF-1.8"), data.TextAttr("title", "tidal score"),
			data.TextAttr("tidal_version", p.Version), data.TextAttr("tidal_command", p.Command),
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
		addChannelScores(spec, vals, rep, perChannel, channelNames)
	}
	return spec, vals
}

// LeadCoordinate is the lead coordinate (values and attributes) of a NetCDF forecast file, when it has
// one of leads values; else 1..leads in frames.
func LeadCoordinate(path string, leads int) ([]float64, []data.NCAttr) {
	lead := make([]float64, leads)
	for k := range lead {
		lead[k] = float64(k + 1)
	}
	attrs := []data.NCAttr{data.TextAttr("units", "1"), data.TextAttr("long_name", "lead time in frames")}
	if h, err := data.StatNC(path); err == nil {
		if v, err := h.Var("lead"); err == nil && len(v.Shape) == 1 && v.Shape[0] == leads {
			if a, err := data.ReadNC(path, "lead"); err == nil {
				return a.Float64(), v.Attrs
			}
		}
	}
	return lead, attrs
}

// addChannelScores adds to a score file, for every metric, NAME_per_channel(channel, lead): the metric of each channel
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
