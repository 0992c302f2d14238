"""SciPy's and xarray's side of data's TestNetCDFInterop.

Usage: netcdf_interop.py DIR  -- reads tidal_v1.nc and tidal_v2.nc (CDF-1 and CDF-2 written by tidal) with
scipy.io.netcdf_file and checks every value and attribute, opens them in xarray (when installed) and checks
the dimensions, the CF decoding (scale_factor, add_offset, time units), then writes scipy_v1.nc and
scipy_v2.nc of the same content for tidal to read, and with xarray xarray_v1.nc (CDF-1, fixed time) and
xarray_v2.nc (CDF-2, time unlimited) holding t2m, sp and orog. Where netCDF4-python is installed, it also
reads tidal_v5.nc (CDF-5 written by tidal) with netCDF4 and xarray's netcdf4 engine, and writes
netcdf4_v5.nc (netCDF4.Dataset, NETCDF3_64BIT_DATA, the same content) and xarray_v5.nc (xarray, CDF-5).
Prints ok, then noxarray and nonetcdf4 for what is missing.

The content (tidal's data ncSample): record dimension time, y=3, x=5; time(time) double in hours since
2000-01-01 (0, 6, 12, ...), y(y) and x(x) float, t2m(time,y,x) float 250+0.25 i, sp(time,y,x) double
1e5+sqrt(i), q(time,x) short i%7-3 with scale_factor 0.5 and add_offset 10, orog(y,x) double -i/3.
"""
import os, sys
import numpy as np
from scipy.io import netcdf_file

d = sys.argv[1]
T, NY, NX = 4, 3, 5


def expected():
    n = T * NY * NX
    return {
        "time": 6.0 * np.arange(T),
        "y": np.arange(NY, dtype=np.float32),
        "x": np.arange(NX, dtype=np.float32),
        "t2m": (250 + np.arange(n, dtype=np.float32) * np.float32(0.25)).reshape(T, NY, NX),
        "sp": (1e5 + np.sqrt(np.arange(n))).reshape(T, NY, NX),
        "q": (np.arange(T * NX) % 7 - 3).astype(np.int16).reshape(T, NX),
        "orog": (-np.arange(NY * NX) / 3).reshape(NY, NX),
    }


want = expected()
types = {"time": "d", "y": "f", "x": "f", "t2m": "f", "sp": "d", "q": "h", "orog": "d"}
dims = {"time": ("time",), "y": ("y",), "x": ("x",), "t2m": ("time", "y", "x"), "sp": ("time", "y", "x"),
        "q": ("time", "x"), "orog": ("y", "x")}
for v in (1, 2):
    p = os.path.join(d, "tidal_v%d.nc" % v)
    with open(p, "rb") as fh:
        assert fh.read(4) == b"CDF" + bytes([v]), p
    f = netcdf_file(p, "r", mmap=False, maskandscale=False)
    assert f.dimensions["time"] is None and f.dimensions["y"] == NY and f.dimensions["x"] == NX, f.dimensions
    assert f.Conventions == b"CF-1.8" and int(f.seed) == 7, (f.Conventions, f.seed)
    for name, w in want.items():
        var = f.variables[name]
        assert var.dimensions == dims[name], (name, var.dimensions)
        assert var.typecode() == types[name], (name, var.typecode())
        assert np.array_equal(var.data, w), (p, name, var.data, w)
    assert f.variables["t2m"].units == b"K"
    assert f.variables["q"].scale_factor == 0.5 and f.variables["q"].add_offset == 10
    f.close()
try:
    import xarray as xr
except ImportError:
    xr = None
if xr is not None:
    ds = xr.open_dataset(os.path.join(d, "tidal_v2.nc"), engine="scipy")
    assert ds.t2m.dims == ("time", "y", "x") and ds.t2m.attrs["units"] == "K"
    assert np.array_equal(ds.q.values, want["q"] * 0.5 + 10)
    assert ds.time.values[1] == np.datetime64("2000-01-01T06:00"), ds.time.values
    assert np.array_equal(ds.t2m.values, want["t2m"]) and ds.attrs["Conventions"] == "CF-1.8"
    ds.close()


