#!/usr/bin/env python3
"""Interleaved (paired) Encore vs numpy/scipy benchmark: the drift-robust form of run.sh.

On a shared virtual machine the speed of a core drifts by 10-20% over minutes, so running all of
Encore's shapes and then all of numpy's (run.sh) can put the two sides in different weather. This
driver alternates the two sides shape by shape (GEMM: layout by layout, see `--whole-shapes`):
for every thread count and every shape it runs Encore's benchmark and the reference on the same
shape, `--rounds` times (which side goes first alternates from round to round), and reports per
(shape, op, threads) the median over rounds of the paired ratio (reference time / Encore time),
with the smallest and largest ratio. Each side's figure within a round is itself a median of
several runs after a warm-up (see `encore bench` and reference.py).

GEMM in one process (`--gemm in-process`, the default): `encore bench gemm --against
LIB` opens the OpenBLAS that numpy loads (found from the `--python` interpreter's memory map) and
times Encore's product and `cblas_sgemm` call by call, in pairs, in one process; each GEMM record is
then already a paired result (median ratio over pairs, quartiles, range), and `--rounds` applies to
the sparse and SPD pairs only. Calls milliseconds apart see the same host speed, where processes
seconds apart did not (rounds of one cell ranged 0.66-1.22). `--gemm processes` pairs processes
(encore bench gemm against reference.py).

With `--pin CPU`, both sides of every one-thread pair run on that CPU (`taskset -c CPU`): on a
shared host one virtual CPU is sometimes slower than the other for minutes, and a one-thread
process and the next one may otherwise land on different CPUs. Two-thread pairs use both CPUs
either way.

Usage: python3 benchmarks/paired.py [--rounds 3] [--threads 1,2] [--only gemm,sparse,spd]
                                    [--python PY] [--out benchmarks/paired.jsonl] [--pin CPU]
                                    [--shape MxNxK ...] [--whole-shapes] [--gemm in-process|processes]
       python3 benchmarks/paired.py --table benchmarks/paired.jsonl   (table of an earlier run)
Needs a release build (.build/release/encore) and numpy/scipy for --python.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--threads", default="1,2")
parser.add_argument("--only", default="gemm,sparse,spd")
parser.add_argument("--python", default=sys.executable)
parser.add_argument("--encore", default=".build/release/encore")
parser.add_argument("--out", default="benchmarks/paired.jsonl")
parser.add_argument("--table", help="print the table of an existing JSONL file and run nothing")
parser.add_argument("--pin", default="none",
                    help="one-thread pairs: run both sides on this CPU with taskset (e.g. 0), so that "
                         "a virtual CPU slowed by the host slows both; 'none' (default) lets the OS place them")
parser.add_argument("--whole-shapes", action="store_true",
                    help="pair each GEMM shape's three layouts as one job instead of "
                         "pairing layout by layout; a 3706^3 shape then spans ~20 s per side, and the "
                         "host's speed can change within that")
parser.add_argument("--gemm", choices=["in-process", "processes"], default="in-process",
                    help="GEMM pairing: call by call in one process against numpy's OpenBLAS (default), "
                         "or Encore and reference.py processes in alternation")
parser.add_argument("--blas", help="with --gemm in-process: the CBLAS library (default: the OpenBLAS numpy loads)")
parser.add_argument("--shape", action="append", default=[],
                    help="GEMM shape MxNxK (repeatable; default: the four shapes of `encore bench gemm`)")
args = parser.parse_args()

GEMM_SHAPES = ["1024x1024x1024", "512x3706x600", "512x600x3706", "3706x3706x3706"]
GEMM_OPS = ["A*B", "A*B^T", "A^T*B"]


def lines(command, environment=None):
    result = subprocess.run(command, check=True, capture_output=True, text=True, env=environment)
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def key(record):
    op = record.get("op") or "inverse"
    return (record["bench"], op, record.get("m"), record.get("n"), record.get("k"), record["threads"])


def numpy_blas():
    """The path of the BLAS library numpy loads in `--python`, read from its memory map."""
    probe = ("import numpy, sys\n"
             "paths = {l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower() and '.so' in l}\n"
             "print('\\n'.join(sorted(paths)))")
    found = subprocess.run([args.python, "-c", probe], check=True, capture_output=True, text=True).stdout.split()
    if not found:
        sys.exit("paired.py: numpy loads no *blas*.so here; give --blas PATH or use --gemm processes")
    return found[0]


def blas_environment(threads):
    """The environment of an in-process GEMM job: OpenBLAS's thread pool and (on AVX-512 CPUs) its
    SkylakeX kernels, as reference.py sets them for numpy."""
    environment = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    try:
        if "avx512f" in open("/proc/cpuinfo").read().split():
            environment["OPENBLAS_CORETYPE"] = "SkylakeX"
    except OSError:
        pass
    return environment


blas = None
if args.gemm == "in-process" and "gemm" in args.only.split(",") and not args.table:
    blas = args.blas or numpy_blas()
    print(f"# GEMM in one process against {blas}", file=sys.stderr)

jobs = []  # (encore command, reference command); reference None: an in-process GEMM job
for threads in [int(t) for t in args.threads.split(",")]:
    t = str(threads)
    pin = ["taskset", "-c", args.pin] if threads == 1 and args.pin != "none" else []
    only = args.only.split(",")
    if "gemm" in only and blas:
        for shape in args.shape or GEMM_SHAPES:
            for op in GEMM_OPS:
                jobs.append((pin + [args.encore, "bench", "gemm", "--threads", t, "--shape", shape, "--op", op,
                                    "--against", blas, "--json"], None))
    elif "gemm" in only:
        for shape in args.shape or GEMM_SHAPES:
            for op in [[]] if args.whole_shapes else [["--op", op] for op in GEMM_OPS]:
                jobs.append((pin + [args.encore, "bench", "gemm", "--threads", t, "--shape", shape] + op + ["--json"],
                             pin + [args.python, "benchmarks/reference.py", "--threads", t, "--only", "gemm",
                                    "--shape", shape] + op + ["--json"]))
    if "sparse" in only:
        jobs.append((pin + [args.encore, "bench", "sparse", "--threads", t, "--json"],
                     pin + [args.python, "benchmarks/reference.py", "--threads", t, "--only", "sparse", "--json"]))
    if "spd" in only:
        jobs.append((pin + [args.encore, "bench", "spd", "--n", "3706", "--threads", t, "--json"],
                     pin + [args.python, "benchmarks/reference.py", "--threads", t, "--only", "spd", "--json"]))

records = []
if args.table:
    records = [json.loads(line) for line in open(args.table)]
    jobs = []
# Written to a temporary file and renamed at the end, so an interrupted run leaves the previous
# results in place.
partial = args.out + ".partial"
with open(partial if not args.table else "/dev/null", "w") as out:
    for encore_command, reference_command in jobs:
        if reference_command is None:
            for record in lines(encore_command, blas_environment(int(encore_command[encore_command.index("--threads") + 1]))):
                record = {"impl": "in-process", **record}
                records.append(record)
                out.write(json.dumps(record) + "\n")
                out.flush()
            print(f"# done: {' '.join(encore_command[encore_command.index('bench'):-3])}", file=sys.stderr)
            continue
        for round_ in range(1, args.rounds + 1):
            # Alternate which side goes first, so neither always runs right after the other's load.
            pair = (("encore", encore_command), ("numpy", reference_command))
            for impl, command in (pair if round_ % 2 == 1 else pair[::-1]):
                for record in lines(command):
                    record = {"impl": impl, "round": round_, **record}
                    records.append(record)
                    out.write(json.dumps(record) + "\n")
                    out.flush()
            print(f"# done: {' '.join(encore_command[encore_command.index('bench'):-1])} round {round_}", file=sys.stderr)
if not args.table:
    os.replace(partial, args.out)

paired = {}
in_process = []
for record in records:
    if record["impl"] == "in-process":
        in_process.append(record)
        continue
    paired.setdefault(key(record), {}).setdefault(record["round"], {})[record["impl"]] = record
if paired:
    print("| bench | op | m | n | k | threads | Encore GFLOP/s (median) | numpy/scipy GFLOP/s (median) "
          "| paired ratio, median (min-max) over rounds |")
    print("|---|---|---|---|---|---|---|---|---|")
for k, rounds in paired.items():
    complete = [r for r in rounds.values() if "encore" in r and "numpy" in r]
    if not complete:
        continue
    ratios = sorted(r["numpy"]["seconds"] / r["encore"]["seconds"] for r in complete)
    encore = statistics.median(r["encore"]["gflops"] for r in complete)
    reference = statistics.median(r["numpy"]["gflops"] for r in complete)
    print(f"| {k[0]} | {k[1]} | {k[2] or ''} | {k[3]} | {k[4] or ''} | {k[5]} | {encore:.1f} | {reference:.1f} | "
          f"{statistics.median(ratios):.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f}) |")
if in_process:
    print()
    print("GEMM, call by call in one process (`encore bench gemm --against`): per pair of calls the ratio "
          "reference time / Encore time")
    print()
    print("| op | m | n | k | threads | Encore GFLOP/s (median) | OpenBLAS GFLOP/s (median) "
          "| paired ratio: median (quartiles; min-max) | pairs |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in in_process:
        print(f"| {r['op']} | {r['m']} | {r['n']} | {r['k']} | {r['threads']} | {r['gflops']:.1f} | "
              f"{r['reference_gflops']:.1f} | {r['ratio']:.2f} ({r['ratio_q1']:.2f}-{r['ratio_q3']:.2f}; "
              f"{r['ratio_min']:.2f}-{r['ratio_max']:.2f}) | {r['pairs']} |")
