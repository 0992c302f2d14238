package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
)

// `tidal train idm` on a lat-lon grid without --periodic-h records periodic-h: false in config.yaml,
// the padding the run used, and the recorded config runs the same (finished) run again.
func TestGuidedConfigRecordsLatLonPadding(t *testing.T) {
	dir := t.TempDir()
	const T, ny, nx = 10, 6, 12
	v := make([]float32, T*ny*nx)
	for i := range v {
		v[i] = float32(math.Sin(0.2*float64(i/(ny*nx)) + 0.7*float64(i%nx)))
	}
	lat, lon := make([]float64, ny), make([]float64, nx)
	for i := range lat {
		lat[i] = -75 + 30*float64(i)
	}
	for i := range lon {
		lon[i] = 30 * float64(i)
	}
	spec := &data.NCSpec{Dims: []data.NCDim{{Name: "time", Len: T, Unlimited: true}, {Name: "lat", Len: ny}, {Name: "lon", Len: nx}},
		Vars: []data.NCVar{{Name: "lat", Dims: []string{"lat"}, Type: data.NCDouble}, {Name: "lon", Dims: []string{"lon"}, Type: data.NCDouble},
			{Name: "t2m", Dims: []string{"time", "lat", "lon"}, Type: data.NCFloat}}}
	in, run := filepath.Join(dir, "g.nc"), filepath.Join(dir, "idm")
	if err := data.WriteNC(in, spec, map[string]*data.Array{"lat": data.FromFloat64(lat, ny), "lon": data.FromFloat64(lon, nx), "t2m": data.FromFloat32(v, T, ny, nx)}); err != nil {
		t.Fatal(err)
	}
	if out, err := runTidal(t, "train", "idm", "--data", in, "--run", run, "--steps", "1", "--batch", "2", "--log-every", "1",
		"--checkpoint-every", "1", "--blocks", "1", "--channels", "4", "--groups", "2", "--mults", "1,2", "--quiet"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(run, "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "periodic-h: false") || !strings.Contains(string(b), "periodic-w: true") {
		t.Errorf("config.yaml does not record the lat-lon padding:\n%s", b)
	}
	if out, err := runTidal(t, "train", "idm", "--config", filepath.Join(run, "config.yaml")); err != nil || !strings.Contains(out, "at step 1") {
		t.Errorf("--config with the run's config.yaml: %v\n%s", err, out)
	}
}
