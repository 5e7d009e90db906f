#!/usr/bin/env bash
# gpt_check.sh — a tiny character-level GPT trained a few hundred steps on the King James Bible:
# its loss must fall well below the unigram entropy of the text, the saved model must reload in
# a fresh process with the same logits. Run by ctest; fetches the text from bibledit-data.
set -euo pipefail
BUILD=$1
SRC=$2
cd "$SRC"
scripts/fetch_data.sh kjv >/dev/null
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$BUILD/examples/gpt_train" --steps 300 --dims 64 --layers 2 --heads 2 --block 64 --batch 16 \
  --lr 3e-3 --sample 60 --out "$OUT" | tr '\r' '\n' > "$OUT/log"
grep -E "final|saved|unigram" "$OUT/log"
loss=$(grep -o 'final average loss [0-9.]*' "$OUT/log" | grep -o '[0-9.]*$')
uni=$(grep -o 'unigram entropy [0-9.]*' "$OUT/log" | tail -n 1 | grep -o '[0-9.]*$')
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
check "loss $loss is well below the unigram entropy $uni (< 0.8x)" 'awk "BEGIN{exit !($loss < 0.8 * $uni)}"'
check "the model file exists" '[ -s "$OUT/gpt.safetensors" ]'
check "a fresh CPU-only process reloads it with the same logits (1e-3 relative)" '"$BUILD/examples/gpt_eval" --out "$OUT"'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
