package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

// writeERA5Like writes a small reanalysis-like NetCDF file: time (record, hours since 1979), latitude and
// longitude coordinates, and two packed short fields t2m and u10 (scale_factor, add_offset) on the grid.
func writeERA5Like(t *testing.T, path string, T, ny, nx int) {
	t.Helper()
	spec := &data.NCSpec{Version: 2,
		Dims: []data.NCDim{{Name: "time", Len: T, Unlimited: true}, {Name: "latitude", Len: ny}, {Name: "longitude", Len: nx}},
		Vars: []data.NCVar{
			{Name: "time", Dims: []string{"time"}, Type: data.NCInt, Attrs: []data.NCAttr{data.TextAttr("units", "hours since 1979-01-01 00:00:00")}},
			{Name: "latitude", Dims: []string{"latitude"}, Type: data.NCFloat, Attrs: []data.NCAttr{data.TextAttr("units", "degrees_north")}},
			{Name: "longitude", Dims: []string{"longitude"}, Type: data.NCFloat, Attrs: []data.NCAttr{data.TextAttr("units", "degrees_east")}},
		}}
	vals := map[string]*data.Array{}
	tv, la, lo := make([]float64, T), make([]float64, ny), make([]float64, nx)
	for i := range tv {
		tv[i] = 6 * float64(i)
	}
	for i := range la {
		la[i] = 80 - 160*float64(i)/float64(ny-1)
	}
	for i := range lo {
		lo[i] = 360 * float64(i) / float64(nx)
	}
	vals["time"], vals["latitude"], vals["longitude"] = data.FromFloat64(tv, T), data.FromFloat64(la, ny), data.FromFloat64(lo, nx)
	for k, name := range []string{"t2m", "u10"} {
		spec.Vars = append(spec.Vars, data.NCVar{Name: name, Dims: []string{"time", "latitude", "longitude"}, Type: data.NCShort,
			Attrs: []data.NCAttr{data.NumAttr("scale_factor", data.NCDouble, 0.01), data.NumAttr("add_offset", data.NCDouble, 280*float64(1-k)),
				data.TextAttr("units", []string{"K", "m s**-1"}[k])}})
		v := make([]float64, T*ny*nx)
		for i := range v {
			v[i] = float64((i*7919+k*104729)%4001 - 2000)
		}
		vals[name] = data.FromFloat64(v, T, ny, nx)
	}
	if err := data.WriteNC(path, spec, vals); err != nil {
		t.Fatal(err)
	}
}

