#!/usr/bin/env bash
# demo_check.sh — the demo's two processes in a small, fast configuration: the trainer and the
# separate CPU-only evaluator must agree on the test accuracy and on the logits of the same test
# batch. Run by ctest; fetches Fashion-MNIST from its Debian package if missing.
set -euo pipefail
BUILD=$1
SRC=$2
cd "$SRC"
scripts/fetch_data.sh fashion-mnist >/dev/null
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$BUILD/examples/fashion_train" --epochs 1 --train 2560 --batch 64 --out "$OUT" | tr '\r' '\n' > "$OUT/train.log"
"$BUILD/examples/fashion_eval" --out "$OUT" > "$OUT/eval.log"
cat "$OUT/eval.log"
train_acc=$(grep -o 'test accuracy after epoch 1: [0-9.]*' "$OUT/train.log" | grep -o '[0-9.]*$')
eval_acc=$(grep -o 'test accuracy [0-9.]*' "$OUT/eval.log" | grep -o '[0-9.]*$')
diff=$(grep -o 'test images: .*' "$OUT/eval.log" | awk '{print $3}')
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
# Trained on the CPU, both processes run the same kernels: equal accuracy, logits within 1e-5.
# Trained on a GPU, the trainer's logits come from other kernels (cuBLASLt, atomics): logits
# within 1e-2 (about 1e-3 of their size) and the accuracy within 0.1 points (10 of the 10,000
# test images whose top two logits nearly tie may flip).
if grep -q "CNN on cuda" "$OUT/train.log"; then acc_tol=0.1 logit_tol=1e-2; else acc_tol=0 logit_tol=1e-5; fi
check "the evaluator's accuracy $eval_acc matches the trainer's $train_acc (within $acc_tol)" \
  'awk "BEGIN{d = $eval_acc - $train_acc; exit !(d <= $acc_tol && -d <= $acc_tol)}"'
check "the trained model beats chance clearly ($eval_acc%)" 'awk "BEGIN{exit !($eval_acc > 55)}"'
check "logits agree across processes (largest difference $diff, within $logit_tol)" \
  'awk "BEGIN{exit !($diff <= $logit_tol)}"'
check "the model file and curves exist" '[ -s "$OUT/model.safetensors" ] && [ -s "$OUT/curves.svg" ]'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
