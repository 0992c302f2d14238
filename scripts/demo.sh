#!/usr/bin/env bash
# make demo: the most complete tidal pipeline that works at this point of the project.
set -euo pipefail
bin=${1:-bin/tidal}
"$bin" version
"$bin" backends