func scoreJSON(t *testing.T, args ...string) map[string][]float64 {
	t.Helper()
	out, err := runTidal(t, append([]string{"score", "--json", "--metrics", "crps,rmse,spread"}, args...)...)
	if err != nil {
		t.Fatalf("score %v: %v\n%s", args, err, out)
	}
	var rep struct {
		Metrics []struct {
			Name    string    `json:"name"`
			PerLead []float64 `json:"per_lead"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("score output: %v\n%s", err, out)
	}
	m := map[string][]float64{}
	for _, r := range rep.Metrics {
		m[r.Name] = r.PerLead
	}
	return m
}

// TestNetCDFForecastScoresAsNPY makes the same climatology forecast from a NetCDF input (two stacked
// packed variables) to NetCDF and to NPY, checks the NetCDF file's coordinates, and scores both: the
// scores agree exactly without latitude weights, and the NetCDF default (cos-latitude weights from the
// lat coordinate) equals the NPY scored with those weights given by hand.
func TestNetCDFForecastScoresAsNPY(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "era.nc")
	writeERA5Like(t, in, 30, 6, 8)
	p := func(n string) string { return filepath.Join(dir, n) }
	base := []string{"baseline", "--data", in, "--var", "t2m,u10", "--cases", "3", "--context", "2", "--lead", "4", "--members", "5",
		"--method", "climatology", "--pool", in, "--seed", "3"}
	if out, err := runTidal(t, append(base, "--out", p("fc.nc"), "--truth-out", p("truth.nc"))...); err != nil {
		t.Fatal(err, out)
	}
	if out, err := runTidal(t, append(base, "--out", p("fc.npy"), "--truth-out", p("truth.npy"))...); err != nil {
		t.Fatal(err, out)
	}
	h, err := data.StatNC(p("fc.nc"))
	if err != nil {
		t.Fatal(err)
	}
	fv, err := h.Var("forecast")
	if err != nil || !slices.Equal(fv.Dims, []string{"init", "member", "lead", "channel", "lat", "lon"}) || !slices.Equal(fv.Shape, []int{3, 5, 4, 2, 6, 8}) {
		t.Fatalf("forecast variable %+v %v", fv, err)
	}
	lead, _ := data.ReadNC(p("fc.nc"), "lead")
	if lv, _ := h.Var("lead"); !slices.Equal(lead.Float64(), []float64{6, 12, 18, 24}) || lv.Attrs[0].Text != "hours" {
		t.Errorf("lead %v %+v: want 6 to 24 hours", lead.Float64(), lv.Attrs)
	}
	init, _ := data.ReadNC(p("fc.nc"), "init")
	if !slices.Equal(init.Float64(), []float64{6, 78, 150}) { // the last observed frames 1, 13, 25
		t.Errorf("init %v", init.Float64())
	}
	for _, a := range []string{"tidal_version", "tidal_command", "tidal_run", "tidal_seed"} {
		if _, ok := h.Attr(a); !ok {
			t.Errorf("no provenance attribute %s", a)
		}
	}
	npy := scoreJSON(t, "--forecast", p("fc.npy"), "--obs", p("truth.npy"))
	ncFlat := scoreJSON(t, "--forecast", p("fc.nc"), "--obs", p("truth.nc"), "--no-lat-weights")
	for name, v := range npy {
		if !slices.Equal(v, ncFlat[name]) {
			t.Errorf("%s: NetCDF %v, NPY %v", name, ncFlat[name], v)
		}
	}
	lat, _ := data.ReadNC(p("fc.nc"), "lat")
	w := make([]float64, 6)
	for i, l := range lat.Float64() {
		w[i] = math.Cos(l * math.Pi / 180)
	}
	if err := data.WriteNPY(p("w.npy"), data.FromFloat64(w, 6)); err != nil {
		t.Fatal(err)
	}
	npyW := scoreJSON(t, "--forecast", p("fc.npy"), "--obs", p("truth.npy"), "--lat-weights", p("w.npy"))
	ncW := scoreJSON(t, "--forecast", p("fc.nc"), "--obs", p("truth.nc"))
	for name, v := range npyW {
		if !slices.Equal(v, ncW[name]) {
			t.Errorf("%s weighted: NetCDF %v, NPY %v", name, ncW[name], v)
		}
	}
	if slices.Equal(ncW["crps"], ncFlat["crps"]) {
		t.Errorf("cos-latitude weights changed nothing: %v", ncW["crps"])
	}
	// The report as a NetCDF Dataset: one variable per metric over the forecast's lead coordinate.
	if out, err := runTidal(t, "score", "--metrics", "crps,rmse,spread", "--forecast", p("fc.nc"), "--obs", p("truth.nc"), "--out", p("s.nc")); err != nil {
		t.Fatal(err, out)
	}
	for name, v := range ncW {
		got, err := data.ReadNC(p("s.nc"), name)
		if err != nil || !slices.Equal(got.Float64(), v) {
			t.Errorf("score Dataset %s: %v %v, want %v", name, got, err, v)
		}
	}
	if sl, _ := data.ReadNC(p("s.nc"), "lead"); sl == nil || !slices.Equal(sl.Float64(), lead.Float64()) {
		t.Errorf("score Dataset lead: %v", sl)
	}
	// Per variable: each channel scored on its own; CRPS being a mean over points, the mean over the
	// two channels (of equal size) is the whole field's.
	for _, name := range []string{"crps"} {
		pc, err := data.ReadNC(p("s.nc"), name+"_per_channel")
		if err != nil || !slices.Equal(pc.Shape, []int{2, 4}) {
			t.Fatalf("%s_per_channel: %v %v", name, pc, err)
		}
		v := pc.Float64()
		for k, want := range ncW[name] {
			if got := (v[k] + v[4+k]) / 2; math.Abs(got-want) > 1e-12*math.Abs(want) {
				t.Errorf("%s lead %d: mean over channels %v, whole field %v", name, k, got, want)
			}
		}
	}
	if h, _ := data.StatNC(p("s.nc")); h != nil {
		if v, err := h.Var("channel"); err != nil || len(v.Attrs) < 3 || v.Attrs[2].Text != "t2m u10" {
			t.Errorf("score Dataset channel names: %+v %v", v, err)
		}
	}
}

// TestLatWeightedCRPSMatchesNumPy scores a NetCDF forecast on a lat-lon grid (cos-latitude weights by
// default) and compares the CRPS with NumPy's, computed from the files as SciPy reads them: the ensemble
// CRPS E|X−y| − ½E|X−X'| per point, weighted by cos(lat) normalised to mean 1, averaged per lead.
func TestLatWeightedCRPSMatchesNumPy(t *testing.T) {
	py := pyref.ForTest(t, "numpy", "scipy.io")
	dir := t.TempDir()
	in := filepath.Join(dir, "era.nc")
	writeERA5Like(t, in, 24, 5, 6)
	fc, truth := filepath.Join(dir, "fc.nc"), filepath.Join(dir, "truth.nc")
	if out, err := runTidal(t, "baseline", "--data", in, "--var", "t2m", "--cases", "2", "--context", "2", "--lead", "3", "--members", "4",
		"--method", "climatology", "--pool", in, "--out", fc, "--truth-out", truth); err != nil {
		t.Fatal(err, out)
	}
	got := scoreJSON(t, "--forecast", fc, "--obs", truth)["crps"]
	script := `
import sys, json
import numpy as np
from scipy.io import netcdf_file
f = netcdf_file(sys.argv[1], "r", mmap=False); y = netcdf_file(sys.argv[2], "r", mmap=False)
x = f.variables["forecast"].data.astype(np.float64)     # [init, member, lead, lat, lon]
o = y.variables["truth"].data.astype(np.float64)        # [init, lead, lat, lon]
lat = f.variables["lat"].data.astype(np.float64)
w = np.cos(np.deg2rad(lat)); w = w / w.mean()
dims = y.variables["truth"].dimensions                 # (init, lead, [channel,] lat, lon)
shape = [1] * o.ndim; shape[dims.index("lat")] = -1
xm = np.moveaxis(x, 1, -1)
crps = np.abs(xm - o[..., None]).mean(-1) - 0.5 * np.abs(xm[..., :, None] - xm[..., None, :]).mean((-1, -2))
per_lead = (crps * w.reshape(shape)).mean(axis=tuple(i for i in range(o.ndim) if i != dims.index("lead")))
print(json.dumps(list(per_lead)))
`
	out, err := pyref.Run(py, script, fc, truth)
	if err != nil {
		t.Fatal(err)
	}
	var want []float64
	if err := json.Unmarshal(out, &want); err != nil || len(want) != len(got) {
		t.Fatalf("NumPy: %s %v", out, err)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9*math.Max(1, math.Abs(want[i])) {
			t.Errorf("lead %d: tidal CRPS %v, NumPy %v", i, got[i], want[i])
		}
	}
}

// TestNetCDFInputChoices checks --var, --time-dim and the refusals of an ambiguous or wrong choice.
func TestNetCDFInputChoices(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "era.nc")
	writeERA5Like(t, in, 12, 4, 4)
	out := filepath.Join(dir, "f.npy")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "choose with --var"},
		{[]string{"--var", "nope"}, `no variable "nope"`},
		{[]string{"--var", "t2m", "--time-dim", "level"}, "--time-dim level"},
	} {
		args := append([]string{"baseline", "--data", in, "--cases", "2", "--lead", "2", "--out", out}, c.args...)
		if msg, err := runTidal(t, args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v %s, want %q", c.args, err, msg, c.want)
		}
	}
	// The time axis by name: latitude as the frames axis gives [4 lat, 12 time, 4 lon].
	if msg, err := runTidal(t, "baseline", "--data", in, "--var", "t2m", "--time-dim", "latitude", "--cases", "1", "--context", "1",
		"--lead", "2", "--members", "1", "--out", out, "--truth-out", filepath.Join(dir, "o.npy")); err != nil || !strings.Contains(msg, "frames [1]") {
		t.Fatal(err, msg)
	}
	o, _ := data.ReadNPY(filepath.Join(dir, "o.npy"))
	a, _ := data.ReadNC(in, "t2m") // [time 12, lat 4, lon 4]
	// the case starts at latitude 1: o[0, 0, t, x] = t2m[t, 1, x]
	if !slices.Equal(o.Shape, []int{1, 2, 12, 4}) || o.Float32()[5*4+3] != a.Float32()[(5*4+1)*4+3] {
		t.Errorf("transposed read: shape %v", o.Shape)
	}
}

// TestNavierStokesNetCDF writes the same flow to NPY and to NetCDF (split in parts): the NetCDF parts
// hold the NPY's frames, with the time coordinate and provenance, and read back as fields.
func TestNavierStokesNetCDF(t *testing.T) {
	dir := t.TempDir()
	args := []string{"data", "navier-stokes", "--size", "16", "--kf", "2", "--frames", "4", "--spinup", "2", "--velocity", "--quiet", "--split", "0.5,0.25,0.25"}
	if out, err := runTidal(t, append(args, "--out", filepath.Join(dir, "ns.npy"))...); err != nil {
		t.Fatal(err, out)
	}
	if out, err := runTidal(t, append(args, "--out", filepath.Join(dir, "ns.npy"), "--format", "nc")...); err != nil {
		t.Fatal(err, out)
	}
	for _, part := range []string{"train", "val", "test"} {
		want, err := data.ReadNPY(filepath.Join(dir, "ns_"+part+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		nc := filepath.Join(dir, "ns_"+part+".nc")
		got, err := data.ReadNC(nc, "fields")
		if err != nil || !slices.Equal(got.Shape, want.Shape) || !slices.Equal(got.F32, want.F32) {
			t.Fatalf("%s: %v %v, want the NPY's %v", nc, got, err, want.Shape)
		}
		h, _ := data.StatNC(nc)
		if a, ok := h.Attr("tidal_command"); !ok || !strings.Contains(a.Text, "navier-stokes") {
			t.Errorf("%s: tidal_command %+v", nc, a)
		}
	}
	tm, _ := data.ReadNC(filepath.Join(dir, "ns_val.nc"), "time")
	if v := tm.Float64(); len(v) != 1 || math.Abs(v[0]-(2+2*4)*0.005) > 1e-12 { // frame 2: spin-up 2 + 2·4 steps of dt 0.005
		t.Errorf("time of the val part: %v", v)
	}
}

// TestNPZFieldInput reads fields from an NPZ archive: its only array, or the one --var names, with the
// same forecast as from the NPY of that array.
func TestNPZFieldInput(t *testing.T) {
	dir := t.TempDir()
	p := func(n string) string { return filepath.Join(dir, n) }
	v := make([]float32, 20*2*4)
	for i := range v {
		v[i] = float32(i%17) / 3
	}
	a := data.FromFloat32(v, 20, 2, 4)
	if err := data.WriteNPY(p("a.npy"), a); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPZ(p("one.npz"), map[string]*data.Array{"a": a}, true); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteNPZ(p("two.npz"), map[string]*data.Array{"a": a, "b": data.FromFloat32(v[:40], 10, 4)}, false); err != nil {
		t.Fatal(err)
	}
	base := []string{"baseline", "--cases", "2", "--lead", "3", "--members", "2"}
	run := func(in, out string, extra ...string) *data.Array {
		t.Helper()
		if msg, err := runTidal(t, append(append(base, "--data", in, "--out", p(out)), extra...)...); err != nil {
			t.Fatal(err, msg)
		}
		f, err := data.ReadNPY(p(out))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	want := run(p("a.npy"), "f0.npy")
	for _, got := range []*data.Array{run(p("one.npz"), "f1.npy"), run(p("two.npz"), "f2.npy", "--var", "a")} {
		if !slices.Equal(got.Shape, want.Shape) || !slices.Equal(got.F32, want.F32) {
			t.Errorf("NPZ input: %v, want the NPY's %v", got.Shape, want.Shape)
		}
	}
	if msg, err := runTidal(t, append(base, "--data", p("two.npz"), "--out", p("f3.npy"))...); err == nil || !strings.Contains(err.Error(), "choose one with --var") {
		t.Errorf("two arrays without --var: %v %s", err, msg)
	}
}
