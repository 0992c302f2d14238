#!/usr/bin/env bash
# Installs Debian's python3-numpy and python3-skimage when Debian's python3 lacks them.
# tidal's tests use them as independent references (NPY round trips, SSIM, NumPy solvers).
set -euo pipefail
py=${TIDAL_PYTHON:-/usr/bin/python3}
need=()
"$py" -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
"$py" -c 'import skimage' 2>/dev/null || need+=(python3-skimage)
[ ${#need[@]} -eq 0 ] && exit 0
"$(dirname "$0")/apt-install.sh" pydeps python3 "${need[@]}"
