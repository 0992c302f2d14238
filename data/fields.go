package data

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/tidal-forecast/tidal/guard"
)

// FieldSelect picks what a NetCDF or NPZ field input holds (docs/NETCDF.md): Vars are the variables to
// read, stacked as channels when several (the command line's --var; empty: the only data variable), and
// TimeDim the NetCDF dimension that becomes the frames axis (--time-dim; empty: the record dimension,
// else the variable's first). Errors name the command-line flags.
type FieldSelect struct {
	Vars    []string
	TimeDim string
}

// FieldSource says how a field input that is not an NPY file is read: what StatFields found.
type FieldSource struct {
	Kind      string   // "nc" or "npz"
	Vars      []string // NetCDF variables stacked as channels, or the NPZ member
	TimeAxis  int      // the variables' axis that becomes axis 0
	Stacked   bool     // a channel axis (of len(Vars)) inserted at 1
	VarShape  []int    // the shape of each variable as stored
	DType     DType
	Lat, Lon  []float64 // coordinates of a regular lat-lon grid (the last two axes), when recognised
	Time      []float64 // the time coordinate and its units ("hours since 1979-01-01"), when present
	TimeUnits string
	Units     string // the variable's units (of the first variable when several)
}

// FileKind sniffs the first bytes of a regular file: "npy", "nc", "npz" or "" (unknown or unreadable;
// the NPY reader then reports the problem). Folders, devices and pipes are not opened.
func FileKind(path string) string {
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
	case IsNetCDF(head):
		return "nc"
	case strings.HasPrefix(string(head), "PK\x03\x04"):
		return "npz"
	case strings.HasPrefix(string(head), "\x93NUMPY"):
		return "npy"
	}
	return ""
}

// StatFields reads the header of a field input of any kind. For NetCDF it returns the shape the command
// sees: the time axis first, several variables stacked at axis 1, and a channel axis of 1 inserted at 1
// when a single variable lacks exactly that axis for minRank; an NPZ array is taken as it is.
func StatFields(path string, minRank int, sel FieldSelect) ([]int, DType, *FieldSource, error) {
	switch FileKind(path) {
	case "nc":
		return statNC(path, minRank, sel)
	case "npz":
		return statNPZ(path, minRank, sel)
	}
	shape, dtype, err := StatNPY(path)
	return shape, dtype, nil, err
}

