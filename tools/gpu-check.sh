#!/usr/bin/env bash
# gpu-check.sh — the CUDA backend's checks on a machine with an NVIDIA GPU (nvcc and PyTorch
# installed, no network needed): configure with -DMX_CUDA=ON for sm_90, build, run the CUDA tests
# (allocator, unified memory, backend parity of every swept op with guard bytes), the whole suite
# with the GPU as the default device and again forced onto the CPU, then the GPU benchmarks beside
# PyTorch. Logs go to $OUT (when set) or build-gpu/gpu-check; a short table comes last.
#
# Usage: tools/gpu-check.sh [all|build|test|bench]...   (default: all)
# Each stage fits the device machine's 10-minute command limit on its own; run them one by one
# there (the build directory is kept between calls): build, then test, then bench.
# The device machine has no network: fetch the data here first (scripts/fetch_data.sh
# fashion-mnist kjv, 57 MiB) and carry "data" with the call, or demo_check and gpt_check fail.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${MX_GPU_BUILD:-build-gpu}
LOGS=${OUT:-$BUILD/gpu-check}
mkdir -p "$LOGS"
JOBS=$(nproc 2>/dev/null || echo 8)
STAGES=${*:-all}
SUMMARY="$LOGS/summary.txt"
want0() { [[ " $STAGES " == *" all "* || " $STAGES " == *" build "* ]]; }
if want0 || [ ! -f "$SUMMARY" ]; then : > "$SUMMARY"; fi # a new round starts with the build

note() { printf '%-34s %s\n' "$1" "$2" | tee -a "$SUMMARY"; }
want() { [[ " $STAGES " == *" all "* || " $STAGES " == *" $1 "* ]]; }

# "N passed, M failed" of a ctest log: ctest's own closing line, in words.
ctest_counts() {
  local log=$1 line
  line=$(grep -E "tests passed, [0-9]+ tests failed out of" "$log" | tail -1)
  if [ -z "$line" ]; then echo "no result (see $log)"; return; fi
  local failed total
  failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
  total=$(echo "$line" | sed -E 's/.* tests failed out of ([0-9]+).*/\1/')
  echo "$((total - failed)) passed, $failed failed"
}

run_ctest() { # name, log file, ctest arguments...
  local name=$1 log=$2
  shift 2
  local t0=$SECONDS
  # -V keeps every test's output (skip notices, CPU-fallback warnings) in the log
  (cd "$BUILD" && ctest -V --timeout 600 "$@") > "$LOGS/$log" 2>&1
  note "$name" "$(ctest_counts "$LOGS/$log") ($((SECONDS - t0)) s, $log)"
}

{
  echo "== $(date -u '+%Y-%m-%d %H:%M:%S UTC') $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"
  nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv,noheader 2>&1
  nvcc --version 2>&1 | tail -2
} > "$LOGS/environment.txt"
cat "$LOGS/environment.txt" >> "$SUMMARY"

if want build; then
  t0=$SECONDS
  # Warnings are errors in CI; here a different nvcc must not cost the GPU run: count them instead.
  if cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMX_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
       -DMX_WERROR=OFF > "$LOGS/configure.log" 2>&1 &&
     cmake --build "$BUILD" -j "$JOBS" > "$LOGS/build.log" 2>&1; then
    note "build (sm_90)" "ok ($((SECONDS - t0)) s, $(grep -ci 'warning' "$LOGS/build.log") warning lines)"
  else
    note "build (sm_90)" "FAILED ($((SECONDS - t0)) s): tail of build.log follows"
    tail -40 "$LOGS/build.log"
    exit 1
  fi
fi

if want test; then
  # the allocator's unit test, then the GPU memory tests alone (they measure device memory)
  run_ctest "cuda allocator + memory tests" cuda_tests.log -R '^test_cuda_'
  grep -E "^  (cuda:|step|mx_|out of memory)" "$LOGS/cuda_tests.log" | head -20 > "$LOGS/cuda_tests_highlights.txt"
  # backend parity of every swept op, with guard bytes after every device allocation
  run_ctest "parity sweeps (cuda vs cpu)" parity.log -R '_cuda$' -j 4
  # the whole suite with the GPU as the default device (compared with float64 references)
  run_ctest "suite, default device = GPU" suite_gpu.log -E '(_cuda$|^test_cuda_|install_check)' -j 4
  # and on the CPU: nothing there may depend on the GPU being present
  export MX_TEST_DEVICE=cpu
  run_ctest "suite, forced onto the CPU" suite_cpu.log -E '(_cuda$|^test_cuda_)' -j "$JOBS"
  unset MX_TEST_DEVICE
  grep -hE "has no cuda kernel" "$LOGS"/parity.log "$LOGS"/suite_gpu.log 2>/dev/null \
    | sed -E 's/^.*mx: warning: //' | sort | uniq -c | sort -rn > "$LOGS/cpu_fallbacks.txt"
  note "ops that fell back to the CPU" "$(wc -l < "$LOGS/cpu_fallbacks.txt") kinds (cpu_fallbacks.txt)"
fi

if want bench; then
  t0=$SECONDS
  if python3 bench/cuda_ops.py "$BUILD" > "$LOGS/bench.log" 2>&1; then
    note "benchmarks vs PyTorch" "ok ($((SECONDS - t0)) s, bench.log)"
  else
    note "benchmarks vs PyTorch" "FAILED ($((SECONDS - t0)) s, bench.log)"
  fi
fi

echo
echo "==== gpu-check summary (logs in $LOGS) ===="
cat "$SUMMARY"
if [ -f "$LOGS/bench.log" ] && want bench; then
  echo
  cat "$LOGS/bench.log"
fi
# non-zero when anything failed, so that a caller can tell at a glance
! grep -qE "FAILED| [1-9][0-9]* failed|no result" "$SUMMARY"
