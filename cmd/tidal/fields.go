package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guard"
)

// Field inputs other than NPY: NetCDF classic files (docs/NETCDF.md) and NPZ archives, recognised from
// their first bytes whatever their name. --var picks the variables (stacked as channels when several)
// and --time-dim the NetCDF dimension that becomes the frames axis.
var varFlag []string
var timeDimFlag string

func init() {
	pf := rootCmd.PersistentFlags()
	pf.StringSliceVar(&varFlag, "var", nil,
		"NetCDF or NPZ inputs: the variable(s) to read, e.g. t2m or t2m,u10,v10 (stacked as channels); default: the only data variable")
	pf.StringVar(&timeDimFlag, "time-dim", "",
		"NetCDF inputs: the dimension that is the time (frames) axis (default: the record dimension, else the variable's first)")
}

// fieldSource says how an input that is not an NPY file is read.
type fieldSource struct {
	kind      string   // "nc" or "npz"
	vars      []string // NetCDF variables stacked as channels, or the NPZ member
	timeAxis  int      // the variables' axis that becomes axis 0
	stacked   bool     // a channel axis (of len(vars)) inserted at 1
	varShape  []int    // the shape of each variable as stored
	dtype     data.DType
	lat, lon  []float64 // coordinates of a regular lat-lon grid (the last two axes), when recognised
	time      []float64 // the time coordinate and its units ("hours since 1979-01-01"), when present
	timeUnits string
	units     string // the variable's units (of the first variable when several)
}

// fileKind sniffs the first bytes of a regular file: "npy", "nc", "npz" or "" (unknown or unreadable;
// the NPY reader then reports the problem). Folders, devices and pipes are not opened.
func fileKind(path string) string {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case data.IsNetCDF(head):
		return "nc"
	case strings.HasPrefix(string(head), "PK\x03\x04"):
		return "npz"
	case strings.HasPrefix(string(head), "\x93NUMPY"):
		return "npy"
	}
	return ""
}

// statFields reads the header of a field input of any kind. For NetCDF it returns the shape the command
// sees: the time axis first, several variables stacked at axis 1, and a channel axis of 1 inserted at 1
// when a single variable lacks exactly that axis for minRank; an NPZ array is taken as it is.
func statFields(path string, minRank int) ([]int, data.DType, *fieldSource, error) {
	switch fileKind(path) {
	case "nc":
		return statNC(path, minRank)
	case "npz":
		return statNPZ(path, minRank)
	}
	shape, dtype, err := data.StatNPY(path)
	return shape, dtype, nil, err
}

