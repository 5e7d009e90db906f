#!/usr/bin/env bash
# test_quant_mlx.sh — runs test_quant_mlx.py (mx against MLX's own quantization). MLX comes from
# scripts/deps.sh (PyPI mlx[cpu]); without it the test fails saying so (it never skips).
set -euo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)
if ! python3 -c "import mlx.core" 2>/dev/null; then
  echo "test_quant_mlx: the Python package mlx is missing; run scripts/deps.sh"
  echo "  (or: python3 -m pip install 'mlx[cpu]')"; exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/test_quant_mlx.py" "$tool" "$work"
