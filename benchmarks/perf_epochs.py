#!/usr/bin/env python3
"""Where the time of a model's training epochs goes, from a `perf record -g` profile of
`encore bench model`.

Keeps only the samples (of every thread) taken while training ran: from the first sample whose
call stack holds `GradientTrainer.fit` (or a closed-form `fit`) to the last one, minus the spans
in which the main thread evaluates on validation (`ModelEvaluation`, a model's `predict` or
`scores`). Data loading, the split, validation and the GEMM-rate timing after the epochs are
left out. Prints the share of each leaf symbol (what `perf report --no-children --sort symbol`
prints for the window) and of each group of symbols: GEMM (micro-kernel, packing, drivers),
the GEMM drivers' waits for each other, sparse products, softmax and losses, activations, dropout and
random draws, optimizer, copies and elementwise ops, memory (page faults, allocator), thread
hand-offs (the pool's spinning and waking, the scheduler), other.

Usage: perf record -e cpu-clock -F 499 -g -o epoch.perf -- \\
           .build/release/encore bench model mult-vae --dataset synthetic-ml20m --epochs 1 --threads 2
       python3 benchmarks/perf_epochs.py epoch.perf [--top 25]
Needs `perf` and, for readable names, `swift demangle` on the PATH.
"""
import argparse
import re
import subprocess
import sys
from collections import Counter

# Groups by leaf symbol (demangled), first match wins.
GROUPS = [
    # The balanced GEMM drivers' inlined waits for the other threads' packing and lanes.
    ("GEMM schedule waits", r"implicit closure .* in GEMMOperands\.runBalanced"),
    ("GEMM", r"AVX512Tile|AVX2Tile|Tile12x32|Tile6x16|GEMMPacking|GEMMOperands|GEMMRowStore|GEMMStore|GEMMKernel|runBalanced|matmul|PackedMatrix|SharedPacking"),
    ("sparse products", r"SparseDense|SparseMatrix|sampledDot|SampledDot|groupedAxpy|transposedMultiply|gatherRows|EntryIndices"),
    ("softmax and losses", r"Multinomial|multinomial|Loss|softmax|Softmax|logSumExp|squaredError|maskedSquared|binaryCrossEntropy"),
    ("activations", r"activated|Activation|tanh|selu|sigmoid|VectorMath|exp|log1p"),
    ("dropout and random draws", r"dropout|Dropout|SeededRNG|normal\(|uniform\("),
    ("optimizer", r"Adam|SGD|AdaGrad|RMSProp|Rprop|Optimizer|step\(|add\(_:scaledBy"),
    ("copies, zero fills, elementwise", r"memmove|memcpy|memset|Tensor\.init|repeating|Array|ContiguousArray|broadcasting|zipMap|map\(|columnSums|accumulate"),
    ("thread hand-offs", r"SpinningPool|Parallel|futex|sched|schedule|_raw_spin|finish_task|pthread|sem_|yield|cond_|dispatch|wake"),
    ("memory (page faults, allocator)", r"^\[k\] .*(page|fault|mm_|folio|memcg|alloc|free|clear_|pte|lruvec|vma|mas_|rmap|charge|list_del|rcu)"
     r"|malloc|free|_int_|mmap|munmap|madvise"),
]


def demangle(names):
    try:
        out = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(names), capture_output=True, text=True, check=True).stdout
        lines = out.split("\n")
        return dict(zip(names, lines[: len(names)]))
    except (OSError, subprocess.CalledProcessError):
        return {name: name for name in names}


def samples(path):
    out = subprocess.run(["perf", "script", "-i", path, "-F", "tid,time,ip,sym"], capture_output=True, text=True, check=True).stdout
    for block in out.split("\n\n"):
        lines = block.strip("\n").split("\n")
        match = re.match(r"\s*(\d+)\s+([\d.]+):", lines[0]) if lines and lines[0] else None
        if not match:
            continue
        frames = [line.strip().split(" ", 1) for line in lines[1:]]
        frames = [(parts[0], parts[1] if len(parts) > 1 else "[unknown]") for parts in frames]
        # Kernel addresses (x86-64: the top half) are marked, as perf report's [k].
        leaf = ("[k] " if frames and frames[0][0].startswith("ffff") else "") + (frames[0][1] if frames else "[unknown]")
        frames = [name for _, name in frames]
        yield int(match.group(1)), float(match.group(2)), leaf, "\n".join(frames)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    all_samples = list(samples(args.profile))
    if not all_samples:
        sys.exit(f"{args.profile}: no samples")
    main_tid = all_samples[0][0]
    training = [t for tid, t, _, stack in all_samples if tid == main_tid and ("GradientTrainer" in stack or "fit" in stack and "Recommender" in stack)]
    if not training:
        sys.exit(f"{args.profile}: no sample inside a model's fit")
    start, end = training[0], training[-1]
    # Spans of validation on the main thread (gaps of up to three sample periods are bridged).
    evaluating = sorted(t for tid, t, _, stack in all_samples
                        if tid == main_tid and re.search(r"ModelEvaluation|predict5users|scores7history|scores_4rows|TopK", stack))
    times = sorted(t for tid, t, _, _ in all_samples if tid == main_tid)
    gaps = sorted(b - a for a, b in zip(times, times[1:]) if b > a)
    period = gaps[len(gaps) // 2] if gaps else 0.002
    spans = []
    for t in evaluating:
        if spans and t - spans[-1][1] <= 3 * period:
            spans[-1][1] = t
        else:
            spans.append([t, t])
    def in_eval(t):
        return any(a - period <= t <= b + period for a, b in spans)
    kept = [leaf for tid, t, leaf, _ in all_samples if start <= t <= end and not in_eval(t)]
    counts = Counter(kept)
    names = demangle([leaf[4:] if leaf.startswith("[k] ") else leaf for leaf in counts])
    names = {leaf: ("[k] " + names.get(leaf[4:], leaf[4:]) if leaf.startswith("[k] ") else names.get(leaf, leaf)) for leaf in counts}
    total = len(kept)
    eval_seconds = sum(b - a + period for a, b in spans if start <= a <= end)
    print(f"{args.profile}: {total} samples in {end - start:.2f} s of training "
          f"({eval_seconds:.2f} s of validation inside left out), {len(all_samples)} in the whole run")
    groups = Counter()
    for leaf, count in counts.items():
        name = names.get(leaf, leaf)
        group = next((g for g, pattern in GROUPS if re.search(pattern, name)), "other")
        groups[group] += count
    print("\n| group | share of samples |\n|---|---|")
    for group, count in groups.most_common():
        print(f"| {group} | {100 * count / total:.1f}% |")
    print("\n| symbol | group | share |\n|---|---|---|")
    for leaf, count in counts.most_common(args.top):
        name = names.get(leaf, leaf)
        group = next((g for g, pattern in GROUPS if re.search(pattern, name)), "other")
        print(f"| `{name[:110]}` | {group} | {100 * count / total:.1f}% |")


if __name__ == "__main__":
    main()
