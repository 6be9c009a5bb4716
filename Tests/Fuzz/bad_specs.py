#!/usr/bin/env python3
"""Bad-spec corpus: mutates every JSON path of every experiment spec and runs `encore` on each mutant.

Every spec in experiments/*.json is walked node by node; each node is replaced by wrong types,
out-of-range and extreme values (-1, 0, 2^31, 2^63-1, 2^64, 1e39, -1e39, 0.5, true), huge and
empty strings, an unknown name, empty arrays and objects, and null; metric names get absurd
cut-offs (ndcg@2147483648). Every config key of each entry's model (from `encore models --json`)
that the spec leaves at its default is added with the same values, so every model's config
decoding is exercised, not only the keys a spec happens to set. Each mutant is checked with `encore validate` and then run with
`encore run` under a per-run timeout, with `--set` options that keep real runs short (one seed,
one epoch, the first value of each grid) and its output in a scratch folder.

A crash is a death by signal or an exit code outside the documented set (0, 1, 64, 65, 74; see
docs/cli.md); `validate` may exit only 0, 64 or 74 and must finish within the timeout. A run that
exceeds the timeout (a valid spec asking for long training) is counted and listed, not treated as
a crash. The script prints one summary line and exits 1 when anything crashed (2 for its own
usage errors); crashing mutants are kept in the scratch folder with the command that failed.

Sampling is deterministic: `--seed` and `--limit` choose the same mutants on every machine.
`--quick` is the CI size: 600 mutants, a 30 s timeout, and no mutant started after 120 s (a
release build checks all 600 in under a minute on two cores; a debug build trains far slower and
stops at the budget).

    python3 Tests/Fuzz/bad_specs.py --encore .build/release/encore --data-dir ../shared/data
    python3 Tests/Fuzz/bad_specs.py --encore .build/release/encore --quick
"""

import argparse
import collections
import glob
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

# Exit codes of docs/cli.md: 0 ok, 1 some runs failed, 64 usage or spec, 65 data, 74 I/O.
RUN_CODES = {0, 1, 64, 65, 74}
VALIDATE_CODES = {0, 64, 74}

HUGE_STRING = "x" * 100_000
UNKNOWN_NAME = "no-such-name"

# (label, JSON value) replacing any node.
VALUE_MUTATIONS = [
    ("-1", -1),
    ("0", 0),
    ("2^31", 2**31),
    ("2^63-1", 2**63 - 1),
    ("2^64", 2**64),
    ("1e39", 1e39),
    ("-1e39", -1e39),
    ("0.5", 0.5),
    ("true", True),
    ("huge-string", HUGE_STRING),
    ("empty-string", ""),
    ("unknown-name", UNKNOWN_NAME),
    ("empty-array", []),
    ("empty-object", {}),
    ("null", None),
]

# Cut-offs given to metric names (`ndcg@100` -> `ndcg@2147483648`).
METRIC_CUTOFFS = ["0", "-1", "2147483648", "9223372036854775807", "99999999999999999999", "1000000"]
METRIC_NAME = re.compile(r"^([a-z_]+)@(\d+)$")

QUICK_LIMIT = 600
QUICK_TIMEOUT = 30.0
QUICK_BUDGET = 120.0


def walk(value, path=()):
    """Yields (path, node) for every node, the root included; paths are tuples of keys and indices."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, path + (index,))


def path_text(path):
    """`models[2].config.hidden_units`, `$` for the root."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text or "$"


def replaced(root, path, new):
    """A deep copy of `root` with the node at `path` replaced by `new` (missing object keys on
    the way are created, so a config key the spec does not set can be mutated too)."""
    if not path:
        return json.loads(json.dumps(new))
    copy = json.loads(json.dumps(root))
    node = copy
    for part in path[:-1]:
        if isinstance(node, dict) and part not in node:
            node[part] = {}
        node = node[part]
    node[path[-1]] = json.loads(json.dumps(new))
    return copy


def config_keys(encore):
    """Every registered model's config keys, from `encore models --json`."""
    try:
        listing = subprocess.run([encore, "models", "--json"], capture_output=True, check=True, timeout=60).stdout
        return {model["name"]: [key["name"] for key in model["config_keys"]] for model in json.loads(listing)}
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError):
        return {}


def config_paths(root, keys):
    """`models[i].config.<key>` for every config key of every entry's model that the entry does
    not set: mutating them covers every model's config decoding, not only the keys a spec uses."""
    models = root.get("models") if isinstance(root, dict) else None
    if not isinstance(models, list):
        return []
    paths = []
    for index, entry in enumerate(models):
        if not isinstance(entry, dict) or not isinstance(entry.get("model"), str):
            continue
        written = entry.get("config") if isinstance(entry.get("config"), dict) else {}
        paths += [("models", index, "config", key) for key in keys.get(entry["model"], []) if key not in written]
    return paths


def mutations_of(node):
    """Every (label, replacement) for one node."""
    result = list(VALUE_MUTATIONS)
    if isinstance(node, str):
        match = METRIC_NAME.match(node)
        if match:
            result += [(f"k={k}", f"{match.group(1)}@{k}") for k in METRIC_CUTOFFS]
    return result


