#!/usr/bin/env python3
"""Runs the command blocks of README.md and docs/*.md that are marked runnable, as written.

A block is runnable when its fence says so: ```bash runnable. Each command (a line, with its
backslash continuations) runs with bash in the repository root, in one shell per block so that a
variable set by one line (E=.build/release/encore) is seen by the next; `encore` means the release
binary. A command must exit 0 unless its trailing comment declares another code ("# ... (expect exit 64)").
A command whose comment says "(not run in CI: REASON)" is listed and skipped: the reason says what
it needs that a fresh clone with ../shared/data lacks (a network, data not on the machine).

Usage: .ci/doc-commands.py [--list] [FILE.md ...]   (default: README.md docs/*.md)
Exit 1 when a command exits with a code its block does not declare, or runs past its timeout.
"""
import glob
import os
import re
import subprocess
import sys
import time

FENCE = re.compile(r"^```(\w+)?(.*)$")
SKIP = re.compile(r"\(not run in CI: ([^)]*)\)")
EXIT = re.compile(r"\bexpect exit (\d+)\b")
TIMEOUT = 900


def blocks(path):
    """(line number, [command lines]) of each runnable block of a Markdown file."""
    found, inside, runnable, start, lines = [], False, False, 0, []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            match = FENCE.match(line.rstrip("\n"))
            if match and not inside:
                inside, lines, start = True, [], number
                runnable = match.group(1) in ("bash", "sh") and "runnable" in (match.group(2) or "").split()
            elif line.startswith("```") and inside:
                inside = False
                if runnable:
                    found.append((start, lines))
            elif inside:
                lines.append(line.rstrip("\n"))
    return found


def commands(lines):
    """Joins backslash continuations; drops blank and comment-only lines."""
    result, current = [], ""
    for line in lines:
        current += line[:-1] + " " if line.endswith("\\") else line
        if line.endswith("\\"):
            continue
        if current.strip() and not current.strip().startswith("#"):
            result.append(current)
        current = ""
    return result


def comment(command):
    """The trailing comment of a command line (outside quotes), or ''."""
    quote = None
    for index, char in enumerate(command):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or command[index - 1].isspace()):
            return command[index + 1:]
    return ""


def main(argv):
    listing = "--list" in argv
    files = [a for a in argv if a != "--list"] or ["README.md"] + sorted(glob.glob("docs/*.md"))
    binary = os.path.abspath(".build/release/encore")
    if not listing and not os.access(binary, os.X_OK):
        print(f"doc-commands: no {binary}; build it with swift build -c release", file=sys.stderr)
        return 1
    prelude = f'encore() {{ "{binary}" "$@"; }}\nexport -f encore\n'
    failures, ran, skipped = 0, 0, 0
    for path in files:
        for start, lines in blocks(path):
            script = prelude
            plan = []
            for command in commands(lines):
                note = comment(command)
                skip = SKIP.search(note)
                if skip:
                    plan.append(("skip", command, skip.group(1)))
                    continue
                code = int(EXIT.search(note).group(1)) if EXIT.search(note) else 0
                plan.append(("run", command, code))
            for kind, command, detail in plan:
                where = f"{path}:{start}"
                if kind == "skip":
                    skipped += 1
                    print(f"doc-commands: {where}: skipped ({detail}): {command.strip()}")
                    continue
                if listing:
                    print(f"doc-commands: {where}: would run (expect exit {detail}): {command.strip()}")
                    continue
                began = time.monotonic()
                try:
                    result = subprocess.run(
                        ["bash", "-c", script + command], capture_output=True, text=True, timeout=TIMEOUT)
                    code = result.returncode
                except subprocess.TimeoutExpired:
                    code, result = None, None
                seconds = time.monotonic() - began
                ran += 1
                # Assignments carry over to the block's later commands.
                if code == 0 and re.match(r"^\s*[A-Za-z_][A-Za-z0-9_]*=\S*\s*(#.*)?$", command):
                    script += command + "\n"
                if code == detail:
                    print(f"doc-commands: {where}: ok (exit {code}, {seconds:.0f} s): {command.strip()}")
                    continue
                failures += 1
                what = f"timed out after {TIMEOUT} s" if code is None else f"exit {code}, expected {detail}"
                print(f"doc-commands: {where}: FAILED ({what}): {command.strip()}", file=sys.stderr)
                if result is not None:
                    print((result.stdout + result.stderr)[-3000:], file=sys.stderr)
    print(f"doc-commands: {ran} run, {skipped} skipped, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