def write_sample(f):
    """Writes the sample's dimensions, variables and attributes into the open writer f (SciPy's
    netcdf_file or netCDF4.Dataset, which share this part of their API) and closes it."""
    f.Conventions = "CF-1.8"
    f.seed = np.int32(7)
    f.createDimension("time", None)
    f.createDimension("y", NY)
    f.createDimension("x", NX)
    for name in ("time", "y", "x", "t2m", "sp", "q", "orog"):
        var = f.createVariable(name, types[name], dims[name])
        var[:] = want[name]
    f.variables["time"].units = "hours since 2000-01-01"
    f.variables["t2m"].units = "K"
    f.variables["q"].scale_factor = 0.5
    f.variables["q"].add_offset = 10.0
    f.close()


def sample_dataset():
    """The sample's t2m, sp and orog as an xarray Dataset with datetime and coordinates."""
    return xr.Dataset(
        {"t2m": (("time", "y", "x"), want["t2m"], {"units": "K"}), "sp": (("time", "y", "x"), want["sp"]),
         "orog": (("y", "x"), want["orog"])},
        coords={"time": np.datetime64("2000-01-01T00:00") + np.arange(T) * np.timedelta64(6, "h"),
                "y": want["y"], "x": want["x"]},
        attrs={"Conventions": "CF-1.8", "seed": np.int32(7)})


for v in (1, 2):
    write_sample(netcdf_file(os.path.join(d, "scipy_v%d.nc" % v), "w", version=v))
enc = {"time": {"units": "hours since 2000-01-01", "dtype": "int32"}}
if xr is not None:
    # xarray writes the same fields (CDF-1 and CDF-2, scipy engine).
    ds = sample_dataset()
    ds.to_netcdf(os.path.join(d, "xarray_v1.nc"), format="NETCDF3_CLASSIC", engine="scipy", encoding=enc)
    ds.to_netcdf(os.path.join(d, "xarray_v2.nc"), format="NETCDF3_64BIT", engine="scipy", encoding=enc,
                 unlimited_dims=["time"])
try:
    import netCDF4
except ImportError:
    netCDF4 = None
if netCDF4 is not None:
    p = os.path.join(d, "tidal_v5.nc")
    with open(p, "rb") as fh:
        assert fh.read(4) == b"CDF\x05", p
    f = netCDF4.Dataset(p, "r")
    assert f.data_model == "NETCDF3_64BIT_DATA", f.data_model
    f.set_auto_maskandscale(False)
    assert f.dimensions["time"].isunlimited() and len(f.dimensions["time"]) == T
    assert f.Conventions == "CF-1.8" and int(f.seed) == 7, (f.Conventions, f.seed)
    for name, w in want.items():
        var = f.variables[name]
        assert var.dimensions == dims[name], (name, var.dimensions)
        assert var.dtype == np.dtype(types[name]), (name, var.dtype)
        assert np.array_equal(var[:], w), (p, name, var[:], w)
    f.close()
    if xr is not None:
        ds = xr.open_dataset(p, engine="netcdf4")
        assert np.array_equal(ds.q.values, want["q"] * 0.5 + 10)
        assert ds.time.values[1] == np.datetime64("2000-01-01T06:00"), ds.time.values
        assert np.array_equal(ds.t2m.values, want["t2m"]) and ds.t2m.attrs["units"] == "K"
        ds.close()
    f = netCDF4.Dataset(os.path.join(d, "netcdf4_v5.nc"), "w", format="NETCDF3_64BIT_DATA")
    f.set_auto_maskandscale(False)
    write_sample(f)
    if xr is not None:
        sample_dataset().to_netcdf(os.path.join(d, "xarray_v5.nc"), format="NETCDF3_64BIT_DATA", engine="netcdf4",
                                   encoding=enc, unlimited_dims=["time"])
print("ok" + (" noxarray" if xr is None else "") + (" nonetcdf4" if netCDF4 is None else ""))
