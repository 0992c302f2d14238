package data

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/internal/testref/numpyref"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

// TestNetCDFInterop round-trips CDF-1 and CDF-2 files with SciPy's netcdf_file (and xarray where
// installed): SciPy reads every value and attribute of the files tidal writes (float32, float64 and a
// packed short; a record dimension and fixed ones) and xarray decodes them, and tidal reads what SciPy
// and xarray write, values equal. CDF-5, which SciPy does not know, goes the same way through
// netCDF4-python (Debian's python3-netcdf4, installed by make pydeps) and xarray's netcdf4 engine.
func TestNetCDFInterop(t *testing.T) {
	py := pyref.ForTest(t, "numpy", "scipy.io")
	dir := t.TempDir()
	for _, v := range []int{1, 2, 5} {
		spec, vals := ncSample(v, 4)
		if err := WriteNC(filepath.Join(dir, fmt.Sprintf("tidal_v%d.nc", v)), spec, vals); err != nil {
			t.Fatal(err)
		}
	}
	out, err := pyref.Run(py, numpyref.NetCDFInterop, dir)
	if err != nil || !strings.HasPrefix(string(out), "ok") {
		t.Fatalf("SciPy refused tidal's files: %v %s", err, out)
	}
	_, want := ncSample(1, 4)
	if strings.Contains(string(out), "nonetcdf4") {
		t.Log("netCDF4-python is not installed: CDF-5 was not round-tripped (apt-get install python3-netcdf4)")
	} else {
		checkCDF5Interop(t, dir, want, !strings.Contains(string(out), "noxarray"))
	}
	if strings.Contains(string(out), "noxarray") {
		t.Log("xarray is not installed: only SciPy checked tidal's files (apt-get install python3-xarray)")
	} else {
		for _, v := range []int{1, 2} {
			path := filepath.Join(dir, fmt.Sprintf("xarray_v%d.nc", v))
			f, err := OpenNC(path)
			if err != nil {
				t.Fatal(err)
			}
			if d, ok := f.Dim("time"); f.Version != v || !ok || d.Len != 4 || d.Unlimited != (v == 2) {
				t.Errorf("%s: version %d, time %+v", path, f.Version, d)
			}
			tv, _ := f.Var("time")
			if u, _ := tv.Attr("units"); u.Text != "hours since 2000-01-01" {
				t.Errorf("%s: time units %q", path, u.Text)
			}
			for _, name := range []string{"time", "t2m", "sp", "orog"} {
				got, err := Reader{}.ReadNCVar(f, name)
				if err != nil {
					t.Fatal(err)
				}
				if w := want[name]; !slices.Equal(got.Shape, w.Shape) || !slices.Equal(got.Float64(), w.Float64()) {
					t.Errorf("%s %s: %v %v, want %v %v", path, name, got.Shape, got.Float64(), w.Shape, w.Float64())
				}
			}
			f.Close()
		}
	}
	for _, v := range []int{1, 2} {
		path := filepath.Join(dir, fmt.Sprintf("scipy_v%d.nc", v))
		f, err := OpenNC(path)
		if err != nil {
			t.Fatal(err)
		}
		if f.Version != v {
			t.Errorf("%s: version %d", path, f.Version)
		}
		if a, ok := f.Attr("Conventions"); !ok || a.Text != "CF-1.8" {
			t.Errorf("%s: Conventions %+v", path, a)
		}
		if d, ok := f.RecordDim(); !ok || d.Name != "time" || d.Len != 4 {
			t.Errorf("%s: record dimension %+v", path, d)
		}
		for name, w := range want {
			got, err := Reader{}.ReadNCVar(f, name)
			if err != nil {
				t.Fatal(err)
			}
			wv := w.Float64()
			if name == "q" {
				wv = slices.Clone(wv)
				for i := range wv {
					wv[i] = wv[i]*0.5 + 10
				}
			}
			if !slices.Equal(got.Shape, w.Shape) || !slices.Equal(got.Float64(), wv) {
				t.Errorf("%s %s: %v %v, want %v %v", path, name, got.Shape, got.Float64(), w.Shape, wv)
			}
		}
		f.Close()
	}
}

// checkCDF5Interop reads the CDF-5 files netCDF4-python (and xarray, when withXarray) wrote of ncSample's
// content: version 5, the record dimension, the attributes and every value (q packed as written).
func checkCDF5Interop(t *testing.T, dir string, want map[string]*Array, withXarray bool) {
	t.Helper()
	files := map[string][]string{"netcdf4_v5.nc": {"time", "y", "x", "t2m", "sp", "q", "orog"}}
	if withXarray {
		files["xarray_v5.nc"] = []string{"time", "t2m", "sp", "orog"}
	}
	for file, names := range files {
		path := filepath.Join(dir, file)
		f, err := OpenNC(path)
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := f.RecordDim(); f.Version != 5 || !ok || d.Name != "time" || d.Len != 4 {
			t.Errorf("%s: version %d, record dimension %+v", path, f.Version, d)
		}
		if a, ok := f.Attr("Conventions"); !ok || a.Text != "CF-1.8" {
			t.Errorf("%s: Conventions %+v", path, a)
		}
		for _, name := range names {
			got, err := Reader{}.ReadNCVar(f, name)
			if err != nil {
				t.Fatal(err)
			}
			wv := want[name].Float64()
			if name == "q" {
				wv = slices.Clone(wv)
				for i := range wv {
					wv[i] = wv[i]*0.5 + 10
				}
			}
			if !slices.Equal(got.Shape, want[name].Shape) || !slices.Equal(got.Float64(), wv) {
				t.Errorf("%s %s: %v %v, want %v %v", path, name, got.Shape, got.Float64(), want[name].Shape, wv)
			}
		}
		f.Close()
	}
}