class Mutant:
    """One spec with one node replaced."""

    def __init__(self, spec_file, root, path, label, value):
        self.spec_file = spec_file
        self.root = root
        self.path = path
        self.label = label
        self.value = value
        self.ident = f"{os.path.basename(spec_file)}:{path_text(path)}:{label}"

    @property
    def json(self):
        """The mutated spec (a fresh copy)."""
        return replaced(self.root, self.path, self.value)

    def run_variant(self, keys):
        """The spec `encore run` gets and its `--set` options.

        A mutation inside `models[i]` keeps only that entry (as `models[0]`); any other keeps one
        entry chosen by the mutant's hash, so every entry is exercised across the corpus. The
        options give one seed and one epoch (`selection.max_epochs`, and `config.epochs` for a
        model that has the key) and keep the first value of each grid list; an option is left
        out when its path overlaps the mutated one, so it never hides the mutation.
        """
        spec = json.loads(json.dumps(self.json))
        path = self.path
        if isinstance(spec, dict) and isinstance(spec.get("models"), list) and spec["models"]:
            models = spec["models"]
            if len(path) >= 2 and path[0] == "models" and isinstance(path[1], int) and path[1] < len(models):
                keep = path[1]
                path = ("models", 0) + path[2:]
            else:
                keep = int(hashlib.sha256(self.ident.encode()).hexdigest(), 16) % len(models)
            spec["models"] = [models[keep]]
        overrides = []
        if isinstance(spec, dict):
            overrides.append((("seeds",), "[1]"))
            overrides.append((("selection", "max_epochs"), "1"))
            models = spec.get("models")
            if isinstance(models, list) and models and isinstance(models[0], dict):
                entry = models[0]
                model = entry.get("model")
                if isinstance(model, str) and "epochs" in keys.get(model, []) and isinstance(entry.get("config", {}), dict):
                    overrides.append((("models", 0, "config", "epochs"), "1"))
                if isinstance(entry.get("selection"), dict):
                    overrides.append((("models", 0, "selection", "max_epochs"), "1"))
                grid = entry.get("grid")
                if isinstance(grid, dict):
                    for key, values in grid.items():
                        if isinstance(values, list) and len(values) > 1:
                            overrides.append((("models", 0, "grid", key), json.dumps(values[:1])))
        options = []
        for target, value in overrides:
            shorter = min(len(target), len(path))
            if target[:shorter] == path[:shorter]:
                continue
            options += ["--set", f"{path_text(target)}={value}"]
        return spec, options


def corpus(spec_files, keys):
    """Every mutant of every spec, in a fixed order: each node of the spec, then each config key
    the spec leaves at its default."""
    mutants = []
    for spec_file in spec_files:
        with open(spec_file, encoding="utf-8") as handle:
            root = json.load(handle)
        for path, node in walk(root):
            for label, value in mutations_of(node):
                mutants.append(Mutant(spec_file, root, path, label, value))
        for path in config_paths(root, keys):
            for label, value in VALUE_MUTATIONS:
                mutants.append(Mutant(spec_file, root, path, label, value))
    return mutants


def execute(command, timeout, env, cwd):
    """(exit code or None on timeout, negative for a signal, stderr tail, seconds)."""
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd, start_new_session=True)
    except OSError as error:
        return 127, str(error), 0.0
    try:
        _, stderr = process.communicate(timeout=timeout)
        code = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
        code = None
    text = stderr.decode("utf-8", "replace")
    # The reason first (a runtime failure or the tool's own error line), then the end.
    reasons = [line for line in text.splitlines() if re.search(r"Fatal error|runtime failure|encore: error|crashed:", line)]
    tail = "\n".join(reasons[:4] + ["..."] + text.splitlines()[-4:]) if reasons else text[-2000:]
    return code, tail, time.monotonic() - started


def is_crash(code, allowed):
    return code is not None and (code < 0 or code not in allowed)


def describe(code):
    if code is None:
        return "timeout"
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return str(code)


