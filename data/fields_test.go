package data

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/guard"
)

// writeLatLonNC writes a NetCDF file with two variables u, v [time, lat, lon] (u = 100t + 10y + x,
// v = −u) and a third w [lat, time, lon] of the same values as u, with lat and lon coordinates.
func writeLatLonNC(t *testing.T, T, H, W int) string {
	t.Helper()
	lat := []float64{-60, 0, 60}[:H]
	spec := &NCSpec{
		Dims: []NCDim{{Name: "time", Len: T}, {Name: "lat", Len: H}, {Name: "lon", Len: W}},
		Vars: []NCVar{
			{Name: "time", Dims: []string{"time"}, Type: NCDouble, Attrs: []NCAttr{TextAttr("units", "hours since 2000-01-01")}},
			{Name: "lat", Dims: []string{"lat"}, Type: NCDouble},
			{Name: "lon", Dims: []string{"lon"}, Type: NCDouble},
			{Name: "u", Dims: []string{"time", "lat", "lon"}, Type: NCFloat, Attrs: []NCAttr{TextAttr("units", "m/s")}},
			{Name: "v", Dims: []string{"time", "lat", "lon"}, Type: NCFloat},
			{Name: "w", Dims: []string{"lat", "time", "lon"}, Type: NCDouble},
		},
	}
	u, v, w := make([]float32, T*H*W), make([]float32, T*H*W), make([]float64, T*H*W)
	times, lons := make([]float64, T), make([]float64, W)
	for i := range T {
		times[i] = 6 * float64(i)
		for y := range H {
			for x := range W {
				val := float32(100*i + 10*y + x)
				u[(i*H+y)*W+x], v[(i*H+y)*W+x], w[(y*T+i)*W+x] = val, -val, float64(val)
			}
		}
	}
	for x := range W {
		lons[x] = 30 * float64(x)
	}
	vals := map[string]*Array{"time": FromFloat64(times, T), "lat": FromFloat64(lat, H), "lon": FromFloat64(lons, W),
		"u": FromFloat32(u, T, H, W), "v": FromFloat32(v, T, H, W), "w": FromFloat64(w, H, T, W)}
	path := filepath.Join(t.TempDir(), "f.nc")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := EncodeNC(f, spec, vals); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStatAndReadFields: two NetCDF variables are stacked as channels [T, 2, H, W] with each value where
// the formula puts it; a variable whose time axis is not first is transposed; a lone variable gains a
// channel axis for rank 4; the lat-lon grid, time coordinate and units are recognised; and a file with
// several variables and no --var is refused naming the choice.
func TestStatAndReadFields(t *testing.T) {
	const T, H, W = 4, 3, 5
	path := writeLatLonNC(t, T, H, W)
	b := guard.Budget{Memory: 1 << 30}
	shape, dt, src, err := StatFields(path, 4, FieldSelect{Vars: []string{"u", "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(shape, []int{T, 2, H, W}) || dt != Float32 || src.Kind != "nc" || src.Describe() != "variables u,v" {
		t.Fatalf("shape %v, dtype %v, source %+v", shape, dt, src)
	}
	a, err := src.Read(path, b, shape)
	if err != nil {
		t.Fatal(err)
	}
	for i := range T {
		for y := range H {
			for x := range W {
				want := float32(100*i + 10*y + x)
				if got := a.F32[((i*2+0)*H+y)*W+x]; got != want {
					t.Fatalf("u[%d, %d, %d] = %v, want %v", i, y, x, got, want)
				}
				if got := a.F32[((i*2+1)*H+y)*W+x]; got != -want {
					t.Fatalf("v[%d, %d, %d] = %v, want %v", i, y, x, got, -want)
				}
			}
		}
	}
	if !src.IsLatLon() || src.Units != "" || !slices.Equal(src.Time, []float64{0, 6, 12, 18}) || src.TimeUnits != "hours since 2000-01-01" {
		t.Errorf("grid %v, units %q, time %v %q", src.IsLatLon(), src.Units, src.Time, src.TimeUnits)
	}
	lw := src.LatWeights()
	if len(lw) != H || math.Abs(lw[0]-0.5) > 1e-12 || lw[1] != 1 || math.Abs(lw[2]-0.5) > 1e-12 {
		t.Errorf("latitude weights %v, want cos(−60°, 0°, 60°) = 0.5, 1, 0.5", lw)
	}
	// w is [lat, time, lon]: with --time-dim time it reads as [T, 1, H, W], equal to u.
	shape, dt, src, err = StatFields(path, 4, FieldSelect{Vars: []string{"w"}, TimeDim: "time"})
	if err != nil || !slices.Equal(shape, []int{T, 1, H, W}) || dt != Float64 || src.TimeAxis != 1 {
		t.Fatalf("w: shape %v, dtype %v, %+v, %v", shape, dt, src, err)
	}
	wa, err := src.Read(path, b, shape)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range wa.F64 {
		if i, y, x := k/(H*W), k/W%H, k%W; v != float64(100*i+10*y+x) {
			t.Fatalf("w transposed: value %d = %v, want %v", k, v, 100*i+10*y+x)
		}
	}
	if _, _, _, err := StatFields(path, 4, FieldSelect{}); err == nil || !strings.Contains(err.Error(), "choose with --var") {
		t.Errorf("several variables without --var: %v", err)
	}
	if _, _, _, err := StatFields(path, 4, FieldSelect{Vars: []string{"u", "w"}}); err == nil || !strings.Contains(err.Error(), "different dimensions") {
		t.Errorf("stacking variables of other dimensions: %v", err)
	}
	if FileKind(path) != "nc" || FileKind(filepath.Dir(path)) != "" {
		t.Errorf("FileKind: %q for the file, %q for its folder", FileKind(path), FileKind(filepath.Dir(path)))
	}
}

// TestStatNPZField: an NPZ member is picked by --var, or alone; several without --var are refused.
func TestStatNPZField(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.npz")
	a := FromFloat32([]float32{1, 2, 3, 4, 5, 6}, 3, 1, 1, 2)
	if err := WriteNPZ(path, map[string]*Array{"x": a, "y": FromFloat32([]float32{0}, 1)}, false); err != nil {
		t.Fatal(err)
	}
	shape, _, src, err := StatFields(path, 4, FieldSelect{Vars: []string{"x"}})
	if err != nil || !slices.Equal(shape, []int{3, 1, 1, 2}) || src.Describe() != "array x" {
		t.Fatalf("shape %v, %+v, %v", shape, src, err)
	}
	got, err := src.Read(path, guard.Budget{Memory: 1 << 20}, shape)
	if err != nil || !slices.Equal(got.F32, a.F32) {
		t.Fatalf("read %v, %v", got, err)
	}
	if _, _, _, err := StatFields(path, 4, FieldSelect{}); err == nil || !strings.Contains(err.Error(), "choose one with --var") {
		t.Errorf("two arrays without --var: %v", err)
	}
}
