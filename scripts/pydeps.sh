#!/usr/bin/env bash
# Installs Debian's python3-numpy, python3-skimage, python3-scipy, python3-xarray, python3-pandas and python3-netcdf4 when
# Debian's python3 lacks them. tidal's tests use them as independent references (NPY and NetCDF round trips,
# SSIM, NumPy solvers, pandas reading the series forecasts' CSV and JSON lines).
set -euo pipefail
py=${TIDAL_PYTHON:-/usr/bin/python3}
need=()
"$py" -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
"$py" -c 'import skimage' 2>/dev/null || need+=(python3-skimage)
"$py" -c 'import scipy.io' 2>/dev/null || need+=(python3-scipy)
"$py" -c 'import xarray' 2>/dev/null || need+=(python3-xarray)
"$py" -c 'import pandas' 2>/dev/null || need+=(python3-pandas)
"$py" -c 'import netCDF4' 2>/dev/null || need+=(python3-netcdf4)
[ ${#need[@]} -eq 0 ] && exit 0
"$(dirname "$0")/apt-install.sh" pydeps python3 "${need[@]}"
