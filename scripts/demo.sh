#!/usr/bin/env bash
# make demo: the most complete tidal pipeline that works at this point of the project.
#   1. simulate forced 2D turbulence (the default data) and split it into train/val/test;
#   2. make reference forecasts (persistence, climatological ensemble) for cases of the test split;
#   3. score them with the field's verification metrics;
#   4. write a report (plots, animations, every number) of the scores and forecasts.
# Everything lands in demo-out/.
set -euo pipefail
bin=${1:-bin/tidal}
out=demo-out
mkdir -p "$out"

"$bin" version
"$bin" backends
echo
echo "== 1. forced 2D turbulence, 32x32, 3000 frames (dt = 0.005, a frame every 4 steps)"
"$bin" data navier-stokes --out "$out/ns.npy" --size 32 --frames 3000 --nu auto --seed 1 \
    --split 0.7,0.1,0.2 --quiet
echo
echo "== 2. reference forecasts: 20 cases x 10 leads x 16 members"
"$bin" baseline --data "$out/ns_test.npy" --method persistence --members 16 --cases 20 --lead 10 \
    --out "$out/persistence.npy" --truth-out "$out/truth.npy"
"$bin" baseline --data "$out/ns_test.npy" --method climatology --pool "$out/ns_train.npy" --seed 1 \
    --members 16 --cases 20 --lead 10 --out "$out/climatology.npy"
echo
for m in persistence climatology; do
    echo "== 3. scores of the $m forecast"
    "$bin" score --forecast "$out/$m.npy" --obs "$out/truth.npy" --metrics crps,crps-fair,rmse,spread,ssr,csi \
        --thresholds 1 --json --out "$out/score_$m.json" >/dev/null
    "$bin" score --forecast "$out/$m.npy" --obs "$out/truth.npy" --metrics crps,crps-fair,rmse,spread,ssr
    echo
done
echo "== 4. report"
"$bin" report --out "$out/report" --truth "$out/truth.npy" \
    --label "$out/score_persistence.json=persistence" --label "$out/score_climatology.json=climatology" \
    "$out/score_persistence.json" "$out/score_climatology.json" "$out/climatology.npy"
echo "demo outputs in $out/; open $out/report/report.html"
