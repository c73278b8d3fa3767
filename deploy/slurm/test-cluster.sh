#!/bin/bash
# Scale-out test on a real single-node Slurm cluster (run by .ci/run; needs root):
#   1. installs slurmctld, slurmd, slurm-client and munge from Debian's packages if missing;
#   2. starts a private single-node cluster on this host (its own munge key and socket, slurm.conf, ports, state
#      and logs in a temporary folder; client commands find it through SLURM_CONF), whatever else is installed;
#   3. submits the shipped scripts with submit.sh (build once, an array of 3 shards of
#      experiments/parallel-lines.json at smoke scale, a dependent merge job) and kills one task's program once
#      after its first unit, mid-run;
#   4. checks that the killed task was requeued and resumed from its checkpoints, that the merge ran, and that the
#      merged result equals an unsharded run's (result.json without computeSeconds and command; the CSV files);
#   5. stops the daemons it started (on every exit).
# Where Slurm cannot be set up (not root, no apt-get, the install fails) it says why and reports the test as
# skipped. Its last line is "slurm cluster test: N passed, N failed[, N skipped]", each check one test; the
# exit status is 1 when a check failed. WGAN_KEEP_SLURM_TEST=1 keeps the temporary folder (logs, results),
# which is also kept when a check fails.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
manifest=$repo/experiments/parallel-lines.json
run_options=(--scale smoke --seeds 4)   # 20 units: shard 0 of 3 runs 7 of them, so a kill after its first lands mid-run
tasks=3
target=0                                # the array task whose program is killed once
started=$(date +%s)

passed=0 failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
summary() {
    echo "slurm cluster test: $(( $(date +%s) - started )) s"
    if [ -n "${work:-}" ] && { [ "$failed" -gt 0 ] || [ -n "${WGAN_KEEP_SLURM_TEST:-}" ]; }; then
        echo "slurm cluster test: logs kept in $work"
    fi
    echo "slurm cluster test: $passed passed, $failed failed"
}
skip() {
    echo "SKIPPED: slurm cluster test: $*"
    echo "slurm cluster test: 0 passed, 0 failed, 1 skipped"
    exit 0
}

# 1. Packages.
[ "$(id -u)" -eq 0 ] || skip "needs root to install and start slurmctld, slurmd and munged (running as $(id -un))"
missing=()
for command in slurmctld slurmd sbatch munged; do command -v "$command" > /dev/null || missing+=("$command"); done
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get > /dev/null || skip "${missing[*]} missing and no apt-get to install them"
    echo "slurm cluster test: installing slurmctld slurmd slurm-client munge (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    apt=(apt-get -q -o DPkg::Lock::Timeout=300)
    "${apt[@]}" update > /tmp/wgan-slurm-apt.log 2>&1 \
        || { tail -5 /tmp/wgan-slurm-apt.log; skip "apt-get update failed (log: /tmp/wgan-slurm-apt.log)"; }
    "${apt[@]}" install -y --no-install-recommends slurmctld slurmd slurm-client munge >> /tmp/wgan-slurm-apt.log 2>&1 \
        || { tail -5 /tmp/wgan-slurm-apt.log; skip "apt-get install slurmctld slurmd slurm-client munge failed (log: /tmp/wgan-slurm-apt.log)"; }
    for command in slurmctld slurmd sbatch munged; do
        command -v "$command" > /dev/null || skip "$command still missing after apt-get install"
    done
fi
command -v dotnet > /dev/null || skip "no dotnet to build the runner"

