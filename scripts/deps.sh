#!/usr/bin/env bash
# Installs the system packages mx needs to build and test (idempotent; safe to rerun).
# Usage: scripts/deps.sh [build|bench|demo]   (build is the default)
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

for p in cmake make gcc clang libopenblas-dev pkg-config python3 python3-pip; do
  have_pkg "$p" || need+=("$p")
done
# LeakSanitizer/ASan runtime for clang and libFuzzer
have_pkg libclang-rt-14-dev || need+=(libclang-rt-14-dev)

if [ "${#need[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "deps: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Python packages the file-format tests compare against (tests/test_io_python.sh): NumPy, the
# safetensors reference implementation and llama.cpp's gguf writer. Skipped when present.
if ! python3 -c "import numpy, safetensors, gguf" 2>/dev/null; then
  echo "deps: installing numpy safetensors gguf (pip)"
  python3 -m pip install -q numpy safetensors gguf 2>/dev/null ||
    python3 -m pip install -q --break-system-packages numpy safetensors gguf
fi

# MLX (CPU wheel) for tests/test_quant_mlx.sh: mx's quantization must reproduce MLX's bytes.
if ! python3 -c "import mlx.core" 2>/dev/null; then
  echo "deps: installing mlx[cpu] (pip)"
  python3 -m pip install -q "mlx[cpu]" 2>/dev/null ||
    python3 -m pip install -q --break-system-packages "mlx[cpu]" ||
    echo "deps: mlx[cpu] did not install here; test_quant_mlx will fail saying so"
fi
