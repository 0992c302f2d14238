package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidal-forecast/tidal/data"
	"github.com/tidal-forecast/tidal/nn"
)

// TestPeriodicLonGrid: `tidal train dydiff` on NetCDF fields of a recognised lat-lon grid pads
// periodically in longitude only (periodic_lon recorded, periodic off), --periodic keeps both axes
// periodic, and --periodic with --periodic-lon is refused; an NPY input keeps --periodic's default. The
// image model on the same grid records zero padding in latitude unless --periodic-h is given.
func TestPeriodicLonGrid(t *testing.T) {
	dir := t.TempDir()
	p := func(s string) string { return filepath.Join(dir, s) }
	v := latLonField(t, p("g.nc"), 0.3, 0.5)
	if err := data.WriteNPY(p("g.npy"), data.FromFloat32(v, latLonT, 1, latLonNY, latLonNX)); err != nil {
		t.Fatal(err)
	}
	train := func(in, run string, extra ...string) error {
		args := []string{"train", "dydiff", "--data", in, "--run", run, "--context", "2", "--predict", "2", "--channels", "8", "--groups", "4",
			"--mults", "1,2", "--blocks", "1", "--steps", "1", "--batch", "2", "--log-every", "1", "--checkpoint-every", "1"}
		_, err := runTidal(t, append(args, extra...)...)
		return err
	}
	recorded := func(run string) (periodic, lon bool) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(run, "options.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Config struct {
				UNet struct {
					Periodic    bool `json:"periodic"`
					PeriodicLon bool `json:"periodic_lon"`
				} `json:"unet"`
			} `json:"config"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		return rec.Config.UNet.Periodic, rec.Config.UNet.PeriodicLon
	}
	for _, c := range []struct {
		in, run       string
		extra         []string
		periodic, lon bool
	}{
		{"g.nc", "latlon", nil, false, true},
		{"g.nc", "both", []string{"--periodic"}, true, false},
		{"g.npy", "npy", nil, true, false},
		{"g.npy", "npylon", []string{"--periodic-lon"}, false, true},
	} {
		if err := train(p(c.in), p(c.run), c.extra...); err != nil {
			t.Fatalf("%s %v: %v", c.in, c.extra, err)
		}
		if per, lon := recorded(p(c.run)); per != c.periodic || lon != c.lon {
			t.Errorf("%s %v: recorded periodic %v, periodic_lon %v; want %v, %v", c.in, c.extra, per, lon, c.periodic, c.lon)
		}
	}
	if err := train(p("g.nc"), p("bad"), "--periodic", "--periodic-lon"); err == nil || !strings.Contains(err.Error(), "--periodic-lon") {
		t.Errorf("--periodic with --periodic-lon: %v", err)
	}
	// The image model on the lat-lon grid: zeros in latitude, periodic in longitude, unless --periodic-h.
	for _, c := range []struct {
		run        string
		extra      []string
		padH, padW int
	}{{"idm", nil, int(nn.Zero), int(nn.Periodic)}, {"idm2", []string{"--periodic-h"}, int(nn.Periodic), int(nn.Periodic)}} {
		args := append([]string{"train", "idm", "--data", p("g.nc"), "--run", p(c.run), "--steps", "1", "--batch", "2", "--log-every", "1",
			"--checkpoint-every", "1", "--blocks", "1", "--channels", "4", "--groups", "2", "--mults", "1,2", "--val-fraction", "0.4"}, c.extra...)
		if out, err := runTidal(t, args...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		b, err := os.ReadFile(filepath.Join(p(c.run), "options.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Config struct {
				UNet struct{ PadH, PadW int } `json:"unet"`
			} `json:"config"`
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		if u := rec.Config.UNet; u.PadH != c.padH || u.PadW != c.padW {
			t.Errorf("train idm %v on a lat-lon grid: padding (%d, %d), want (%d, %d)", c.extra, u.PadH, u.PadW, c.padH, c.padW)
		}
	}
}

// latLonT, latLonNY and latLonNX size latLonField's values: 10 frames on a 6 × 12 grid.
const latLonT, latLonNY, latLonNX = 10, 6, 12

// latLonField writes a NetCDF file at path holding t2m(time, lat, lon) = sin(a·t + b·x) on a lat-lon grid
// tidal recognises (writeLatLonNC) and returns the field's values.
func latLonField(t *testing.T, path string, a, b float64) []float32 {
	t.Helper()
	const T, ny, nx = latLonT, latLonNY, latLonNX
	v := make([]float32, T*ny*nx)
	for i := range v {
		v[i] = float32(math.Sin(a*float64(i/(ny*nx)) + b*float64(i%nx)))
	}
	writeLatLonNC(t, path, v, T, ny, nx)
	return v
}
