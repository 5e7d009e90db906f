#!/usr/bin/env bash
# test_io_python.sh — runs test_io_python.py (mx's files against NumPy, safetensors and gguf).
# Usage: test_io_python.sh IO_TOOL. The Python packages come from scripts/deps.sh; without them
# the test fails with a message saying so (it never skips).
set -euo pipefail
tool=$1
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v python3 >/dev/null; then
  echo "test_io_python: python3 is not installed (scripts/deps.sh installs it)"; exit 1
fi
if ! python3 -c "import numpy, safetensors, gguf" 2>/dev/null; then
  echo "test_io_python: the Python packages numpy, safetensors and gguf are missing;"
  echo "  run scripts/deps.sh (or: python3 -m pip install numpy safetensors gguf)"; exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/test_io_python.py" "$tool" "$work"
