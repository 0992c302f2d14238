#!/usr/bin/env bash
# gpu-check.sh: the one-command check of tidal on a CUDA GPU (`make gpu-check`; docs/PERFORMANCE.md).
#
# It finds (or builds, with CGO_ENABLED=1) a tidal binary, looks for the GPU (nvidia-smi), the PJRT CUDA
# plugin (site-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so) and the NVIDIA libraries beside it
# (site-packages/nvidia/*/lib), then runs:
#   CPU half (always): trains DyDiff, the image model (IDM) and the discriminator with a fixed seed on the
#     pure-Go backend, recording their loss curves; forecasts (DyDiff) and rolls out (the guided IDM);
#     times the training step (tidal bench train-step).
#   GPU half (when a GPU, the plugin and a cgo build are there):
#     (b) the same three trainings on cuda, their loss curves compared with the CPU's;
#     (c) the forecast and the rollout of the CPU-trained models on cuda, compared with the CPU's;
#     (a) the tests of the packages that share tensortest's backend, on cuda (TIDAL_TEST_BACKEND=cuda);
#     (d) the training step at 64² and 256² against PyTorch eager and torch.compile on the same GPU, and
#         the guided rollout per frame at 256² against the paper's 0.19 s;
#   and writes $OUT/gpu-check.json, $OUT/gpu-check.md and $OUT/gpu-check.log.
# Without a GPU it prints "GPU half skipped: <reason>" and exits 0 after the CPU half.
#
# Environment (all optional):
#   OUT                 output folder (default ./gpu-check-out); only the three files above go there
#   TIDAL_BIN           a prebuilt tidal (built with CGO_ENABLED=1 for the GPU half)
#   GPU_CHECK_BUNDLE    a bundle made by `make gpu-check-bundle`: tidal and the test binaries, for machines
#                       without Go (the GPU machines have none); where Go is missing, bin/gpu-check.tar.gz
#                       is used when it exists
#   GPU_CHECK_STEPS     training steps of each model (default 200 with a GPU, 40 without)
#   GPU_CHECK_SIZE      grid size of the trainings (default 32 with a GPU, 16 without)
#   GPU_CHECK_SEED      seed of everything (default 1)
#   GPU_CHECK_BUDGET    seconds for the whole GPU half (default 380; each part gets at most what is left)
#   GPU_CHECK_TEST_BUDGET  seconds for part (a), the tests on cuda (default 100)
#   GPU_CHECK_CPU_ONLY  1: skip the GPU half even where a GPU is found
#   GPU_CHECK_LOSS_TOL, GPU_CHECK_FC_TOL, GPU_CHECK_ROLL_TOL  tolerances (default 0.15, 0.05, 0.10; see
#                       the Markdown summary for their meaning)
#   TIDAL_PJRT_PLUGIN   the plugin's absolute path, instead of the search
#   GPU_CHECK_FAKE_GPU  1 (for testing this script only): run the GPU half on the pure-Go backend at small
#                       sizes (GPU_CHECK_GPU_SIZES, GPU_CHECK_BIG), so that its code paths run without a GPU
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$PWD/gpu-check-out}
mkdir -p "$OUT" || { echo "gpu-check: cannot create OUT=$OUT" >&2; exit 1; }
OUT=$(cd "$OUT" && pwd)
log=$OUT/gpu-check.log
: >"$log"
work=$(mktemp -d "${TMPDIR:-/tmp}/tidal-gpu-check.XXXXXX") || { echo "gpu-check: mktemp failed" >&2; exit 1; }
trap 'rm -rf "$work"' EXIT
results=$work/results.tsv
: >"$results"
start_all=$(date +%s)

say() { echo "gpu-check: $*" | tee -a "$log"; }
die() { say "ERROR: $*"; exit 1; }
# record KEY STATUS SECONDS DETAIL: one line of the summary's table.
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(echo "$4" | tr '\t\n' '  ' | cut -c1-400)" >>"$results"; }

