#!/usr/bin/env python3
"""Prints the Markdown table of benchmarks/models.jsonl (written by benchmarks/models.sh).

Lines may carry a "run" key (several runs kept in one file); rows are printed per run."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/models.jsonl")]
print("| run | model | Encore s/epoch | PyTorch s/epoch | speed-up (PyTorch / Encore) | Encore eval s | PyTorch eval s |")
print("|---|---|---|---|---|---|---|")
for run in sorted({r.get("run", 1) for r in rows}):
    encore = {r["model"]: r for r in rows if r["impl"] == "encore" and r.get("run", 1) == run}
    torch = {r["model"]: r for r in rows if r["impl"] == "pytorch" and r.get("run", 1) == run}
    for model, e in encore.items():
        t = torch.get(model)
        if t is None:
            continue
        ratio = t["median_epoch_s"] / e["epoch_seconds"]
        print(f"| {run} | {model} | {e['epoch_seconds']:.4g} | {t['median_epoch_s']:.4g} | {ratio:.2f}x | "
              f"{e['eval_seconds']:.4g} | {t['median_eval_s']:.4g} |")
