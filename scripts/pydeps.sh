#!/usr/bin/env bash
# Installs Debian's python3-numpy and python3-skimage when Debian's python3 lacks them.
# tidal's tests use them as independent references (NPY round trips, SSIM, NumPy solvers).
set -euo pipefail
py=${TIDAL_PYTHON:-/usr/bin/python3}
need=()
"$py" -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
"$py" -c 'import skimage' 2>/dev/null || need+=(python3-skimage)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "pydeps: $py lacks ${need[*]} and apt-get is not available; install them by hand" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "pydeps: installing ${need[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends python3 "${need[@]}" >/dev/null
