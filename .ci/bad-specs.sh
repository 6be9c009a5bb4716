#!/usr/bin/env bash
# The bad-spec corpus in its quick (CI) size: experiment specs mutated at every JSON path must
# never crash `encore validate` or `encore run` (Tests/Fuzz/bad_specs.py). Builds nothing.
#
#   .ci/bad-specs.sh PATH/TO/encore [more bad_specs.py options]
#
# Runs that need the MovieLens data read ../shared/data beside the clone when it exists (or
# ENCORE_DATA_DIR). Exits 1 when a mutant crashed, 2 for a usage error.
set -euo pipefail
if [ $# -lt 1 ]; then
    echo "usage: .ci/bad-specs.sh ENCORE [bad_specs.py options]" >&2
    exit 2
fi
encore="$1"
shift
case "$encore" in /*) ;; *) encore="$PWD/$encore" ;; esac
cd "$(dirname "$0")/.."
data=()
if [ -d ../shared/data ]; then data=(--data-dir "$(cd ../shared/data && pwd)"); fi
exec python3 Tests/Fuzz/bad_specs.py --encore "$encore" --quick ${data[@]+"${data[@]}"} "$@"
