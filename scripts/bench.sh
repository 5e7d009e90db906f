#!/usr/bin/env bash
# Runs the CPU benchmarks: mx and NumPy on the same work in the same run (bench/cpu_ops.py).
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
python3 -c "import numpy" 2>/dev/null || python3 -m pip install -q numpy
# OpenBLAS core-type overrides slow NumPy's BLAS on some CPUs; benchmark both sides without them.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
python3 bench/cpu_ops.py "$BUILD"