# run KEY TIMEOUT CMD...: runs CMD with a timeout, its output to the log and to $work/KEY.out; records
# ok, failed (exit status) or timeout. Returns CMD's status.
run() {
  local key=$1 limit=$2
  shift 2
  if [ "$limit" -le 0 ]; then
    record "$key" skipped 0 "no time left in GPU_CHECK_BUDGET"
    say "$key: skipped (no time left)"
    return 124
  fi
  say "$key: $* (timeout ${limit}s)"
  local t0 st
  t0=$(date +%s.%N)
  timeout --kill-after=10 "$limit" "$@" >"$work/$key.out" 2>&1
  st=$?
  local dt
  dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
  cat "$work/$key.out" >>"$log"
  case $st in
  0) record "$key" ok "$dt" "" ;;
  124 | 137) record "$key" timeout "$dt" "$(tail -n 3 "$work/$key.out")" ;;
  *) record "$key" failed "$dt" "exit $st: $(tail -n 3 "$work/$key.out")" ;;
  esac
  say "$key: exit $st after ${dt}s"
  return $st
}

python=""
for p in python3 /opt/torch/.venv/bin/python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import json, struct' >/dev/null 2>&1; then
    python=$(command -v "$p")
    break
  fi
done
[ -n "$python" ] || die "no python3 found (the summary is written with Python's standard library)"

# --- the tidal binary -----------------------------------------------------------------------------------
testbins=""
bundle=${GPU_CHECK_BUNDLE:-}
gobin=$(command -v "${GO:-go}" 2>/dev/null || true)
# Precedence: TIDAL_BIN, an explicit GPU_CHECK_BUNDLE, a fresh build where Go is installed, the default
# bundle bin/gpu-check.tar.gz (the GPU machines have no Go).
if [ -z "${TIDAL_BIN:-}" ] && [ -z "$bundle" ] && [ -z "$gobin" ] && [ -f "$root/bin/gpu-check.tar.gz" ]; then
  bundle=$root/bin/gpu-check.tar.gz
fi
if [ -n "${TIDAL_BIN:-}" ]; then
  [ -x "$TIDAL_BIN" ] || die "TIDAL_BIN=$TIDAL_BIN is not an executable file"
  tidal=$TIDAL_BIN
  how="TIDAL_BIN"
elif [ -n "$bundle" ]; then
  [ -f "$bundle" ] || die "GPU_CHECK_BUNDLE=$bundle: no such file (make gpu-check-bundle makes bin/gpu-check.tar.gz)"
  mkdir -p "$work/bundle" && tar -xzf "$bundle" -C "$work/bundle" || die "cannot unpack $bundle"
  [ -x "$work/bundle/tidal" ] || die "$bundle holds no tidal binary"
  tidal=$work/bundle/tidal
  [ -d "$work/bundle/tests" ] && testbins=$work/bundle/tests
  how="bundle $bundle"
elif [ -n "$gobin" ]; then
  say "building tidal with CGO_ENABLED=1"
  (cd "$root" && GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.4} GOEXPERIMENT=simd GOFLAGS=-buildvcs=false CGO_ENABLED=1 \
    "$gobin" build -o "$work/tidal" ./cmd/tidal) >>"$log" 2>&1 || die "go build failed (see $log)"
  tidal=$work/tidal
  how="built here with CGO_ENABLED=1"
else
  die "no tidal binary: set TIDAL_BIN, carry a bundle (make gpu-check-bundle makes bin/gpu-check.tar.gz), or install Go"
fi
"$tidal" version >>"$log" 2>&1 || die "$tidal does not run (see $log)"
say "tidal: $tidal ($how): $("$tidal" version 2>/dev/null | head -n 1)"

# --- the GPU ------------------------------------------------------------------------------------------------
reason=""
gpu_name=""
plugin=${TIDAL_PJRT_PLUGIN:-}
libdirs=""
gbe=cuda # the backend of the GPU half
if [ "${GPU_CHECK_CPU_ONLY:-0}" = 1 ]; then
  reason="GPU_CHECK_CPU_ONLY=1"
elif [ "${GPU_CHECK_FAKE_GPU:-0}" = 1 ]; then
  gbe=go
  gpu_name="none: GPU_CHECK_FAKE_GPU=1 runs the GPU half on the pure-Go backend (a test of this script)"