# 2. A private cluster.
work=$(mktemp -d "${TMPDIR:-/tmp}/wgan-slurm.XXXXXX")
chmod 755 "$work"
export SLURM_CONF=$work/slurm.conf
daemons=()
cleanup() {
    [ -s "$work/slurmctld.pid" ] && kill -0 "$(cat "$work/slurmctld.pid")" 2> /dev/null \
        && timeout 20 scancel --quiet --full --user root 2> /dev/null
    for pidfile in "${daemons[@]}"; do
        [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2> /dev/null
    done
    sleep 1
    for pidfile in "${daemons[@]}"; do
        [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2> /dev/null && kill -KILL "$(cat "$pidfile")" 2> /dev/null
    done
    [ "$failed" -gt 0 ] || [ -n "${WGAN_KEEP_SLURM_TEST:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
show_logs() {
    for log in "$work"/*.log "$work"/sharded/.slurm/logs/*; do
        [ -f "$log" ] && { echo "--- $log"; tail -n 25 "$log"; }
    done
}

host=$(hostname -s)
cpus=$(slurmd -C 2> /dev/null | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -1)
cpus=${cpus:-$(nproc)}
# Ports away from the default 6817/6818, in case the packages' own daemons are running.
port=$((20000 + RANDOM % 20000))
mkdir -p "$work/state" "$work/spool"
cat > "$SLURM_CONF" <<CONF
ClusterName=wgantest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire also delays a requeued job's restart (default 120 s): 10 s keeps the test short.
AuthInfo=socket=$work/munge.socket,cred_expire=10
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
# Frequent scheduling passes, so a requeued task starts soon after it becomes eligible.
SchedulerParameters=sched_interval=5,bf_interval=5
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge.key"
daemons+=("$work/munged.pid")
munged --force --socket="$work/munge.socket" --key-file="$work/munge.key" --pid-file="$work/munged.pid" \
    --log-file="$work/munged.log" --seed-file="$work/munged.seed" \
    || { show_logs; fail "munged did not start"; summary; exit 1; }
daemons+=("$work/slurmctld.pid")
slurmctld -f "$SLURM_CONF" || { show_logs; fail "slurmctld did not start"; summary; exit 1; }
daemons+=("$work/slurmd.pid")
slurmd -f "$SLURM_CONF" || { show_logs; fail "slurmd did not start"; summary; exit 1; }
for _ in $(seq 60); do
    state=$(sinfo -h -n "$host" -o %T 2> /dev/null)
    [ "$state" = idle ] && break
    sleep 0.5
done
if [ "${state:-}" != idle ]; then
    show_logs
    fail "the single-node cluster did not come up (node $host: '${state:-no answer}' after 30 s)"
    summary
    exit 1
fi
pass "single-node Slurm cluster up: $(sinfo --version), node $host with $cpus CPUs"

# 3. The sweep, submitted as a user would, with one task killed once.
out=$work/sharded
bin=$work/bin
submit_out=$work/submit.out
"$here/submit.sh" --array $tasks --bin "$bin" --wait "$manifest" "$out" "${run_options[@]}" > "$submit_out" 2> "$work/submit.log" &
submit_pid=$!

array_job=""
for _ in $(seq 1800); do   # the build comes first: up to 15 minutes
    array_job=$(head -n 1 "$submit_out" 2> /dev/null)
    [ -n "$array_job" ] && break
    kill -0 $submit_pid 2> /dev/null || break
    sleep 0.5
done
if [ -z "$array_job" ]; then
    tail -n 30 "$work/submit.log"
    fail "submit.sh submitted no array job"
    summary
    exit 1
fi

# The target task's program: the process named wgan among the task's processes.
target_job=${array_job}_$target
first_unit=$out/.work/parallel-lines/unit-$(printf %06d $target).json
victim="" killed=0 victim_exe=""
deadline=$(( $(date +%s) + 300 ))
while [ "$(date +%s)" -lt $deadline ]; do
    if [ -z "$victim" ]; then
        # scontrol listpids takes the task's own job id, which squeue gives once the task runs.
        task_id=$(squeue -h -t R -j "$target_job" -o %A 2> /dev/null)
        for pid in $( [ -n "$task_id" ] && scontrol listpids "$task_id" 2> /dev/null | awk 'NR > 1 { print $1 }'); do
            [ "$(cat /proc/"$pid"/comm 2> /dev/null)" = wgan ] && victim=$pid
        done
    fi
    if [ -n "$victim" ] && [ -e "$first_unit" ]; then
        victim_exe=$(readlink /proc/"$victim"/exe)
        kill -KILL "$victim" 2> /dev/null && killed=1
        break
    fi
    if [ -e "$first_unit" ] || ! kill -0 $submit_pid 2> /dev/null; then break; fi
    sleep 0.02
done
if [ $killed -eq 1 ]; then
    pass "killed task $target's program (pid $victim, $victim_exe) after its first unit"
else
    fail "could not kill task $target's program mid-run (pid '${victim}', first unit written: $([ -e "$first_unit" ] && echo yes || echo no))"
fi
[ "$victim_exe" = "$bin/wgan" ] && pass "the task ran the program published once before submission ($bin/wgan)" \
    || fail "the task's program was '$victim_exe', not the published $bin/wgan"

# The reference: an unsharded run of the same published program, meanwhile.
"$bin/wgan" run "$manifest" "${run_options[@]}" --out "$work/unsharded" > "$work/unsharded.log" 2>&1 \
    || { tail -n 20 "$work/unsharded.log"; fail "the unsharded reference run failed"; }

if timeout 600 tail --pid=$submit_pid -f /dev/null; then
    wait $submit_pid
    status=$?
else
    echo "slurm cluster test: the sweep did not end within 10 minutes"
    kill $submit_pid 2> /dev/null
    status=124
fi
cat "$work/submit.log"
if [ $status -eq 0 ]; then
    pass "submit.sh --wait: the merge job ran after the array and exited 0"
else
    show_logs
    fail "submit.sh --wait exited with $status (the merge job failed, was cancelled or never ran)"
fi

# 4. Checks.
log=$out/.slurm/logs/wgan-shard-${array_job}_$target.out
restarts=$(scontrol show job "$target_job" 2> /dev/null | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p')
if [ "${restarts:-0}" -ge 1 ] && grep -q 'requeueing' "$log" && grep -q 'attempt 2' "$log"; then
    pass "task $target was requeued after the kill (Restarts=$restarts)"
else
    fail "task $target was not requeued (Restarts=${restarts:-?}; log $log)"
    [ -f "$log" ] && cat "$log"
fi
# Attempt 2 starts with the units the killed attempt had finished ("[run] 1 experiment(s), 7 units, 1 already
# done") and reports them as taken from their checkpoints.
second=$(sed -n '/attempt 2/,$p' "$log" 2> /dev/null)
already=$(echo "$second" | grep -oE '[0-9]+ already done' | head -n 1 | cut -d' ' -f1)
reused=$(echo "$second" | grep -c '(from checkpoint)')
if [ "${already:-0}" -ge 1 ] || [ "$reused" -ge 1 ]; then
    pass "attempt 2 of task $target resumed from its checkpoints (${already:-?} unit(s) already done)"
else
    fail "attempt 2 of task $target did not resume from its checkpoints"
fi
states=$(scontrol show job "$array_job" 2> /dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort | uniq -c | xargs)
[ "$states" = "$tasks COMPLETED" ] && pass "all $tasks array tasks completed" || fail "array tasks: $states (expected $tasks COMPLETED)"

# result.json without the compute time and the command line (the two fields that legitimately differ).
comparable() { grep -vE '^    "(computeSeconds|command)": ' "$1"; }
merged=$out/parallel-lines unsharded=$work/unsharded/parallel-lines
if [ -f "$merged/result.json" ] && [ -f "$unsharded/result.json" ] \
    && diff <(comparable "$unsharded/result.json") <(comparable "$merged/result.json") > "$work/result.diff"; then
    pass "the merged result.json equals the unsharded run's (computeSeconds and command aside)"
else
    [ -f "$work/result.diff" ] && head -n 40 "$work/result.diff"
    fail "the merged result.json differs from the unsharded run's (or is missing: $merged/result.json)"
fi
csvs_differ=0
for csv in "$unsharded"/*.csv; do
    cmp -s "$csv" "$merged/$(basename "$csv")" || { echo "differs: $(basename "$csv")"; csvs_differ=1; }
done
[ $csvs_differ -eq 0 ] && pass "the merged CSV files equal the unsharded run's, byte for byte" || fail "the merged CSV files differ"

summary
[ $failed -eq 0 ]
