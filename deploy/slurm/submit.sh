#!/bin/bash
# Submits a whole sharded sweep to Slurm with one command:
#   1. builds the runner once, here, before anything is submitted (dotnet publish -c Release -o <bin>), so the
#      array tasks run the built program and never build in a shared source tree;
#   2. submits wgan-array.sbatch as a job array of N tasks (wgan run ... --shard auto --resume);
#   3. submits wgan-merge.sbatch with --dependency=afterok:<array job> (wgan merge --out <out>).
#
# usage: deploy/slurm/submit.sh [options] <manifest-or-folder> <out> [wgan run options...]
#   --array N         number of array tasks (shards; default 8)
#   --bin DIR         where to publish the runner (default <out>/.slurm/bin); it must be on a file system that
#                     every node sees, like <out>
#   --no-build        use the program already published in --bin
#   --sbatch OPTION   pass OPTION to both sbatch calls (repeatable), e.g. --sbatch --time=02:00:00
#                     --sbatch --partition=cpu; Slurm's SBATCH_* environment variables work too
#   --wait            wait for the merge job to end; exit with its status
# Prints the array job's id, then the merge job's, one per line.
# wgan run options (e.g. --scale paper --threads 2) go to every task; --threads N also asks Slurm for
# --cpus-per-task=N, and --force is passed to the merge too. Logs go to <out>/.slurm/logs/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
usage() { sed -n 's/^# \{0,1\}//; 8,18p' "$0" >&2; exit 2; }

tasks=8 bin="" build=1 wait=0
sbatch_options=()
positional=()
while [ $# -gt 0 ] && [ ${#positional[@]} -lt 2 ]; do
    case $1 in
        --array) tasks=${2:?--array needs a number}; shift 2 ;;
        --bin) bin=${2:?--bin needs a folder}; shift 2 ;;
        --no-build) build=0; shift ;;
        --sbatch) sbatch_options+=("${2:?--sbatch needs an option}"); shift 2 ;;
        --wait) wait=1; shift ;;
        -h|--help) usage ;;
        -*) echo "submit.sh: unknown option $1 (wgan run options go after <manifest-or-folder> <out>)" >&2; usage ;;
        *) positional+=("$1"); shift ;;
    esac
done
[ ${#positional[@]} -eq 2 ] || usage
run_options=("$@")
case $tasks in ''|*[!0-9]*|0) echo "submit.sh: --array takes a positive number (found '$tasks')" >&2; exit 2 ;; esac

manifest=$(realpath -e "${positional[0]}") || { echo "submit.sh: ${positional[0]}: no such manifest or folder" >&2; exit 2; }
out=$(realpath -m "${positional[1]}")
bin=$(realpath -m "${bin:-$out/.slurm/bin}")
logs=$out/.slurm/logs
mkdir -p "$out" "$logs"

array_options=()
merge_options=()
for ((i = 0; i < ${#run_options[@]}; i++)); do
    case ${run_options[i]} in
        --threads) array_options+=("--cpus-per-task=${run_options[i + 1]:-1}") ;;
        --force) merge_options+=(--force) ;;
    esac
done

if [ $build -eq 1 ]; then
    echo "submit.sh: publishing the runner to $bin" >&2
    dotnet publish "$repo/Wgan.Runner" -c Release -o "$bin" --nologo -v quiet >&2
fi
[ -x "$bin/wgan" ] || { echo "submit.sh: $bin/wgan does not exist (build it, or drop --no-build)" >&2; exit 2; }

# --parsable prints "<job id>[;<cluster>]".
array_job=$(sbatch --parsable --array="0-$((tasks - 1))" --output="$logs/%x-%A_%a.out" \
    ${sbatch_options[@]+"${sbatch_options[@]}"} ${array_options[@]+"${array_options[@]}"} \
    "$here/wgan-array.sbatch" "$bin" "$manifest" "$out" ${run_options[@]+"${run_options[@]}"})
array_job=${array_job%%;*}
echo "$array_job"
echo "submit.sh: array job $array_job: $tasks tasks of wgan run $manifest --out $out --shard auto --resume ${run_options[*]-}" >&2

merge_submit=(sbatch --parsable --dependency="afterok:$array_job" --kill-on-invalid-dep=yes --output="$logs/%x-%j.out"
    ${sbatch_options[@]+"${sbatch_options[@]}"})
[ $wait -eq 1 ] && merge_submit+=(--wait)
merge_submit+=("$here/wgan-merge.sbatch" "$bin" "$out" ${merge_options[@]+"${merge_options[@]}"})
if [ $wait -eq 1 ]; then
    echo "submit.sh: merge job submitted after job $array_job; waiting for it" >&2
    set +e
    "${merge_submit[@]}"
    status=$?
    echo "submit.sh: merge job ended with exit $status; results in $out, logs in $logs" >&2
    exit $status
fi
merge_job=$("${merge_submit[@]}")
merge_job=${merge_job%%;*}
echo "submit.sh: merge job $merge_job runs after job $array_job succeeds; results in $out, logs in $logs" >&2
echo "$merge_job"
