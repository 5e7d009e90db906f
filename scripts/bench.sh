#!/usr/bin/env bash
# Runs the CPU benchmarks, each mx figure beside its peer's from the same run: ops vs NumPy
# (bench/cpu_ops.py), training steps vs PyTorch eager and torch.compile (bench/train_*.py).
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
eval "$(scripts/bench_env.sh)"
# OpenBLAS core-type overrides slow NumPy's BLAS on some CPUs; benchmark both sides without them.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
"$MX_BENCH_PY" bench/cpu_ops.py "$BUILD"
echo
"$MX_BENCH_PY" bench/train_mlp.py "$BUILD" 2>/dev/null
"$MX_BENCH_PY" bench/train_cnn.py "$BUILD" 2>/dev/null