def check(mutant, index, encore, work, timeout, env, keys, deadline):
    """Validates and runs one mutant; returns (validate code, run code, crash reports), or None
    when the time budget ran out before it started."""
    if deadline is not None and time.monotonic() > deadline:
        return None
    folder = os.path.join(work, f"m{index:05d}")
    os.makedirs(folder, exist_ok=True)
    spec_path = os.path.join(folder, "spec.json")
    with open(spec_path, "w", encoding="utf-8") as handle:
        json.dump(mutant.json, handle)
    crashes = []
    validate_code, tail, _ = execute([encore, "validate", spec_path], timeout, env, folder)
    if is_crash(validate_code, VALIDATE_CODES) or validate_code is None:
        crashes.append((f"validate {describe(validate_code)}", [encore, "validate", spec_path], tail))
    run_spec, options = mutant.run_variant(keys)
    run_path = os.path.join(folder, "run-spec.json")
    with open(run_path, "w", encoding="utf-8") as handle:
        json.dump(run_spec, handle)
    command = [encore, "run", run_path, "--quiet", "--output", os.path.join(folder, "out")] + options
    run_code, tail, _ = execute(command, timeout, env, folder)
    if is_crash(run_code, RUN_CODES):
        crashes.append((f"run {describe(run_code)}", command, tail))
    if crashes:
        shutil.rmtree(os.path.join(folder, "out"), ignore_errors=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return validate_code, run_code, crashes


def main():
    parser = argparse.ArgumentParser(description="Run encore on a corpus of mutated experiment specs.")
    parser.add_argument("--encore", required=True, help="the encore binary (a release build)")
    parser.add_argument("--specs", nargs="*", help="spec files (default: experiments/*.json beside this script's repository)")
    parser.add_argument("--data-dir", help="folder with the MovieLens data (sets ENCORE_DATA_DIR for encore)")
    parser.add_argument("--seed", type=int, default=1, help="sampling seed (default 1)")
    parser.add_argument("--limit", type=int, help="check this many mutants, sampled with --seed (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help=f"the CI size: --limit {QUICK_LIMIT}, --timeout {QUICK_TIMEOUT:.0f}, --budget {QUICK_BUDGET:.0f} unless given")
    parser.add_argument("--timeout", type=float, help="seconds per encore invocation (default 60)")
    parser.add_argument("--budget", type=float,
                        help=f"start no mutant after this many seconds (default: none; {QUICK_BUDGET:.0f} with --quick)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants checked in parallel (default 2)")
    parser.add_argument("--work", help="scratch folder (default: a new one under the system temp folder)")
    parser.add_argument("--list", action="store_true", help="print the chosen mutants and exit")
    parser.add_argument("--match", help="only mutants whose id contains this text")
    args = parser.parse_args()

    repository = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    spec_files = args.specs or sorted(glob.glob(os.path.join(repository, "experiments", "*.json")))
    if not spec_files:
        parser.error("no spec files found")
    encore = os.path.abspath(args.encore)
    if not os.access(encore, os.X_OK):
        parser.error(f"{args.encore} is not an executable")
    limit = args.limit if args.limit is not None else (QUICK_LIMIT if args.quick else None)
    timeout = args.timeout if args.timeout is not None else (QUICK_TIMEOUT if args.quick else 60.0)
    budget = args.budget if args.budget is not None else (QUICK_BUDGET if args.quick else None)

    keys = config_keys(encore)
    if not keys:
        print("bad-specs: 'encore models --json' failed; config keys the specs do not set are not mutated", file=sys.stderr)
    mutants = corpus(spec_files, keys)
    total = len(mutants)
    if args.match:
        mutants = [m for m in mutants if args.match in m.ident]
    if limit is not None and limit < len(mutants):
        mutants = random.Random(args.seed).sample(mutants, limit)
    if args.list:
        for mutant in mutants:
            print(mutant.ident[:200])
        return 0

    env = dict(os.environ)
    if args.data_dir:
        env["ENCORE_DATA_DIR"] = os.path.abspath(args.data_dir)
    work = os.path.abspath(args.work) if args.work else tempfile.mkdtemp(prefix="encore-bad-specs-")
    os.makedirs(work, exist_ok=True)

    validate_codes = collections.Counter()
    run_codes = collections.Counter()
    crashes = []
    timeouts = []
    started = time.monotonic()
    deadline = started + budget if budget is not None else None
    skipped = 0
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(check, m, i, encore, work, timeout, env, keys, deadline) for i, m in enumerate(mutants)]
        for index, (mutant, future) in enumerate(zip(mutants, futures)):
            result = future.result()
            if result is None:
                skipped += 1
                continue
            validate_code, run_code, found = result
            validate_codes[describe(validate_code)] += 1
            run_codes[describe(run_code)] += 1
            if run_code is None:
                timeouts.append(mutant.ident)
            for what, command, tail in found:
                crashes.append(mutant.ident)
                print(f"CRASH ({what}) {mutant.ident[:200]}", file=sys.stderr)
                print("  " + " ".join(command)[:400], file=sys.stderr)
                for line in tail.strip().splitlines()[:10]:
                    print("  | " + line[:300], file=sys.stderr)
            if (index + 1) % 100 == 0:
                print(f"... {index + 1}/{len(mutants)} ({time.monotonic() - started:.0f} s)", file=sys.stderr)

    for ident in timeouts[:20]:
        print(f"timeout: {ident[:200]}", file=sys.stderr)

    def counts(counter):
        return ", ".join(f"{code}: {counter[code]}" for code in sorted(counter, key=lambda c: (not c.isdigit(), c.zfill(4))))

    checked = len(mutants) - skipped
    budget_note = f" ({skipped} not started: the {budget:.0f} s budget ran out)" if skipped else ""
    print(f"bad-specs: {checked} of {total} mutants{budget_note} from {len(spec_files)} specs (seed {args.seed}); "
          f"validate exits {{{counts(validate_codes)}}}; run exits {{{counts(run_codes)}}}; "
          f"timeouts {len(timeouts)}; crashes {len(crashes)}; {time.monotonic() - started:.0f} s"
          + (f"; crashing mutants kept in {work}" if crashes else ""))
    if not crashes and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
