#!/usr/bin/env bash
# The main job (make demo): fetch Fashion-MNIST from Debian's package (once), train the CNN (on
# CUDA when a GPU is present, else on the CPU), save it, then load it in a separate CPU-only
# process — the edge device — and report its test accuracy and the logits difference.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
scripts/fetch_data.sh fashion-mnist
OUT=${MX_DEMO_OUT:-demo_out}
"$BUILD/examples/fashion_train" --epochs "${MX_DEMO_EPOCHS:-3}" --out "$OUT"
echo
"$BUILD/examples/fashion_eval" --out "$OUT"
echo "model: $OUT/model.safetensors   curves: $OUT/curves.svg"
