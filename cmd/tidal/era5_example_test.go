package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidal-forecast/tidal/internal/testref/pyref"
)

// TestERA5LikeExample is the real-format example of docs/NETCDF.md: SciPy writes a tiny ERA5-like file
// (time in hours since 1979 as the record dimension, latitude and longitude, packed short t2m and u10),
// tidal trains DyDiff on it for a few steps and forecasts from the command line, and xarray opens the
// forecast with its coordinates init, member, lead, lat and lon and their units.
func TestERA5LikeExample(t *testing.T) {
	py := pyref.ForTest(t, "numpy", "scipy.io", "xarray")
	dir := t.TempDir()
	era := filepath.Join(dir, "era5.nc")
	const write = `
import sys
import numpy as np
from scipy.io import netcdf_file
T, NY, NX = 24, 8, 12
f = netcdf_file(sys.argv[1], "w", version=2)
f.Conventions = "CF-1.6"
f.createDimension("time", None); f.createDimension("latitude", NY); f.createDimension("longitude", NX)
t = f.createVariable("time", "i", ("time",)); t.units = "hours since 1900-01-01 00:00:00.0"; t.calendar = "gregorian"
t[:] = 692496 + 6 * np.arange(T)
la = f.createVariable("latitude", "f", ("latitude",)); la.units = "degrees_north"; la[:] = np.linspace(70, -70, NY)
lo = f.createVariable("longitude", "f", ("longitude",)); lo.units = "degrees_east"; lo[:] = 30.0 * np.arange(NX)
g = np.arange(T)[:, None, None] * 0.3 + np.cos(np.deg2rad(la[:]))[None, :, None] * 20 + np.sin(np.deg2rad(lo[:]))[None, None, :]
for name, units, off, scale, field in (("t2m", "K", 270.0, 0.002, 270 + g), ("u10", "m s**-1", 0.0, 0.001, g / 4)):
    v = f.createVariable(name, "h", ("time", "latitude", "longitude"))
    v.units, v.add_offset, v.scale_factor, v._FillValue, v.missing_value = units, off, scale, np.int16(-32767), np.int16(-32767)
    v[:] = np.round((field - off) / scale).astype("i2")
f.close()
`
	if out, err := pyref.Run(py, write, era); err != nil {
		t.Fatal(err, string(out))
	}
	run, fc := filepath.Join(dir, "run"), filepath.Join(dir, "fc.nc")
	// As child processes, the command line exactly as a user types it (in-process runs would append
	// --mults to the values of slice flags set by earlier tests).
	tidal := func(args ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if out, err := tidalChild(ctx, dir, args...).CombinedOutput(); err != nil {
			t.Fatalf("tidal %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	tidal("train", "dydiff", "--data", era, "--var", "t2m,u10", "--run", run, "--context", "2", "--predict", "3",
		"--channels", "8", "--groups", "4", "--mults", "1,2", "--blocks", "1", "--steps", "2", "--batch", "2", "--log-every", "1", "--checkpoint-every", "2")
	tidal("forecast", "--run", run, "--data", era, "--var", "t2m,u10", "--out", fc, "--members", "3",
		"--sampler-steps", "2", "--cases", "2", "--lead", "4", "--seed", "5")
	const check = `
import sys
import numpy as np
import xarray as xr
ds = xr.open_dataset(sys.argv[1])
f = ds.forecast
assert f.dims == ("init", "member", "lead", "channel", "lat", "lon"), f.dims
assert f.shape == (2, 3, 4, 2, 8, 12), f.shape
assert np.issubdtype(ds.init.dtype, np.datetime64) and np.issubdtype(ds.lead.dtype, np.timedelta64)
assert list(ds.lead.values.astype("timedelta64[h]").astype(int)) == [6, 12, 18, 24], ds.lead.values
assert str(ds.init.values[0])[:4] == "1979", ds.init.values
assert ds.lat.attrs["units"] == "degrees_north" and ds.lon.attrs["units"] == "degrees_east"
assert np.allclose(ds.lat.values, np.linspace(70, -70, 8)) and np.allclose(ds.lon.values, 30.0 * np.arange(12))
assert ds.channel.attrs["variables"] == "t2m u10"
assert "--var t2m,u10" in ds.attrs["tidal_command"] and ds.attrs["tidal_seed"] == 5, ds.attrs
assert np.isfinite(f.values).all()
truth = xr.open_dataset(sys.argv[2]).truth
assert truth.dims == ("init", "lead", "channel", "lat", "lon")
assert abs(float(truth.isel(channel=0).mean()) - 275) < 15, float(truth.isel(channel=0).mean())
print("ok")
`
	out, err := pyref.Run(py, check, fc, strings.TrimSuffix(fc, ".nc")+".truth.nc")
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("xarray: %v %s", err, out)
	}
}