func statNPZ(path string, minRank int) ([]int, data.DType, *fieldSource, error) {
	ms, err := data.StatNPZ(path)
	if err != nil {
		return nil, 0, nil, err
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	var m *data.NPZMember
	switch {
	case len(varFlag) > 1:
		return nil, 0, nil, fmt.Errorf("--var %s: an NPZ input takes one array; %s holds %s", strings.Join(varFlag, ","), path, strings.Join(names, ", "))
	case len(varFlag) == 1:
		if i := slices.Index(names, varFlag[0]); i >= 0 {
			m = &ms[i]
		} else {
			return nil, 0, nil, fmt.Errorf("--var %s: %s holds no such array; it holds %s", varFlag[0], path, strings.Join(names, ", "))
		}
	case len(ms) == 1:
		m = &ms[0]
	default:
		return nil, 0, nil, fmt.Errorf("%s holds %d arrays (%s): choose one with --var", path, len(ms), strings.Join(names, ", "))
	}
	src := &fieldSource{kind: "npz", vars: []string{m.Name}, varShape: m.Shape, dtype: m.DType}
	return src.shape(minRank), m.DType, src, nil
}

// isCoordinate says whether a NetCDF variable is a coordinate variable (one dimension of its own name).
func isCoordinate(v *data.NCVar) bool { return len(v.Dims) == 1 && v.Dims[0] == v.Name }

func statNC(path string, minRank int) ([]int, data.DType, *fieldSource, error) {
	h, err := data.StatNC(path)
	if err != nil {
		return nil, 0, nil, err
	}
	names := varFlag
	if len(names) == 0 {
		var cands []string
		for i := range h.Vars {
			v := &h.Vars[i]
			if !isCoordinate(v) && v.Type != data.NCChar && len(v.Dims) >= 2 {
				cands = append(cands, v.Name)
			}
		}
		if len(cands) != 1 {
			return nil, 0, nil, fmt.Errorf("%s holds %d data variables (%s): choose with --var (several, comma-separated, are stacked as channels)",
				path, len(cands), strings.Join(cands, ", "))
		}
		names = cands
	}
	var first *data.NCVar
	src := &fieldSource{kind: "nc", vars: names, dtype: data.Float32}
	for _, n := range names {
		v, err := h.Var(n)
		if err != nil {
			return nil, 0, nil, fmt.Errorf("--var %s: %s: %w", n, path, err)
		}
		if v.Type == data.NCChar {
			return nil, 0, nil, fmt.Errorf("--var %s: %s: the variable holds text", n, path)
		}
		if first == nil {
			first = v
		} else if !slices.Equal(v.Dims, first.Dims) {
			return nil, 0, nil, fmt.Errorf("--var: %s: variables %s%v and %s%v have different dimensions; stacked variables need the same",
				path, first.Name, first.Dims, v.Name, v.Dims)
		}
		if data.NCArrayType(v) == data.Float64 {
			src.dtype = data.Float64
		}
	}
	if len(first.Dims) == 0 {
		return nil, 0, nil, fmt.Errorf("%s: variable %s is a scalar; expected fields with a time axis", path, first.Name)
	}
	src.varShape = first.Shape
	tdim := timeDimFlag
	if tdim == "" {
		tdim = first.Dims[0]
		if d, ok := h.RecordDim(); ok && slices.Contains(first.Dims, d.Name) {
			tdim = d.Name
		}
	}
	if src.timeAxis = slices.Index(first.Dims, tdim); src.timeAxis < 0 {
		return nil, 0, nil, fmt.Errorf("--time-dim %s: variable %s of %s has dimensions %v", tdim, first.Name, path, first.Dims)
	}
	src.stacked = len(names) > 1
	if u, ok := first.Attr("units"); ok && len(names) == 1 {
		src.units = u.Text
	}
	if tv, err := h.Var(tdim); err == nil && isCoordinate(tv) && tv.Type != data.NCChar {
		if u, ok := tv.Attr("units"); ok && strings.Contains(u.Text, " since ") {
			if a, err := (data.Reader{MaxBytes: 64 << 20}).ReadNC(path, tdim); err == nil {
				src.time, src.timeUnits = a.Float64(), u.Text
			}
		}
	}
	if r := len(first.Dims); r >= 2 {
		src.lat = ncCoordinate(path, h, first.Dims[r-2], "lat", "latitude")
		src.lon = ncCoordinate(path, h, first.Dims[r-1], "lon", "longitude")
	}
	return src.shape(minRank), src.dtype, src, nil
}

// ncCoordinate returns the values of the coordinate variable of dimension dim when the dimension is
// named as one of names (or its variable's standard_name is one of them), nil otherwise.
func ncCoordinate(path string, h *data.NCHeader, dim string, names ...string) []float64 {
	v, err := h.Var(dim)
	if err != nil || !isCoordinate(v) || v.Type == data.NCChar {
		return nil
	}
	sn, _ := v.Attr("standard_name")
	if !slices.Contains(names, strings.ToLower(dim)) && !slices.Contains(names, sn.Text) {
		return nil
	}
	a, err := data.Reader{MaxBytes: 64 << 20}.ReadNC(path, dim)
	if err != nil {
		return nil
	}
	return a.Float64()
}

// shape is the shape the command sees (see statFields).
func (s *fieldSource) shape(minRank int) []int {
	sh := slices.Clone(s.varShape)
	if s.timeAxis > 0 {
		t := sh[s.timeAxis]
		sh = slices.Insert(slices.Delete(sh, s.timeAxis, s.timeAxis+1), 0, t)
	}
	if s.stacked {
		sh = slices.Insert(sh, 1, len(s.vars))
	} else if s.kind == "nc" && len(sh) == minRank-1 && len(sh) >= 1 {
		sh = slices.Insert(sh, 1, 1)
		s.stacked = true // a channel axis of one variable
	}
	return sh
}

// describe names the source in messages: "variable t2m of", "variables t2m,u10 of", "array a of".
func (s *fieldSource) describe() string {
	if s.kind == "npz" {
		return "array " + s.vars[0]
	}
	if len(s.vars) == 1 {
		return "variable " + s.vars[0]
	}
	return "variables " + strings.Join(s.vars, ",")
}

// read reads the input's values in the shape statFields gave, within the budget: NetCDF variables are
// read frame by frame straight into place.
func (s *fieldSource) read(path string, b guard.Budget, shape []int) (*data.Array, error) {
	mem, _ := b.Mem()
	r := data.Reader{MaxBytes: mem}
	if s.kind == "npz" {
		a, err := r.ReadNPZMember(path, s.vars[0])
		if err != nil {
			return nil, err
		}
		a.Shape = slices.Clone(shape)
		return a, nil
	}
	f, err := data.OpenNC(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n := int64(data.NumElements(shape))
	extra := int64(0)
	if s.timeAxis > 0 {
		extra = n // the transposition's copy
	}
	if err := r.CheckBudget(path, fmt.Sprintf("%s %v", s.describe(), shape), guard.Product(guard.Sum(n, extra), int64(s.dtype.Size()))); err != nil {
		return nil, err
	}
	out := &data.Array{Shape: slices.Clone(shape), DType: s.dtype}
	if s.dtype == data.Float32 {
		out.F32 = make([]float32, n)
		err = readNCInto(f, s, out.F32)
	} else {
		out.F64 = make([]float64, n)
		err = readNCInto(f, s, out.F64)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readNCInto fills dst, laid out [T, V, rest...] (V the stacked variables), from the file's variables.
func readNCInto[F float32 | float64](f *data.NCFile, s *fieldSource, dst []F) error {
	V := len(s.vars)
	for vi, name := range s.vars {
		v, err := f.Var(name)
		if err != nil {
			return err
		}
		if s.timeAxis > 0 {
			if err := readTransposed(f, v, s.timeAxis, V, vi, dst); err != nil {
				return err
			}
			continue
		}
		fl := v.FrameLen()
		if V == 1 {
			if err := data.ReadFrames(f, v, 0, dst); err != nil {
				return err
			}
			continue
		}
		for t := range v.Frames() {
			at := (t*V + vi) * fl
			if err := data.ReadFrames(f, v, t, dst[at:at+fl]); err != nil {
				return err
			}
		}
	}
	return nil
}

// readTransposed reads a variable whose time axis is ax > 0 and writes it with that axis first, as
// channel vi of V.
func readTransposed[F float32 | float64](f *data.NCFile, v *data.NCVar, ax, V, vi int, dst []F) error {
	all := make([]F, data.NumElements(v.Shape))
	if err := data.ReadFrames(f, v, 0, all); err != nil {
		return err
	}
	outer := data.NumElements(v.Shape[:ax])
	T := v.Shape[ax]
	inner := data.NumElements(v.Shape[ax+1:])
	frame := outer * inner // values of one time step of this variable
	for o := range outer {
		for t := range T {
			src := all[(o*T+t)*inner : (o*T+t+1)*inner]
			at := (t*V+vi)*frame + o*inner
			copy(dst[at:at+inner], src)
		}
	}
	return nil
}

// isLatLon says whether the input is on a recognised regular lat-lon grid (NetCDF coordinates lat and
// lon on its last two axes).
func (s *fieldSource) isLatLon() bool { return s != nil && len(s.lat) > 0 && len(s.lon) > 0 }

// latWeights returns cos(latitude) per grid row of a recognised lat-lon grid, nil without one.
func (s *fieldSource) latWeights() []float64 {
	if s == nil || len(s.lat) == 0 {
		return nil
	}
	w := make([]float64, len(s.lat))
	for i, l := range s.lat {
		w[i] = math.Max(math.Cos(l*math.Pi/180), 0)
	}
	return w
}

// gridLatWeights returns cos(latitude) per row from the first of the inputs on a recognised lat-lon grid
// (WeatherBench2's area weighting), and the input's name; nil when none is.
func gridLatWeights(ins ...*inputArray) ([]float64, string) {
	for _, in := range ins {
		if w := in.src.latWeights(); w != nil {
			return w, in.String()
		}
	}
	return nil, ""
}
