#!/bin/bash
# Answers `encore bench gemm|sparse|spd ... --json` by running the numpy/scipy reference instead,
# so that `paired.py --encore benchmarks/numpy_as_encore.sh` pairs numpy against itself (an A/A
# run: how far apart two identical implementations read on this host).
# Usage: benchmarks/numpy_as_encore.sh bench gemm --threads T --shape MxNxK --json
#        (PYTHON selects the interpreter; default python3)
cd "$(dirname "$0")/.." || exit 1
bench=$2
shift 2
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --threads|--shape|--op) args+=("$1" "$2"); shift 2 ;;
    --n) shift 2 ;;  # reference.py's SPD size is fixed at 3706
    *) shift ;;
  esac
done
exec "${PYTHON:-python3}" benchmarks/reference.py --only "$bench" "${args[@]}" --json 2>/dev/null
