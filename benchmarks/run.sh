#!/bin/sh
# Runs Encore's benchmarks and the numpy/scipy reference side by side at 1 and 2 threads,
# one JSON line per result, into benchmarks/results.jsonl (benchmarks/table.py prints its table).
set -e
cd "$(dirname "$0")/.."
swift build -c release
out=benchmarks/results.jsonl
: > "$out"
for threads in 1 2; do
  for bench in gemm sparse; do
    .build/release/encore bench $bench --threads $threads --json | sed 's/^{/{"impl": "encore", /' >> "$out"
  done
  .build/release/encore bench spd --n 3706 --threads $threads --json | sed 's/^{/{"impl": "encore", /' >> "$out"
  python3 benchmarks/reference.py --threads $threads --json | sed 's/^{/{"impl": "numpy", /' >> "$out"
done
python3 benchmarks/table.py "$out"
