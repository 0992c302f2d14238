package main

import (
	"github.com/tidal-forecast/tidal/data"
)

// Field inputs other than NPY: NetCDF classic files (docs/NETCDF.md) and NPZ archives, recognised from
// their first bytes whatever their name (data.StatFields). --var picks the variables (stacked as
// channels when several) and --time-dim the NetCDF dimension that becomes the frames axis.
var fieldSelect data.FieldSelect

func init() {
	pf := rootCmd.PersistentFlags()
	pf.StringSliceVar(&fieldSelect.Vars, "var", nil,
		"NetCDF or NPZ inputs: the variable(s) to read, e.g. t2m or t2m,u10,v10 (stacked as channels); default: the only data variable")
	pf.StringVar(&fieldSelect.TimeDim, "time-dim", "",
		"NetCDF inputs: the dimension that is the time (frames) axis (default: the record dimension, else the variable's first)")
}

// fieldSource is how an input that is not an NPY file is read (data.FieldSource).
type fieldSource struct{ *data.FieldSource }

// isLatLon says whether the input is on a recognised regular lat-lon grid (nil: an NPY input, not).
func (s *fieldSource) isLatLon() bool { return s != nil && s.IsLatLon() }

// source is the library's description of the input (nil for NPY).
func (s *fieldSource) source() *data.FieldSource {
	if s == nil {
		return nil
	}
	return s.FieldSource
}

// gridLatWeights returns cos(latitude) per row from the first of the inputs on a recognised lat-lon grid
// (WeatherBench2's area weighting), and the input's name; nil when none is.
func gridLatWeights(ins ...*inputArray) ([]float64, string) {
	for _, in := range ins {
		if in.src != nil {
			if w := in.src.LatWeights(); w != nil {
				return w, in.String()
			}
		}
	}
	return nil, ""
}
