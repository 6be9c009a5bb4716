#!/usr/bin/env python3
"""Turns benchmarks/results.jsonl (written by run.sh) into a Markdown side-by-side table."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results.jsonl")]
key = lambda r: (r["bench"], r.get("op") if r["bench"] != "spd" else "inverse", r.get("m"), r.get("n"), r.get("k"), r["threads"])
encore = {key(r): r for r in rows if r["impl"] == "encore"}
reference = {key(r): r for r in rows if r["impl"] == "numpy"}
print("| bench | op | m | n | k | threads | Encore GFLOP/s | Encore s | numpy/scipy GFLOP/s | numpy/scipy s | ratio (ref time / Encore time) |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for k in sorted(encore, key=lambda k: (["gemm", "sparse", "spd"].index(k[0]), k[5])):
    e = encore[k]
    r = reference.get(k)
    ratio = f"{r['seconds'] / e['seconds']:.2f}" if r else "-"
    print(f"| {k[0]} | {k[1]} | {k[2] or ''} | {k[3]} | {k[4] or ''} | {k[5]} | {e['gflops']} | {e['seconds']} | "
          f"{r['gflops'] if r else '-'} | {r['seconds'] if r else '-'} | {ratio} |")
