#!/usr/bin/env bash
# Checks that a release build of `encore` is portable across x86-64 CPUs:
#  1. every code symbol the AVX-512 module defines is its own (no linker-shared specialisation
#     compiled for AVX-512 that the linker could pick for code running on AVX2-only CPUs), except
#     the compiler's small helpers, whose linked copy is checked to hold no AVX-512 instruction;
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

# The compiler's own small helpers (value-witness copies such as `__swift_memcpy56_8`, a function
# that only returns) are emitted in every module that needs them as linker-shared symbols, so the
# binary keeps one copy, possibly the AVX-512 module's. One is allowed when the copy linked into
# the binary has no AVX-512 instruction: no zmm or mask register, no register above 15, no EVEX
# decoration.
helpers='^__swift_(noop_void_return|memcpy[0-9]+_[0-9]+)$'
foreign=$(nm --defined-only "$build"/EncoreAVX512Kernels.build/*.o \
    | awk '$2 ~ /^[TtWw]$/ && $3 !~ /^\$s19EncoreAVX512Kernels/ { print $3 }' | sort -u)
disassembly=$(objdump -d --no-show-raw-insn "$binary")
# (Here-strings, not pipes into `grep -q` or an awk that stops early: with pipefail, a writer
# cut off by an early exit fails with SIGPIPE.)
for helper in $(grep -E "$helpers" <<< "$foreign" || true); do
    body=$(awk -v name="<$helper>:" '$2 == name { on = 1; next } on && /^$/ { on = 0 } on' <<< "$disassembly")
    if [ -z "$body" ] || grep -qE '%zmm|%[xy]mm(1[6-9]|2[0-9]|3[01])\b|%k[0-7]|\{' <<< "$body"; then
        echo "check-portable: the binary's $helper (also defined by the AVX-512 module) is not AVX2-safe:" >&2
        echo "$body" >&2
        exit 1
    fi
done
foreign=$(grep -vE "$helpers" <<< "$foreign" || true)
if [ -n "$foreign" ]; then
    echo "check-portable: the AVX-512 module defines code outside its namespace:" >&2
    echo "$foreign" >&2
    exit 1
fi

zmm_functions=$(awk '/^[0-9a-f]+ <.*>:$/ { fn = $2 } /%zmm/ { print fn }' <<< "$disassembly" | sort -u)
outside=$(grep -v '^<$s19EncoreAVX512Kernels' <<< "$zmm_functions" || true)
if [ -n "$outside" ]; then
    echo "check-portable: zmm registers outside the AVX-512 module:" >&2
    echo "$outside" >&2
    exit 1
fi
for kernel in '0B4TileO3run' '19SparseDenseOperandsV4rows'; do
    grep -q "^<\$s19EncoreAVX512Kernels$kernel" <<< "$zmm_functions" || {
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
grep -q '"kernel": "avx2 6x16"' <<< "$out" || { echo "check-portable: on Haswell: $out" >&2; exit 1; }
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
if [ "$code" -ne 69 ] || ! grep -q 'needs an x86-64 CPU with AVX2 and FMA' <<< "$message"; then
    echo "check-portable: on Westmere: exit $code, $message" >&2
    exit 1
fi
echo "check-portable: runs on an emulated AVX2-only CPU (avx2 kernel, quickstart), refuses a pre-AVX2 one (exit 69)"
