#!/usr/bin/env bash
# install_check.sh — installs mx into a temporary prefix and builds a program against it with
# pkg-config, the way a user would (static and shared). Run by ctest.
set -euo pipefail
BUILD=$1
SRC=$2
PREFIX=$(mktemp -d)
trap 'rm -rf "$PREFIX"' EXIT
cmake --install "$BUILD" --prefix "$PREFIX" >/dev/null
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig:$PREFIX/lib64/pkgconfig:$PREFIX/lib/x86_64-linux-gnu/pkgconfig"
test -f "$PREFIX/include/mx/mx.h"
pkg-config --exists mx
# shared library: only the public mx_* names are exported
cc -std=c11 -o "$PREFIX/app" "$SRC/examples/quickstart.c" $(pkg-config --cflags --libs mx) -Wl,-rpath,"$(pkg-config --variable=libdir mx)"
"$PREFIX/app" | grep -q "column means"
if nm -D --defined-only "$(pkg-config --variable=libdir mx)/libmx.so" | awk '{print $3}' | grep -v '^mx_' | grep -q 'mxi_'; then
  echo "internal mxi_ symbols leak from libmx.so" >&2
  exit 1
fi
# static library
cc -std=c11 -o "$PREFIX/app_static" "$SRC/examples/quickstart.c" $(pkg-config --cflags mx) \
  "$(pkg-config --variable=libdir mx)/libmx.a" $(pkg-config --libs-only-l --static mx | sed 's/-lmx//')
"$PREFIX/app_static" | grep -q "column means"
echo "1 passed, 0 failed"
