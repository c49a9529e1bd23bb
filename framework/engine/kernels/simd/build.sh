#!/bin/sh
# Builds kernels.c into the two modules fer-run loads (Debian: apt-get install clang-14 lld-14):
#   kernels-shared.wasm  on the shared memory of tfjs's threaded build (pool threads share it)
#   kernels.wasm         on the unshared memory of tfjs's single-threaded build
# Both are committed, so installing or running fer-run needs no compiler;
# test/engine/simd-kernels.spec.ts rebuilds them when clang is present and fails if they are stale.
# Usage: build.sh [output folder]
set -eu
cd "$(dirname "$0")"
OUT=${1:-.}
CLANG=${CLANG:-clang-14}
OBJDUMP=${OBJDUMP:-llvm-objdump-14}
# No libc, no entry point, names and producers sections stripped (a byte-stable output).
COMMON="--target=wasm32 -O3 -msimd128 -mbulk-memory -nostdlib -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all"
"$CLANG" $COMMON -matomics -Wl,--shared-memory -Wl,--max-memory=4294967296 -o "$OUT/kernels-shared.wasm" kernels.c
"$CLANG" $COMMON -o "$OUT/kernels.wasm" kernels.c
# The modules share tfjs's memory: a shadow stack (global.get/set of __stack_pointer) or a data
# segment would write over tfjs's heap. Refuse such an output.
for f in "$OUT/kernels-shared.wasm" "$OUT/kernels.wasm"; do
  if "$OBJDUMP" -d "$f" | grep -qE 'global\.(get|set)|memory\.init' || "$OBJDUMP" -h "$f" | grep -qE ' DATA '; then
    echo "build.sh: $f uses linear memory of its own (stack or data); keep kernels.c to locals" >&2
    rm -f "$f"
    exit 1
  fi
done
