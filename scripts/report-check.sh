#!/usr/bin/env bash
# The report's acceptance check: installs Debian's chromium when it is missing (about 80 MB to download,
# 290 MB installed, so `make test` does not do it), then opens a report in headless chromium and checks
# from a screenshot that every image renders (report/chromium_test.go). The screenshot and the report
# are kept in ${TIDAL_REPORT_SHOTS:-out/report-check} for a look.
set -euo pipefail
go=${GO:-go}
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  if ! command -v apt-get >/dev/null; then
    echo "report-check: chromium is missing and apt-get is not available; install chromium by hand" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "report-check: installing chromium with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
export TIDAL_REPORT_SHOTS=${TIDAL_REPORT_SHOTS:-$PWD/out/report-check}
TIDAL_REQUIRE_CHROMIUM=1 $go test -count=1 -v -run TestReportRendersInChromium ./report/
echo "report-check: screenshot in $TIDAL_REPORT_SHOTS/report-screenshot.png, report in $TIDAL_REPORT_SHOTS/report/"
