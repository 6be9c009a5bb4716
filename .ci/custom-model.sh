#!/usr/bin/env bash
# CI step: builds examples/custom-model (a separate package that depends on Encore by path and
# adds one model, `rlae`) and drives its own `encore` binary through models, validate, run,
# --resume, --save-model and recommend, table and bench model, checking exit codes and that the
# new model reaches the tables.
# Outputs go to a temporary directory that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
example=examples/custom-model
spec="$example/rlae-vs-ease.json"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/encore-custom-model.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

fail() { echo "custom-model: FAIL: $*" >&2; exit 1; }
# Runs "$@" and fails unless it exits with status $1 (the first argument).
expect_status() {
    local expected="$1" status=0
    shift
    "$@" >"$scratch/stdout" 2>"$scratch/stderr" || status=$?
    if [ "$status" -ne "$expected" ]; then
        cat "$scratch/stdout" "$scratch/stderr" >&2
        fail "'$*' exited $status, expected $expected"
    fi
}

start=$SECONDS
swift build --package-path "$example"
build_seconds=$((SECONDS - start))
bin="$(swift build --package-path "$example" --show-bin-path)/custom-encore"
[ -x "$bin" ] || fail "no executable at $bin"

start=$SECONDS
expect_status 0 "$bin" models
grep -q '^rlae  \[ranking\]' "$scratch/stdout" || fail "'models' does not list rlae"
grep -q '^ease  \[ranking\]' "$scratch/stdout" || fail "'models' lost the standard models"
expect_status 0 "$bin" models --json
grep -q '"name" : "rlae"' "$scratch/stdout" || fail "'models --json' does not list rlae"

expect_status 0 "$bin" validate "$spec"
grep -q ': ok: 3 models' "$scratch/stdout" || fail "'validate' did not accept the spec"
expect_status 64 "$bin" validate "$spec" --set 'models[2].config.xii=0.2'
grep -q 'xii' "$scratch/stderr" || fail "'validate' did not name the unknown rlae key"
expect_status 64 "$bin" run "$spec" --output "$scratch/refused" --set 'models[2].model=rlea'

expect_status 0 "$bin" run "$spec" --output "$scratch/run" --quiet
grep -q '^| rlae |' "$scratch/run/table.md" || fail "table.md has no rlae row"
grep -q '^| ease |' "$scratch/run/table.md" || fail "table.md has no ease row"
grep -q '"model" : "rlae"' "$scratch/run/results.json" || fail "results.json has no rlae run"
expect_status 0 "$bin" run "$spec" --output "$scratch/run" --resume
grep -q '0 runs ok, 0 failed, 5 already done' "$scratch/stderr" || fail "'run --resume' reran finished runs"
# Each run is a child process of this executable (the stock encore does not know rlae).
expect_status 0 "$bin" run "$spec" --output "$scratch/jobs" --jobs 2 --threads 1 --timeout 600
grep -q '5 runs ok, 0 failed' "$scratch/stderr" || fail "'run --jobs 2' did not run every run"
grep -q '^| rlae |' "$scratch/jobs/table.md" || fail "'run --jobs 2' has no rlae row"

expect_status 0 "$bin" run "$spec" --output "$scratch/saved" --save-model --quiet
[ -f "$scratch/saved/models/rlae-seed1/state.bin" ] || fail "'run --save-model' saved no rlae model"
printf 'user,item\nnew,i1\nnew,i2\nnew,i3\n' >"$scratch/history.csv"
expect_status 0 "$bin" recommend "$scratch/saved/models/rlae-seed1" --history "$scratch/history.csv" --k 5
[ "$(grep -c '^new,' "$scratch/stdout")" -eq 5 ] || fail "'recommend' with the saved rlae listed no 5 items"

expect_status 0 "$bin" table "$scratch/run" --output "$scratch/table" --quiet
grep -q '^| rlae |' "$scratch/table/table.md" || fail "'table' lost the rlae row"

expect_status 0 "$bin" bench model rlae --dataset synthetic --threads 2 --json
grep -q '"model": "rlae"' "$scratch/stdout" || fail "'bench model rlae' printed no result"
echo "custom-model: ok (build ${build_seconds} s, checks $((SECONDS - start)) s)"