elif ! command -v nvidia-smi >/dev/null 2>&1; then
  reason="no nvidia-smi on this machine (no NVIDIA driver)"
elif ! gpu_name=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -n 1) || [ -z "$gpu_name" ]; then
  reason="nvidia-smi lists no GPU"
fi
if [ -z "$reason" ] && [ $gbe = cuda ]; then
  sites=""
  for p in python3 /opt/torch/.venv/bin/python3 /usr/bin/python3; do
    command -v "$p" >/dev/null 2>&1 || continue
    sites="$sites $("$p" -c 'import site; print(" ".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null)"
  done
  if [ -z "$plugin" ]; then
    for sp in $sites; do
      for f in "$sp"/jax_plugins/xla_cuda*/xla_cuda_plugin.so; do
        [ -f "$f" ] && { plugin=$f; break 2; }
      done
    done
  fi
  if [ -z "$plugin" ] || [ ! -f "$plugin" ]; then
    reason="no PJRT CUDA plugin (searched jax_plugins/xla_cuda*/xla_cuda_plugin.so in:$sites; set TIDAL_PJRT_PLUGIN)"
  else
    sp=$(dirname "$(dirname "$(dirname "$plugin")")")
    for d in "$sp"/nvidia/*/lib; do
      [ -d "$d" ] && libdirs="$libdirs${libdirs:+:}$d"
    done
    export TIDAL_PJRT_PLUGIN=$plugin GOPJRT_CUDA_CHECKS=0
    export LD_LIBRARY_PATH="$libdirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    if ! "$tidal" backends >"$work/backends.out" 2>&1 || ! grep -q '^cuda *available' "$work/backends.out"; then
      reason="the cuda backend does not start: $(grep '^cuda' "$work/backends.out" | head -c 400)"
    fi
  fi
fi
cat >"$work/meta.env" <<EOF
tidal=$tidal
how=$how
gpu=$gpu_name
plugin=$plugin
reason=$reason
host=$(uname -n) $(nproc) cores
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF

gpu=0
[ -z "$reason" ] && gpu=1
steps=${GPU_CHECK_STEPS:-$([ $gpu = 1 ] && echo 200 || echo 40)}
size=${GPU_CHECK_SIZE:-$([ $gpu = 1 ] && echo 32 || echo 16)}
seed=${GPU_CHECK_SEED:-1}
budget=${GPU_CHECK_BUDGET:-380}
echo "gpu_backend=$gbe" >>"$work/meta.env"
echo "steps=$steps" >>"$work/meta.env"
echo "size=$size" >>"$work/meta.env"
echo "seed=$seed" >>"$work/meta.env"
case "$steps$size$seed$budget" in *[!0-9]*) die "GPU_CHECK_STEPS, _SIZE, _SEED and _BUDGET must be whole numbers" ;; esac
[ "$steps" -ge 10 ] || die "GPU_CHECK_STEPS=$steps: at least 10"

# --- the pipeline on one backend ------------------------------------------------------------------------
data=$work/ns
mkdir -p "$data"
run data 120 "$tidal" data navier-stokes --out "$data/ns.npy" --size "$size" --kf 3 --frames 200 --spinup 1000 \
  --seed "$seed" --split 0.7,0.1,0.2 --quiet || die "tidal data navier-stokes failed (see $log)"
net=(--channels 16 --groups 8 --mults 1,2 --blocks 1 --seed "$seed" --log-every 1 --checkpoint-every "$steps" --steps "$steps")

# lim SECONDS: SECONDS, capped in the GPU half by what is left of its budget.
lim() { if [ -n "${gpu_start:-}" ]; then cap "$1"; else echo "$1"; fi; }
# train BACKEND LIMIT [DIR]: the three trainings on BACKEND (go or cuda) into $work/DIR/runs (DIR: the
# backend's name, or "gpu" for the GPU half).
train() {
  local be=$1 limit=$2 d=$work/${3:-$1}
  mkdir -p "$d/runs" "$d/fc" "$d/roll"
  run "train_dydiff_${3:-$be}" "$(lim "$limit")" "$tidal" --backend "$be" train dydiff --data "$data/ns_train.npy" --run "$d/runs/dydiff" \
    --context 2 --predict 4 --batch 8 --lr 3e-3 --ema-halflife 400 "${net[@]}"
  run "train_idm_${3:-$be}" "$(lim "$limit")" "$tidal" --backend "$be" train idm --data "$data/ns_train.npy" --run "$d/runs/idm" \
    --batch 8 --lr 2e-3 --ema-halflife 640 "${net[@]}"
  run "train_disc_${3:-$be}" "$(lim "$limit")" "$tidal" --backend "$be" train discriminator --data "$data/ns_train.npy" --run "$d/runs/disc" \
    --batch 16 --lr 2e-3 --head-width 32 --future-only "${net[@]}"
}
# sample BACKEND MODELS LIMIT: the DyDiff forecast and the guided rollout on BACKEND of the runs in MODELS.
sample() {
  local be=$1 m=$2 limit=$3 d=$work/${4:-$1}
  mkdir -p "$d/fc" "$d/roll"
  run "forecast_${4:-$be}" "$(lim "$limit")" "$tidal" --backend "$be" forecast --run "$m/dydiff" --data "$data/ns_test.npy" --cases 4 \
    --members 4 --lead 4 --sampler-steps 10 --seed "$seed" --out "$d/fc/dydiff.npy" --quiet
  run "rollout_${4:-$be}" "$(lim "$limit")" "$tidal" --backend "$be" rollout --idm "$m/idm" --disc "$m/disc" --lambda 14 \
    --init "$data/ns_test.npy" --frames 8 --members 2 --sampler-steps 10 --seed "$seed" --out "$d/roll/guided.npy"
}

say "CPU half: $steps steps of each model at ${size}², seed $seed, on the pure-Go backend"
train go 900
sample go "$work/go/runs" 300
cpu_sizes=16,32
[ $gpu = 1 ] && cpu_sizes=32,64
run bench_cpu 600 "$tidal" bench train-step --nets unet --sizes "$cpu_sizes" --threads 0 --time 2s --members 2 \
  --out "$work/bench_cpu.json"

# --- the GPU half -------------------------------------------------------------------------------------------
left() { echo $((budget - ($(date +%s) - gpu_start))); }
cap() { local l; l=$(left); [ "$l" -lt "$1" ] && echo "$l" || echo "$1"; }
if [ $gpu = 1 ]; then
  gpu_start=$(date +%s)
  say "GPU half on $gpu_name, plugin $plugin, budget ${budget}s"
  # (b) the same trainings on cuda
  train "$gbe" 120 gpu
  # (c) the CPU-trained models sampled on cuda (the same weights and host-drawn noise as the CPU's)
  sample "$gbe" "$work/go/runs" 90 gpu
  # (a) the tests with a backend switch, on cuda: GPU_CHECK_TEST_BUDGET seconds in all, 45 s a package at most
  test_start=$(date +%s)
  tcap() { local l=$((${GPU_CHECK_TEST_BUDGET:-100} - ($(date +%s) - test_start))); [ "$l" -lt 0 ] && l=0; cap "$([ "$l" -lt 45 ] && echo "$l" || echo 45)"; }
  pkgs="nn nets diffusion train"
  if [ $gbe = go ]; then
    record tests skipped 0 "GPU_CHECK_FAKE_GPU=1: no tests on the fake GPU"
  elif [ -n "$testbins" ]; then
    for t in "$testbins"/*.test; do
      [ -x "$t" ] || continue
      p=$(basename "$t" .test) # run in the package's folder, where its testdata is
      run "test_$p" "$(tcap)" env TIDAL_TEST_BACKEND=cuda bash -c "cd '$root/$p' && exec '$t' -test.count=1 -test.timeout=40s"
    done
  elif [ -n "$gobin" ]; then
    for p in $pkgs; do
      run "test_$p" "$(tcap)" env TIDAL_TEST_BACKEND=cuda CGO_ENABLED=1 GOTOOLCHAIN=${GOTOOLCHAIN:-go1.27.4} \
        GOEXPERIMENT=simd GOFLAGS=-buildvcs=false bash -c "cd '$root' && '$gobin' test -count=1 -timeout 40s ./$p"
    done
  else
    record tests skipped 0 "no Go toolchain and no test binaries (carry the bundle of make gpu-check-bundle)"
  fi
  # (d) the training step at 64² and 256² against PyTorch on the same GPU
  torchpy=""
  for p in python3 /opt/torch/.venv/bin/python3 /usr/bin/python3; do
    command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch; assert torch.cuda.is_available()' >/dev/null 2>&1 && {
      torchpy=$(command -v "$p")
      break
    }
  done
  torchflag=()
  [ -n "$torchpy" ] && torchflag=(--torch --torch-script "$root/scripts/torch_trainstep.py")
  [ -z "$torchpy" ] && record torch skipped 0 "no python3 with CUDA PyTorch"
  for gs in $(echo "${GPU_CHECK_GPU_SIZES:-64,256}" | tr ',' ' '); do # one run a size: a timeout loses one size only
    run "bench_gpu_$gs" "$(cap 150)" env TIDAL_PYTHON="$torchpy" "$tidal" --backend "$gbe" bench train-step --nets unet \
      --sizes "$gs" --threads 0 --batch 8 --time 3s --members 0 "${torchflag[@]}" --out "$work/bench_gpu_$gs.json"
  done
  #     the guided rollout per frame at 256², the image model and the guide at their default (paper) widths
  big=$work/big
  mkdir -p "$big/runs"
  bigsize=${GPU_CHECK_BIG:-256}
  echo "big=$bigsize" >>"$work/meta.env"
  bigw=()
  [ $gbe = go ] && bigw=(--channels 8 --groups 8 --mults 1,2 --blocks 1)
  if run data256 "$(cap 60)" "$tidal" data navier-stokes --out "$big/ns.npy" --size "$bigsize" --kf 4 --frames 40 --spinup 100 --seed "$seed" --quiet; then
    run train_idm256 "$(cap 90)" "$tidal" --backend "$gbe" train idm --data "$big/ns.npy" --run "$big/runs/idm" --steps 2 --batch 2 \
      --log-every 1 --checkpoint-every 2 --seed "$seed" "${bigw[@]}"
    run train_disc256 "$(cap 90)" "$tidal" --backend "$gbe" train discriminator --data "$big/ns.npy" --run "$big/runs/disc" --steps 2 \
      --batch 2 --log-every 1 --checkpoint-every 2 --seed "$seed" "${bigw[@]}"
    for n in 2 7; do
      run "rollout256_$n" "$(cap 150)" "$tidal" --backend "$gbe" rollout --idm "$big/runs/idm" --disc "$big/runs/disc" --lambda 14 \
        --init "$big/ns.npy" --frames "$n" --members 1 --sampler-steps 50 --seed "$seed" --out "$big/roll$n.npy"
    done
  fi
  say "GPU half took $(($(date +%s) - gpu_start))s"
fi

# --- the summary ----------------------------------------------------------------------------------------------
"$python" "$root/scripts/gpu_check_report.py" --work "$work" --out "$OUT" \
  --loss-tol "${GPU_CHECK_LOSS_TOL:-0.15}" --fc-tol "${GPU_CHECK_FC_TOL:-0.05}" --roll-tol "${GPU_CHECK_ROLL_TOL:-0.10}" \
  2>&1 | tee -a "$log"
st=${PIPESTATUS[0]}
[ "$st" -eq 0 ] || die "writing the summary failed (exit $st)"
say "wrote $OUT/gpu-check.json and $OUT/gpu-check.md in $(($(date +%s) - start_all))s"
if [ $gpu = 0 ]; then
  if ! grep -q '"verdict": "cpu-only"' "$OUT/gpu-check.json"; then
    say "the CPU half failed: see $OUT/gpu-check.md"
    echo "GPU half skipped: $reason" | tee -a "$log"
    exit 1
  fi
  echo "GPU half skipped: $reason" | tee -a "$log"
  exit 0
fi
grep -q '"verdict": "pass"' "$OUT/gpu-check.json" || { say "some GPU checks failed: see $OUT/gpu-check.md"; exit 1; }
exit 0
