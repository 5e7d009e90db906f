#!/usr/bin/env bash
# The main job (make demo). Until the neural-network issue lands this runs the quickstart example.
set -euo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
"$BUILD/examples/quickstart"
