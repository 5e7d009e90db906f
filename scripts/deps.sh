#!/usr/bin/env bash
# Installs the system packages mx needs to build and test (idempotent; safe to rerun).
# Usage: scripts/deps.sh [build|bench|demo]   (build is the default)
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

for p in cmake make gcc clang libopenblas-dev pkg-config; do
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
