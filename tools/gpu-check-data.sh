#!/usr/bin/env bash
# gpu-check-data.sh — writes the small data subset that tools/gpu-check.sh trains on (it travels
# with the tree to the device machine, which has no network): the first 1,600 training and 400 test
# images of Fashion-MNIST in the demo's IDX format, and the first ~200 KB of the King James Bible.
# Reads data/ (scripts/fetch_data.sh fashion-mnist kjv); writes tests/data/. About 1.8 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
NTRAIN=1600 NTEST=400 TEXT_BYTES=200000
scripts/fetch_data.sh fashion-mnist kjv >/dev/null
src=data/fashion-mnist dst=tests/data/fashion-mnist-2k
mkdir -p "$dst"
be32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
bytes() { dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" bs=64K status=none; } # file, offset, count
subset() { # name, count, header bytes, bytes per item: the IDX header with the new count, then the items
  local name=$1 n=$2 hdr=$3 item=$4
  { bytes "$src/$name" 0 4; be32 "$n"; bytes "$src/$name" 8 "$((hdr - 8))"
    bytes "$src/$name" "$hdr" "$((n * item))"; } > "$dst/$name"
}
subset train-images-idx3-ubyte "$NTRAIN" 16 784
subset train-labels-idx1-ubyte "$NTRAIN" 8 1
subset t10k-images-idx3-ubyte "$NTEST" 16 784
subset t10k-labels-idx1-ubyte "$NTEST" 8 1
# whole lines only
bytes data/kjv.txt 0 "$TEXT_BYTES" | sed '$d' > tests/data/kjv-200k.txt
du -b "$dst"/* tests/data/kjv-200k.txt
