#!/usr/bin/env bash
# Runs an Encore experiment through Slurm on a throwaway single-node cluster on this machine and
# checks that the merged shards equal an unsharded run.
#
#   sudo examples/slurm/run-local-cluster.sh [SPEC [SHARDS]]   (default experiments/quickstart.json 4)
#
# Opt-in and not part of CI: it needs root, installs Debian's slurm-wlm, munge and python3 with
# apt-get when they are missing, and starts munged, slurmctld and slurmd (loopback only, ports
# 6817/6818 unless SLURMCTLD_PORT / SLURMD_PORT say otherwise) with their configuration, state and
# logs in a fresh state directory. Every daemon it started is stopped when it exits, on success,
# error or interruption.
#
# Steps: (1) copy the encore binary (ENCORE, default .build/release/encore) and the spec into the
# state directory's shared/ folder, which stands for the cluster's shared storage, and check that
# the copy runs with the Swift toolchain's libraries hidden; (2) submit encore-array.sbatch as an
# array of SHARDS tasks (1 CPU and --threads 1 each) and encore-merge.sbatch after it;
# (3) wait, printing the job states; (4) re-submit one task alone, which must skip its recorded
# runs; (5) run the same spec unsharded with the same binary outside Slurm; (6) compare: every
# run's recorded values, curves and per-user values in the merged results.json and runs/, every
# table.csv cell, and the order of runs and rows must be equal exactly (times and memory aside).
#
# Environment: ENCORE (binary), STATE_DIR (default: a new /tmp/encore-slurm.XXXXXX), KEEP_STATE=1
# (keep the state directory after a successful run; it is always kept after a failure),
# JOB_TIMEOUT (seconds to wait for the jobs, default 1800).
# Exit status: 0 equal, 1 the merged results differ or a job failed, 2 cannot run here,
# 130 / 143 interrupted (SIGINT / SIGTERM).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
spec=${1:-experiments/quickstart.json}
shards=${2:-4}
encore=${ENCORE:-.build/release/encore}
ctld_port=${SLURMCTLD_PORT:-6817}
slurmd_port=${SLURMD_PORT:-6818}
job_timeout=${JOB_TIMEOUT:-1800}

