#!/usr/bin/env bash
# run.sh — builds the libFuzzer targets (clang, ASan + UBSan) and runs each for SECONDS.
# Usage: tests/fuzz/run.sh [SECONDS] [FORMAT...]   (default 60 s; formats: safetensors npy npz gguf)
# New corpus entries go to build-fuzz/corpus/<format>/ (seeds: tests/fuzz/corpus/<format>/); a
# crashing input is saved as build-fuzz/crash-<format>-*: fix the bug, then keep the input in
# tests/fuzz/regressions/<format>/ (test_fuzz_regressions replays it in the normal build).
set -euo pipefail
secs=${1:-60}
shift || true
formats=("$@")
[ ${#formats[@]} -eq 0 ] && formats=(safetensors npy npz gguf)
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${MX_FUZZ_BUILD:-$root/build-fuzz}
cc=${CC:-clang}
jobs=${JOBS:-2}

# The library with coverage instrumentation; FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION lets the
# fuzzer past checksums (the npz CRC) to the parsers behind them.
CC=$cc cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMX_SANITIZE=address,undefined \
  -DMX_CUDA=OFF -DMX_BLAS=OFF -DMX_NATIVE=OFF -DMX_BUILD_TESTS=OFF -DMX_BUILD_BENCH=OFF \
  -DMX_BUILD_EXAMPLES=OFF \
  "-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION" >/dev/null
cmake --build "$build" -j "$jobs" --target mx_static >/dev/null

status=0
for f in "${formats[@]}"; do
  "$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -I"$root/include" -I"$root/src" "$root/tests/fuzz/fuzz_$f.c" "$build/libmx.a" -lm -lpthread \
    -o "$build/fuzz_$f"
  mkdir -p "$build/corpus/$f"
  seeds=("$root/tests/fuzz/corpus/$f")
  [ -d "$root/tests/fuzz/regressions/$f" ] && seeds+=("$root/tests/fuzz/regressions/$f")
  echo "fuzz: $f for ${secs}s"
  if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$build/fuzz_$f" "$build/corpus/$f" "${seeds[@]}" \
      -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/crash-$f-" >"$build/fuzz_$f.log" 2>&1; then
    echo "fuzz: $f FAILED (log: $build/fuzz_$f.log)"
    tail -60 "$build/fuzz_$f.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$build/fuzz_$f.log"
  fi
done
exit $status
