#!/usr/bin/env bash
# Fetches the offline datasets from Debian packages into data/ once (DESIGN §10): never from the
# internet at run time. Usage: scripts/fetch_data.sh [fashion-mnist] [kjv]
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data
want=("$@")
[ ${#want[@]} -eq 0 ] && want=(fashion-mnist)

fetch_deb() { # package -> extracted tree in data/.pkg/<package>
  local pkg=$1
  [ -d "data/.pkg/$pkg" ] && return 0
  mkdir -p data/.deb "data/.pkg/$pkg"
  (cd data/.deb && { apt-get download "$pkg" >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get download "$pkg" >/dev/null; }; })
  dpkg -x data/.deb/"$pkg"_*.deb "data/.pkg/$pkg"
}

for w in "${want[@]}"; do
  case "$w" in
    fashion-mnist)
      if [ ! -f data/fashion-mnist/t10k-labels-idx1-ubyte ]; then
        fetch_deb dataset-fashion-mnist
        mkdir -p data/fashion-mnist
        for f in data/.pkg/dataset-fashion-mnist/usr/share/datasets/fashion-mnist/*.gz; do
          gunzip -c "$f" > "data/fashion-mnist/$(basename "$f" .gz)"
        done
        echo "fetch_data: Fashion-MNIST in data/fashion-mnist"
      fi
      ;;
    kjv)
      if [ ! -f data/kjv.txt ]; then
        fetch_deb bibledit-data
        xml=$(find data/.pkg/bibledit-data -name kjv.xml | head -n 1)
        [ -n "$xml" ] || { echo "fetch_data: kjv.xml not found in bibledit-data" >&2; exit 1; }
        # verse text only: drop study notes (<note>...</note>, one line each) and every tag,
        # keep the lines from the first book on, collapse blank lines
        sed -e 's/<note[^>]*>[^<]*<\/note>//g' -e 's/<[^>]*>//g' "$xml" | sed -e 's/^[[:space:]]*//' \
          | sed -n '/^THE FIRST BOOK OF MOSES/,$p' | grep -v '^$' > data/kjv.txt
        echo "fetch_data: King James Bible text in data/kjv.txt ($(wc -c < data/kjv.txt) bytes)"
      fi
      ;;
    *) echo "fetch_data: unknown dataset $w" >&2; exit 1 ;;
  esac
done