say() { printf '[local-cluster] %s\n' "$*"; }
refuse() { printf 'run-local-cluster: %s\n' "$*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || refuse "must run as root: it installs slurm-wlm and munge and starts munged, slurmctld and slurmd"
[ -f "$spec" ] || refuse "no spec $spec"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || refuse "SHARDS must be a positive integer, not '$shards'"
[ -x "$encore" ] || refuse "no encore binary at $encore: build it with 'swift build -c release' (or set ENCORE)"
for port in "$ctld_port" "$slurmd_port"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        refuse "port $port is in use (another Slurm?); set SLURMCTLD_PORT / SLURMD_PORT"
    fi
done

# 1. Packages.
missing=()
for tool in munged mungekey munge unmunge slurmctld slurmd sbatch squeue scontrol python3; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 \
        || refuse "missing ${missing[*]} and no apt-get to install them: install slurm-wlm, munge and python3 yourself"
    say "installing slurm-wlm munge python3 (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q slurm-wlm munge python3 >/dev/null \
        || { apt-get update -q >/dev/null && apt-get install -y -q slurm-wlm munge python3 >/dev/null; } \
        || refuse "apt-get could not install slurm-wlm munge python3 (no package source reachable?)"
fi
say "$(slurmctld -V), $(munged --version 2>&1 | head -1)"

# 2. State directory and clean-up.
state=${STATE_DIR:-$(mktemp -d /tmp/encore-slurm.XXXXXX)}
mkdir -p "$state"/{etc,munge,ctld,slurmd,run,log,shared/bin,shared/work}
chmod 700 "$state" "$state/munge"
pids=()
cluster_up=0
ok=0
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ "$cluster_up" = 1 ]; then
        # Every job of this private cluster, so that no job step outlives slurmd.
        scancel --partition=local 2>/dev/null || true
        for _ in $(seq 1 20); do
            [ -z "$(squeue -h --partition=local 2>/dev/null)" ] && break
            sleep 0.5
        done
    fi
    # Stop the daemons in reverse order of start, by their process IDs.
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        for _ in $(seq 1 50); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    [ ${#pids[@]} -gt 0 ] && say "daemons stopped"
    if [ "$ok" = 1 ] && [ "${KEEP_STATE:-0}" != 1 ] && [ -z "${STATE_DIR:-}" ]; then
        rm -rf "$state"
    else
        say "state, logs and results kept in $state"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 3. munge, with its own key and socket.
mungekey --create --keyfile="$state/munge/munge.key" 2>/dev/null \
    || { dd if=/dev/urandom of="$state/munge/munge.key" bs=1024 count=1 2>/dev/null; chmod 400 "$state/munge/munge.key"; }
socket=$state/munge/munge.socket
munged --foreground --force --key-file="$state/munge/munge.key" --socket="$socket" \
    --pid-file="$state/run/munged.pid" --seed-file="$state/munge/munged.seed" \
    --log-file="$state/log/munged.log" >>"$state/log/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -S "$socket" ] && break; sleep 0.1; done
munge --socket="$socket" -n | unmunge --socket="$socket" >/dev/null \
    || { tail -20 "$state/log/munged.log" >&2; refuse "munged did not start (log above)"; }

# 4. slurm.conf: this machine's CPUs, sockets and memory as slurmd detects them.
node=$(hostname -s)
hardware=$(slurmd -C | head -1 | sed -E 's/^NodeName=[^ ]+ //; s/ UpTime=.*//')
export SLURM_CONF=$state/etc/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=encore-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/slurmd
SlurmctldPidFile=$state/run/slurmctld.pid
SlurmdPidFile=$state/run/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$state/log/jobcomp.log
MpiDefault=none
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
ReturnToService=2
MinJobAge=3600
NodeName=$node NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
say "state directory $state; node: $node $hardware"

slurmctld -D -i >>"$state/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$node" >>"$state/log/slurmd.out" 2>&1 &
pids+=($!)
node_state=
for _ in $(seq 1 120); do
    node_state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
    [ "$node_state" = idle ] && break
    sleep 0.5
done
if [ "$node_state" != idle ]; then
    sinfo -R >&2 || true
    tail -20 "$state/log/slurmctld.log" "$state/log/slurmd.log" >&2 || true
    refuse "the node did not become idle (state '$node_state'; logs above)"
fi
cluster_up=1
say "cluster up: $(sinfo -h -o '%P %D node(s) %c CPUs %m MB %T')"

# 5. Shared storage: the binary (with the Swift runtime libraries it loads from the toolchain,
#    if any: they go next to it, where its RUNPATH's $ORIGIN finds them) and the spec.
shared=$state/shared
cp "$encore" "$shared/bin/encore"
runtime=$(ldd "$encore" | awk '$2 == "=>" && $3 ~ /\/lib\/swift\// { print $3 }')
if [ -n "$runtime" ]; then
    # shellcheck disable=SC2086
    cp $runtime "$shared/bin/"
    toolchain_libs=$(dirname "$(head -1 <<<"$runtime")")
    say "binary links the Swift runtime dynamically: shipped $(wc -l <<<"$runtime") libraries from $toolchain_libs next to it"
else
    toolchain_libs=
    swift=$(command -v swift || true)
    [ -n "$swift" ] && toolchain_libs=$(dirname "$(dirname "$(readlink -f "$swift")")")/lib/swift/linux
    needed=$(objdump -p "$encore" 2>/dev/null | awk '$1 == "NEEDED" { print $2 }' | tr '\n' ' ')
    say "binary has the Swift runtime linked in${needed:+ (needs only: ${needed% })}"
fi
if [ -n "$toolchain_libs" ] && [ -d "$toolchain_libs" ]; then
    # A compute node without Swift: the toolchain's libraries hidden under an empty mount.
    if version=$(unshare --mount sh -c 'mount -t tmpfs none "$1" && "$2" --version' sh \
        "$toolchain_libs" "$shared/bin/encore" 2>&1); then
        say "shipped binary runs with $toolchain_libs hidden: $version"
    elif unshare --mount true 2>/dev/null; then
        printf '%s\n' "$version" >&2
        echo "run-local-cluster: the shipped binary does not run without the Swift toolchain" >&2
        exit 1
    else
        say "(cannot hide the toolchain here: unshare --mount is not permitted; check skipped)"
    fi
fi
spec_name=$(basename "$spec")
name=${spec_name%.json}
cp "$spec" "$shared/$spec_name"
work=$shared/work
mkdir -p "$work/logs"   # the sbatch scripts' --output folder must exist before submission

# 6. Submit: the shard array, then the merge once every task has ended.
export ENCORE=$shared/bin/encore
array_job=$(sbatch --parsable --chdir="$work" --array="0-$((shards - 1))" \
    --cpus-per-task=1 --mem=2G --time=00:30:00 \
    examples/slurm/encore-array.sbatch "$shared/$spec_name")
merge_job=$(sbatch --parsable --chdir="$work" --dependency="afterany:$array_job" \
    --cpus-per-task=1 --mem=1G --time=00:10:00 \
    examples/slurm/encore-merge.sbatch "$name")
say "sbatch --array=0-$((shards - 1)) encore-array.sbatch $spec_name -> job $array_job"
say "sbatch --dependency=afterany:$array_job encore-merge.sbatch $name -> job $merge_job"

# 7. Wait, printing the queue whenever it changes.
started=$SECONDS
last=
while :; do
    queue=$(squeue -h -j "$array_job,$merge_job" -o '%i %T %M %R' | sort)
    if [ "$queue" != "$last" ]; then
        printf '[local-cluster] squeue at %3ds:\n' $((SECONDS - started))
        if [ -n "$queue" ]; then sed 's/^/    /' <<<"$queue"; else echo "    (empty)"; fi
        last=$queue
    fi
    [ -z "$queue" ] && break
    if [ $((SECONDS - started)) -gt "$job_timeout" ]; then
        echo "run-local-cluster: jobs still queued after ${job_timeout}s" >&2
        exit 1
    fi
    sleep 2
done
say "final job states (scontrol show job):"
failed=0
while read -r line; do
    field() { sed -nE "s/^(.* )?$1=([^ ]*).*/\2/p" <<<"$line"; }
    job_state=$(field JobState)
    exit_code=$(field ExitCode)
    array_task=$(field ArrayJobId)_$(field ArrayTaskId)
    [ "$array_task" = _ ] && array_task=$(field JobId)
    printf '    job %-4s %-8s %-10s %-11s exit %-5s ran %s\n' "$(field JobId)" "$array_task" \
        "$(field JobName)" "$job_state" "$exit_code" "$(field RunTime)"
    [ "$job_state" = COMPLETED ] && [ "$exit_code" = 0:0 ] || failed=1
done < <(scontrol -o show job "$array_job"; scontrol -o show job "$merge_job")
say "wall time of the Slurm jobs: $((SECONDS - started))s"
for log in "$work"/logs/*.out; do
    [ -f "$log" ] && say "$(basename "$log"): $(grep -E '^shard .* done' "$log" || tail -1 "$log" | sed 's#/[^ ,]*/##g')"
done
if [ "$failed" = 1 ]; then
    tail -n 30 "$work"/logs/*.out >&2 2>/dev/null || true
    echo "run-local-cluster: a job did not complete (logs in $work/logs)" >&2
    exit 1
fi

# 8. Re-submit one task alone: its runs are recorded, so --resume skips them all.
task=$((shards > 1 ? 1 : 0))
shard_dir=$work/results/$name-shard-$((task + 1))
cp "$shard_dir/results.json" "$state/shard-before-resubmit.json"
resubmit_start=$SECONDS
resubmit_job=$(sbatch --parsable --wait --chdir="$work" --array="$task" --export="ALL,ENCORE_SHARDS=$shards" \
    --cpus-per-task=1 --mem=2G --time=00:10:00 \
    examples/slurm/encore-array.sbatch "$shared/$spec_name") \
    || { echo "run-local-cluster: the re-submitted task failed" >&2; exit 1; }
python3 - "$state/shard-before-resubmit.json" "$shard_dir/results.json" <<'PY' || exit 1
import json, sys
before, after = (json.load(open(p))["runs"] for p in sys.argv[1:])
if before != after:
    sys.exit("run-local-cluster: re-submitting a finished task changed its recorded runs")
print(f"[local-cluster] re-submitted task kept its {len(after)} recorded runs unchanged")
PY
say "sbatch --array=$task (ENCORE_SHARDS=$shards) -> job $resubmit_job: $(grep -h '^shard ' "$work/logs/encore-${resubmit_job}_$task.out") in $((SECONDS - resubmit_start))s"

# 9. The same spec unsharded, same binary and thread count, outside Slurm.
say "unsharded reference: encore run $spec_name --threads 1"
unsharded=$work/results/$name-unsharded
reference_start=$SECONDS
"$ENCORE" run "$shared/$spec_name" --threads 1 --output "$unsharded" --quiet >"$work/logs/unsharded.out"
say "unsharded run took $((SECONDS - reference_start))s"

# 10. Merged against unsharded.
python3 - "$work/results/$name" "$unsharded" <<'PY'
import csv, json, os, sys

merged_dir, single_dir = sys.argv[1], sys.argv[2]
# Measured, not computed: these differ between any two runs.
TIMING_RUN_KEYS = {"train_seconds", "eval_seconds", "peak_memory_bytes"}
TIMING_COLUMNS = {"train_seconds", "eval_seconds", "peak_memory_mb"}
problems = []

def load(d):
    with open(os.path.join(d, "results.json")) as f:
        return json.load(f)

def without_timing(run):
    run = {k: v for k, v in run.items() if k not in TIMING_RUN_KEYS}
    run["curve"] = [{k: v for k, v in point.items() if k != "seconds"} for point in run.get("curve", [])]
    return run

def table(d):
    with open(os.path.join(d, "table.csv"), newline="") as f:
        return list(csv.DictReader(f))

merged, single = load(merged_dir), load(single_dir)
for key in ("experiment", "spec_sha256", "data_sha256", "context", "settings", "warnings"):
    if merged.get(key) != single.get(key):
        problems.append(f"results.json {key}: merged {merged.get(key)!r}, unsharded {single.get(key)!r}")

# Every run: all recorded values but times and memory, and its per-user file, byte for byte.
m_runs = {r["run_id"]: r for r in merged["runs"]}
s_runs = {r["run_id"]: r for r in single["runs"]}
if set(m_runs) != set(s_runs):
    problems.append(f"run ids: merged {sorted(m_runs)}, unsharded {sorted(s_runs)}")
values = per_user = 0
print(f"    {'run':<18} {'status':<6} {'test metric':<12} {'merged':>20} {'unsharded':>20}")
for run_id in [r["run_id"] for r in single["runs"] if r["run_id"] in m_runs]:
    m, s = m_runs[run_id], s_runs[run_id]
    for part in ("validation", "test"):
        for metric, value in sorted((s.get(part) or {}).items()):
            other = (m.get(part) or {}).get(metric)
            values += 1
            if part == "test":
                mark = "" if other == value else "   <-- differs"
                print(f"    {run_id:<18} {m['status']:<6} {metric:<12} {other!r:>20} {value!r:>20}{mark}")
    a, b = without_timing(m), without_timing(s)
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            problems.append(f"{run_id} {key}: merged {a.get(key)!r}, unsharded {b.get(key)!r}")
    pm, ps = (os.path.join(d, "runs", run_id, "per_user.csv") for d in (merged_dir, single_dir))
    if os.path.exists(pm) or os.path.exists(ps):
        per_user += 1
        if not (os.path.exists(pm) and os.path.exists(ps)):
            problems.append(f"{run_id}/per_user.csv exists on one side only")
        elif open(pm, "rb").read() != open(ps, "rb").read():
            problems.append(f"{run_id}/per_user.csv differs")
m_order, s_order = [r["run_id"] for r in merged["runs"]], [r["run_id"] for r in single["runs"]]
if m_order != s_order:
    problems.append(f"results.json run order: merged {m_order}, unsharded {s_order}")

# table.csv: every cell but the time and memory columns, row by row.
m_table, s_table = table(merged_dir), table(single_dir)
m_rows = {r["label"]: r for r in m_table}
cells = 0
for s_row in s_table:
    m_row = m_rows.get(s_row["label"])
    if m_row is None:
        problems.append(f"table.csv: no row {s_row['label']} in the merged table")
        continue
    if set(m_row) != set(s_row):
        problems.append(f"table.csv {s_row['label']}: columns differ")
    for column, value in s_row.items():
        if column in TIMING_COLUMNS:
            continue
        cells += 1
        if m_row.get(column) != value:
            problems.append(f"table.csv {s_row['label']} {column}: merged {m_row.get(column)!r}, unsharded {value!r}")
m_labels, s_labels = [r["label"] for r in m_table], [r["label"] for r in s_table]
if m_labels != s_labels:
    problems.append(f"table.csv row order: merged {m_labels}, unsharded {s_labels}")

summary = (f"{len(s_runs)} runs ({values} validation/test metric values, curves, {per_user} per-user files), "
           f"table.csv {len(s_table)} rows x {cells // max(len(s_table), 1)} columns "
           f"(not compared: {', '.join(sorted(TIMING_COLUMNS))})")
if problems:
    print("[local-cluster] MERGED != UNSHARDED:")
    for p in problems:
        print("    " + p)
    print(f"[local-cluster] compared: {summary}")
    sys.exit(1)
print(f"[local-cluster] merged == unsharded: {summary}, in the same order")
PY
say "merged table ($work/results/$name/table.md):"
sed -n '/^| Model/,/^$/p' "$work/results/$name/table.md" | sed 's/^/    /'
ok=1
