package imagerun

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/guided"
	"github.com/tidal-forecast/tidal/nn"
)

// writeLatLon writes T frames of t2m on a 6×12 latitude-longitude grid as NetCDF.
func writeLatLon(t *testing.T, dir string, T int) string {
	t.Helper()
	const ny, nx = 6, 12
	v := make([]float32, T*ny*nx)
	for i := range v {
		v[i] = float32(math.Cos(0.4*float64(i/(ny*nx)) - 0.5*float64(i%nx)))
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
	path := filepath.Join(dir, "grid.nc")
	if err := data.WriteNC(path, spec, map[string]*data.Array{"lat": data.FromFloat64(lat, ny), "lon": data.FromFloat64(lon, nx), "t2m": data.FromFloat32(v, T, ny, nx)}); err != nil {
		t.Fatal(err)
	}
	return path
}

// On a lat-lon grid the image model pads latitude with zeros (no wrap across the poles) and tells
// Resolved so, unless --periodic-h was given; longitude stays periodic.
func TestLatLonGridIsNotPeriodicInLatitude(t *testing.T) {
	dir := t.TempDir()
	path := writeLatLon(t, dir, 10)
	for _, c := range []struct {
		given      bool
		padH       nn.Padding
		resolution string
	}{{false, nn.Zero, "periodic-h=false"}, {true, nn.Periodic, ""}} {
		o := tinyTrainOptions(guided.KindIDM, path, filepath.Join(dir, "run"))
		o.Channels, o.Groups, o.PeriodicHGiven = 4, 2, c.given
		var heard string
		o.Resolved = func(name, value string) { heard += name + "=" + value }
		tr, err := PrepareTraining(o)
		if err != nil {
			t.Fatal(err)
		}
		if u := tr.Trainer.Config.UNet; u == nil || u.PadH != c.padH || u.PadW != nn.Periodic || heard != c.resolution {
			t.Errorf("--periodic-h given %v: UNet %+v, resolved %q: want padding (%v, periodic) and %q", c.given, u, heard, c.padH, c.resolution)
		}
	}
}
