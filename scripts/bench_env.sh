#!/usr/bin/env bash
# Prepares the benchmarks' Python peers once, in .venv-bench: NumPy, and PyTorch from PyPI.
# PyPI's Linux wheel of PyTorch is the CUDA build; where the CUDA 13 toolkit is installed (as on
# this project's machines) only a few NVIDIA wheels are added beside it, instead of ~3 GB.
# Prints the environment to source: LD_LIBRARY_PATH and the venv's python.
set -euo pipefail
cd "$(dirname "$0")/.."
V=.venv-bench
if [ ! -x "$V/bin/python" ]; then
  python3 -m venv "$V" >&2
  "$V/bin/pip" install -q numpy filelock typing-extensions sympy networkx jinja2 fsspec setuptools >&2
fi
if ! "$V/bin/python" -c "import torch" >/dev/null 2>&1; then
  if [ -d /usr/local/cuda/lib64 ]; then
    "$V/bin/pip" install -q --no-deps torch nvidia-cusparselt-cu13==0.8.1 nvidia-nvshmem-cu13==3.7.2 \
      nvidia-cufile nvidia-nccl-cu13==2.30.7 >&2 || "$V/bin/pip" install -q torch >&2
  else
    "$V/bin/pip" install -q torch >&2
  fi
fi
SP=$("$V/bin/python" -c "import site; print(site.getsitepackages()[0])")
LIBS=$(find "$SP/nvidia" -name lib -type d 2>/dev/null | tr '\n' ':')
echo "export LD_LIBRARY_PATH=${LIBS}/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
echo "export MX_BENCH_PY=$PWD/$V/bin/python"
