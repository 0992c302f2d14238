#!/usr/bin/env bash
# apt-install.sh WHO PACKAGE...: installs Debian packages with apt-get (through sudo when not root), for
# the scripts that need them (pydeps.sh, report-check.sh); WHO names the caller in its messages.
set -euo pipefail
who=$1
shift
if ! command -v apt-get >/dev/null; then
  echo "$who: $* missing and apt-get is not available; install them by hand" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "$who: installing $* with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
