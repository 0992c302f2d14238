package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// writeLatLonNC writes v [T, ny, nx] as variable "t2m" with lat (ny rows from −60° to 60°) and lon
// coordinates: a regular lat-lon grid as tidal recognises it.
func writeLatLonNC(t *testing.T, path string, v []float32, T, ny, nx int) {
	t.Helper()
	lat, lon := make([]float64, ny), make([]float64, nx)
	for i := range lat {
		lat[i] = -60 + 120*float64(i)/float64(max(ny-1, 1))
	}
	for i := range lon {
		lon[i] = 360 * float64(i) / float64(nx)
	}
	spec := &data.NCSpec{Dims: []data.NCDim{{Name: "time", Len: T, Unlimited: true}, {Name: "lat", Len: ny}, {Name: "lon", Len: nx}},
		Vars: []data.NCVar{{Name: "lat", Dims: []string{"lat"}, Type: data.NCDouble}, {Name: "lon", Dims: []string{"lon"}, Type: data.NCDouble},
			{Name: "t2m", Dims: []string{"time", "lat", "lon"}, Type: data.NCFloat}}}
	if err := data.WriteNC(path, spec, map[string]*data.Array{"lat": data.FromFloat64(lat, ny), "lon": data.FromFloat64(lon, nx), "t2m": data.FromFloat32(v, T, ny, nx)}); err != nil {
		t.Fatal(err)
	}
}

// `tidal score rollout` on NetCDF fields of a lat-lon grid reports the zonal spectrum: fields
// a(t)·sin(3λ) have their power (a²/2 averaged over time) at zonal wavenumber 3 only, which
// the isotropic spectrum (asked with --spectrum isotropic) does not single out the same way.
func TestScoreRolloutZonalSpectrum(t *testing.T) {
	dir := t.TempDir()
	const T, ny, nx = 12, 5, 16
	v := make([]float32, T*ny*nx)
	ms := 0.0
	for n := range T {
		a := 1 + 0.1*float64(n)
		ms += a * a / 2 / T
		for i := range ny {
			for j := range nx {
				v[(n*ny+i)*nx+j] = float32(a * math.Sin(3*2*math.Pi*float64(j)/nx))
			}
		}
	}
	path := filepath.Join(dir, "f.nc")
	writeLatLonNC(t, path, v, T, ny, nx)
	score := func(extra ...string) map[string]any {
		t.Helper()
		out, err := runTidal(t, append([]string{"score", "rollout", "--forecast", path, "--obs", path, "--max-lag", "2", "--json"}, extra...)...)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var rep struct {
			Truth map[string]any `json:"truth"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return rep.Truth
	}
	tr := score()
	if tr["spectrum_kind"] != "zonal" {
		t.Fatalf("spectrum_kind %v on a lat-lon grid, want zonal", tr["spectrum_kind"])
	}
	spec := tr["isotropic_spectrum"].([]any)
	if len(spec) != nx/2+1 {
		t.Fatalf("%d zonal wavenumbers, want %d", len(spec), nx/2+1)
	}
	for k, x := range spec {
		want := 0.0
		if k == 3 {
			want = ms
		}
		if got := x.(float64); math.Abs(got-want) > 1e-5 {
			t.Errorf("zonal S(%d) = %v, want %v", k, got, want)
		}
	}
	if iso := score("--spectrum", "isotropic"); iso["spectrum_kind"] != nil {
		t.Errorf("--spectrum isotropic: spectrum_kind %v", iso["spectrum_kind"])
	}
	if _, err := runTidal(t, "score", "rollout", "--forecast", path, "--obs", path, "--max-lag", "2", "--spectrum", "radial"); err == nil {
		t.Error("--spectrum radial: no error")
	}
}
