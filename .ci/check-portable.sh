#!/usr/bin/env bash
# Checks that a release build of `encore` is portable across x86-64 CPUs:
#  1. every code symbol the AVX-512 module defines is its own (no linker-shared specialisation
#     compiled for AVX-512 that the linker could pick for code running on AVX2-only CPUs);
#  2. no function of the binary outside the AVX-512 module uses a zmm register, and its GEMM
#     micro-kernel and CSR x dense loops do;
#  3. under QEMU's user-mode emulation (when qemu-x86_64 is installed), the binary runs on an
#     AVX2-only CPU (Haswell) and chooses the AVX2 kernel, and stops with exit 69 and a message
#     on a CPU without AVX2 (Westmere).
# Usage: .ci/check-portable.sh [BUILD_DIR]   (default .build/release)
set -euo pipefail
build="${1:-.build/release}"
[ "$(uname -m)" = x86_64 ] || { echo "check-portable: not x86-64, nothing to check"; exit 0; }
binary="$build/encore"
[ -x "$binary" ] || { echo "check-portable: no $binary (build it with swift build -c release)" >&2; exit 1; }

foreign=$(nm --defined-only "$build"/EncoreAVX512Kernels.build/*.o \
    | awk '$2 ~ /^[TtWw]$/ && $3 !~ /^\$s19EncoreAVX512Kernels/ { print $3 }')
if [ -n "$foreign" ]; then
    echo "check-portable: the AVX-512 module defines code outside its namespace:" >&2
    echo "$foreign" >&2
    exit 1
fi

zmm_functions=$(objdump -d --no-show-raw-insn "$binary" \
    | awk '/^[0-9a-f]+ <.*>:$/ { fn = $2 } /%zmm/ { print fn }' | sort -u)
outside=$(echo "$zmm_functions" | grep -v '^<$s19EncoreAVX512Kernels' || true)
if [ -n "$outside" ]; then
    echo "check-portable: zmm registers outside the AVX-512 module:" >&2
    echo "$outside" >&2
    exit 1
fi
for kernel in '0B4TileO3run' '19SparseDenseOperandsV4rows'; do
    echo "$zmm_functions" | grep -q "^<\$s19EncoreAVX512Kernels$kernel" || {
        echo "check-portable: no AVX-512 code in $kernel (was the module built for AVX-512?)" >&2
        exit 1
    }
done
echo "check-portable: AVX-512 code confined to the AVX-512 module ($(echo "$zmm_functions" | wc -l) functions)"

if ! command -v qemu-x86_64 >/dev/null 2>&1; then
    echo "check-portable: qemu-x86_64 not installed; emulated-CPU runs skipped"
    exit 0
fi
out=$(qemu-x86_64 -cpu Haswell "$binary" bench gemm --threads 2 --shape 70x50x130 --json 2>/dev/null)
echo "$out" | grep -q '"kernel": "avx2 6x16"' || { echo "check-portable: on Haswell: $out" >&2; exit 1; }
[ "$(echo "$out" | wc -l)" -eq 3 ] || { echo "check-portable: on Haswell: $out" >&2; exit 1; }
spec=$(mktemp -d)
trap 'rm -rf "$spec"' EXIT
qemu-x86_64 -cpu Haswell "$binary" run experiments/quickstart.json --output "$spec/out" \
    --set seeds=[1] --set selection.max_epochs=2 >/dev/null 2>"$spec/stderr" \
    || { echo "check-portable: quickstart on Haswell failed:" >&2; cat "$spec/stderr" >&2; exit 1; }
set +e
message=$(qemu-x86_64 -cpu Westmere "$binary" --version 2>&1)
code=$?
set -e
if [ "$code" -ne 69 ] || ! echo "$message" | grep -q 'needs an x86-64 CPU with AVX2 and FMA'; then
    echo "check-portable: on Westmere: exit $code, $message" >&2
    exit 1
fi
echo "check-portable: runs on an emulated AVX2-only CPU (avx2 kernel, quickstart), refuses a pre-AVX2 one (exit 69)"
