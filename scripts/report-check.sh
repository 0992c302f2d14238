#!/usr/bin/env bash
# The report's acceptance check: installs Debian's chromium when it is missing (about 80 MB to download,
# 290 MB installed, so `make test` does not do it), then opens a report in headless chromium and checks
# from a screenshot that every image renders (report/chromium_test.go). The screenshot and the report
# are kept in ${TIDAL_REPORT_SHOTS:-out/report-check} for a look.
set -euo pipefail
go=${GO:-go}
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then
  "$(dirname "$0")/apt-install.sh" report-check chromium fonts-dejavu-core
fi
export TIDAL_REPORT_SHOTS=${TIDAL_REPORT_SHOTS:-$PWD/out/report-check}
TIDAL_REQUIRE_CHROMIUM=1 $go test -count=1 -v -run TestReportRendersInChromium ./report/
echo "report-check: screenshot in $TIDAL_REPORT_SHOTS/report-screenshot.png, report in $TIDAL_REPORT_SHOTS/report/"