// statNPZ reads the header of the NPZ member sel picks.
func statNPZ(path string, minRank int, sel FieldSelect) ([]int, DType, *FieldSource, error) {
	ms, err := StatNPZ(path)
	if err != nil {
		return nil, 0, nil, err
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	var m *NPZMember
	switch {
	case len(sel.Vars) > 1:
		return nil, 0, nil, fmt.Errorf("--var %s: an NPZ input takes one array; %s holds %s", strings.Join(sel.Vars, ","), path, strings.Join(names, ", "))
	case len(sel.Vars) == 1:
		if i := slices.Index(names, sel.Vars[0]); i >= 0 {
			m = &ms[i]
		} else {
			return nil, 0, nil, fmt.Errorf("--var %s: %s holds no such array; it holds %s", sel.Vars[0], path, strings.Join(names, ", "))
		}
	case len(ms) == 1:
		m = &ms[0]
	default:
		return nil, 0, nil, fmt.Errorf("%s holds %d arrays (%s): choose one with --var", path, len(ms), strings.Join(names, ", "))
	}
	src := &FieldSource{Kind: "npz", Vars: []string{m.Name}, VarShape: m.Shape, DType: m.DType}
	return src.shape(minRank), m.DType, src, nil
}

// isCoordinate says whether a NetCDF variable is a coordinate variable (one dimension of its own name).
func isCoordinate(v *NCVar) bool { return len(v.Dims) == 1 && v.Dims[0] == v.Name }

// statNC reads the header of the NetCDF variables sel picks.
func statNC(path string, minRank int, sel FieldSelect) ([]int, DType, *FieldSource, error) {
	h, err := StatNC(path)
	if err != nil {
		return nil, 0, nil, err
	}
	names := sel.Vars
	if len(names) == 0 {
		var cands []string
		for i := range h.Vars {
			v := &h.Vars[i]
			if !isCoordinate(v) && v.Type != NCChar && len(v.Dims) >= 2 {
				cands = append(cands, v.Name)
			}
		}
		if len(cands) != 1 {
			return nil, 0, nil, fmt.Errorf("%s holds %d data variables (%s): choose with --var (several, comma-separated, are stacked as channels)",
				path, len(cands), strings.Join(cands, ", "))
		}
		names = cands
	}
	var first *NCVar
	src := &FieldSource{Kind: "nc", Vars: names, DType: Float32}
	for _, n := range names {
		v, err := h.Var(n)
		if err != nil {
			return nil, 0, nil, fmt.Errorf("--var %s: %s: %w", n, path, err)
		}
		if v.Type == NCChar {
			return nil, 0, nil, fmt.Errorf("--var %s: %s: the variable holds text", n, path)
		}
		if first == nil {
			first = v
		} else if !slices.Equal(v.Dims, first.Dims) {
			return nil, 0, nil, fmt.Errorf("--var: %s: variables %s%v and %s%v have different dimensions; stacked variables need the same",
				path, first.Name, first.Dims, v.Name, v.Dims)
		}
		if NCArrayType(v) == Float64 {
			src.DType = Float64
		}
	}
	if len(first.Dims) == 0 {
		return nil, 0, nil, fmt.Errorf("%s: variable %s is a scalar; expected fields with a time axis", path, first.Name)
	}
	src.VarShape = first.Shape
	tdim := sel.TimeDim
	if tdim == "" {
		tdim = first.Dims[0]
		if d, ok := h.RecordDim(); ok && slices.Contains(first.Dims, d.Name) {
			tdim = d.Name
		}
	}
	if src.TimeAxis = slices.Index(first.Dims, tdim); src.TimeAxis < 0 {
		return nil, 0, nil, fmt.Errorf("--time-dim %s: variable %s of %s has dimensions %v", tdim, first.Name, path, first.Dims)
	}
	src.Stacked = len(names) > 1
	if u, ok := first.Attr("units"); ok && len(names) == 1 {
		src.Units = u.Text
	}
	if tv, err := h.Var(tdim); err == nil && isCoordinate(tv) && tv.Type != NCChar {
		if u, ok := tv.Attr("units"); ok && strings.Contains(u.Text, " since ") {
			if a, err := (Reader{MaxBytes: 64 << 20}).ReadNC(path, tdim); err == nil {
				src.Time, src.TimeUnits = a.Float64(), u.Text
			}
		}
	}
	if r := len(first.Dims); r >= 2 {
		src.Lat = ncCoordinate(path, h, first.Dims[r-2], "lat", "latitude")
		src.Lon = ncCoordinate(path, h, first.Dims[r-1], "lon", "longitude")
	}
	return src.shape(minRank), src.DType, src, nil
}

// ncCoordinate returns the values of the coordinate variable of dimension dim when the dimension is
// named as one of names (or its variable's standard_name is one of them), nil otherwise.
func ncCoordinate(path string, h *NCHeader, dim string, names ...string) []float64 {
	v, err := h.Var(dim)
	if err != nil || !isCoordinate(v) || v.Type == NCChar {
		return nil
	}
	sn, _ := v.Attr("standard_name")
	if !slices.Contains(names, strings.ToLower(dim)) && !slices.Contains(names, sn.Text) {
		return nil
	}
	a, err := Reader{MaxBytes: 64 << 20}.ReadNC(path, dim)
	if err != nil {
		return nil
	}
	return a.Float64()
}

// shape is the shape the command sees (see StatFields).
func (s *FieldSource) shape(minRank int) []int {
	sh := slices.Clone(s.VarShape)
	if s.TimeAxis > 0 {
		t := sh[s.TimeAxis]
		sh = slices.Insert(slices.Delete(sh, s.TimeAxis, s.TimeAxis+1), 0, t)
	}
	if s.Stacked {
		sh = slices.Insert(sh, 1, len(s.Vars))
	} else if s.Kind == "nc" && len(sh) == minRank-1 && len(sh) >= 1 {
		sh = slices.Insert(sh, 1, 1)
		s.Stacked = true // a channel axis of one variable
	}
	return sh
}

// Describe names the source in messages: "variable t2m of", "variables t2m,u10 of", "array a of".
func (s *FieldSource) Describe() string {
	if s.Kind == "npz" {
		return "array " + s.Vars[0]
	}
	if len(s.Vars) == 1 {
		return "variable " + s.Vars[0]
	}
	return "variables " + strings.Join(s.Vars, ",")
}

// Read reads the input's values in the shape StatFields gave, within the budget: NetCDF variables are
// read frame by frame straight into place.
func (s *FieldSource) Read(path string, b guard.Budget, shape []int) (*Array, error) {
	mem, _ := b.Mem()
	r := Reader{MaxBytes: mem}
	if s.Kind == "npz" {
		a, err := r.ReadNPZMember(path, s.Vars[0])
		if err != nil {
			return nil, err
		}
		a.Shape = slices.Clone(shape)
		return a, nil
	}
	f, err := OpenNC(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n := int64(NumElements(shape))
	extra := int64(0)
	if s.TimeAxis > 0 {
		extra = n // the transposition's copy
	}
	if err := r.CheckBudget(path, fmt.Sprintf("%s %v", s.Describe(), shape), guard.Product(guard.Sum(n, extra), int64(s.DType.Size()))); err != nil {
		return nil, err
	}
	out := &Array{Shape: slices.Clone(shape), DType: s.DType}
	if s.DType == Float32 {
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
func readNCInto[F float32 | float64](f *NCFile, s *FieldSource, dst []F) error {
	V := len(s.Vars)
	for vi, name := range s.Vars {
		v, err := f.Var(name)
		if err != nil {
			return err
		}
		if s.TimeAxis > 0 {
			if err := readTransposed(f, v, s.TimeAxis, V, vi, dst); err != nil {
				return err
			}
			continue
		}
		fl := v.FrameLen()
		if V == 1 {
			if err := ReadFrames(f, v, 0, dst); err != nil {
				return err
			}
			continue
		}
		for t := range v.Frames() {
			at := (t*V + vi) * fl
			if err := ReadFrames(f, v, t, dst[at:at+fl]); err != nil {
				return err
			}
		}
	}
	return nil
}

// readTransposed reads a variable whose time axis is ax > 0 and writes it with that axis first, as
// channel vi of V.
func readTransposed[F float32 | float64](f *NCFile, v *NCVar, ax, V, vi int, dst []F) error {
	all := make([]F, NumElements(v.Shape))
	if err := ReadFrames(f, v, 0, all); err != nil {
		return err
	}
	outer := NumElements(v.Shape[:ax])
	T := v.Shape[ax]
	inner := NumElements(v.Shape[ax+1:])
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

// IsLatLon says whether the input is on a recognised regular lat-lon grid (NetCDF coordinates lat and
// lon on its last two axes).
func (s *FieldSource) IsLatLon() bool { return s != nil && len(s.Lat) > 0 && len(s.Lon) > 0 }

// LatWeights returns (WeatherBench2's area weighting) cos(latitude) per grid row of a recognised lat-lon grid, nil without one.
func (s *FieldSource) LatWeights() []float64 {
	if s == nil || len(s.Lat) == 0 {
		return nil
	}
	w := make([]float64, len(s.Lat))
	for i, l := range s.Lat {
		w[i] = math.Max(math.Cos(l*math.Pi/180), 0)
	}
	return w
}
