#!/usr/bin/env python3
"""numpy / scipy reference figures for `encore bench gemm|sparse|spd` (same shapes, same thread count).

Usage: python3 benchmarks/reference.py --threads 2 [--json] [--only gemm,sparse,spd] [--n 3706] [--shape MxNxK ...]
                                      [--op A*B|A*B^T|A^T*B ...]

The thread count must be fixed before numpy is imported, so the environment is set first.
OPENBLAS_CORETYPE=SkylakeX selects OpenBLAS's AVX-512 kernels, which only run on CPUs with
avx512f: the script sets it only when /proc/cpuinfo lists avx512f and prints the choice.
"""
import argparse
import os
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=os.cpu_count())
parser.add_argument("--json", action="store_true")
parser.add_argument("--only", default="gemm,sparse,spd")
parser.add_argument("--n", type=int, default=3706)
parser.add_argument("--shape", action="append", default=[],
                    help="GEMM shape MxNxK (repeatable; default: the four shapes of `encore bench gemm`)")
GEMM_OPS = ("A*B", "A*B^T", "A^T*B")
parser.add_argument("--op", action="append", default=[], choices=GEMM_OPS,
                    help="GEMM layout (repeatable; default: all three)")
args = parser.parse_args()

for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[name] = str(args.threads)
try:
    flags = open("/proc/cpuinfo").read().split()
except OSError:
    flags = []
if "avx512f" in flags:
    os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
coretype = os.environ.get("OPENBLAS_CORETYPE", "default (auto-detected; no avx512f on this CPU)")
print(f"# OPENBLAS_CORETYPE={coretype} threads={args.threads}", file=sys.stderr)

import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse  # noqa: E402


def median_seconds(body, budget=1.0):
    body()
    start = time.perf_counter()
    body()
    probe = time.perf_counter() - start
    runs = max(3, min(25, int(budget / max(probe, 1e-6))))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def report(fields):
    fields["threads"] = args.threads
    gflops = fields.pop("gflops")
    seconds = fields.pop("seconds")
    fields["gflops"] = round(gflops, 1)
    fields["seconds"] = float(f"{seconds:.4g}")
    if args.json:
        print(json.dumps(fields))
    else:
        print(" ".join(f"{k}={v}" for k, v in fields.items()))
    sys.stdout.flush()


rng = np.random.default_rng(1)
only = set(args.only.split(","))

if "gemm" in only:
    shapes = [tuple(int(x) for x in s.split("x")) for s in args.shape] or \
        [(1024, 1024, 1024), (512, 3706, 600), (512, 600, 3706), (3706, 3706, 3706)]
    for m, n, k in shapes:
        for op in [op for op in GEMM_OPS if not args.op or op in args.op]:
            # Stored layouts match the Swift benchmark; numpy's .T is a free view passed to sgemm.
            a = rng.uniform(-1, 1, (k, m) if op == "A^T*B" else (m, k)).astype(np.float32)
            b = rng.uniform(-1, 1, (n, k) if op == "A*B^T" else (k, n)).astype(np.float32)
            c = np.empty((m, n), dtype=np.float32)
            left = a.T if op == "A^T*B" else a
            right = b.T if op == "A*B^T" else b
            seconds = median_seconds(lambda: np.matmul(left, right, out=c))
            report({"bench": "gemm", "op": op, "m": m, "n": n, "k": k, "gflops": 2 * m * n * k / seconds / 1e9,
                    "seconds": seconds})

if "sparse" in only:
    rows, cols, per_row, width = 512, 3706, 165, 600
    indices = np.concatenate([np.sort(rng.choice(cols, per_row, replace=False)) for _ in range(rows)])
    pointers = np.arange(0, rows * per_row + 1, per_row)
    sparse = scipy.sparse.csr_matrix((np.ones(rows * per_row, dtype=np.float32), indices, pointers),
                                     shape=(rows, cols))
    dense = rng.uniform(-1, 1, (cols, width)).astype(np.float32)
    gradient = rng.uniform(-1, 1, (rows, width)).astype(np.float32)
    flops = 2 * sparse.nnz * width
    for op, body in (("S*D", lambda: sparse @ dense), ("S^T*D", lambda: sparse.T @ gradient)):
        seconds = median_seconds(body)
        report({"bench": "sparse", "op": op, "m": rows, "n": width, "k": cols, "nnz": int(sparse.nnz),
                "gflops": flops / seconds / 1e9, "seconds": seconds})

if "spd" in only:
    n = args.n
    x = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    a = x.T @ x + n * np.eye(n, dtype=np.float32)
    seconds = median_seconds(lambda: np.linalg.inv(a), budget=3.0)
    report({"bench": "spd", "n": n, "gflops": n ** 3 / seconds / 1e9, "seconds": seconds})
