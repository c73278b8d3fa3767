#!/usr/bin/env bash
# Carries the checkpoints of a long `wgan run` (one made for `wgan verify --against`) between working sessions
# whose machines do not keep files outside the repository.
#   .reruns/carry.sh save    <out> <experiment>   copy <out>/.work/<experiment>/ into .reruns/<name>/ (no locks)
#   .reruns/carry.sh restore <out> <experiment>   copy it back, then continue with `wgan run ... --resume`
# <name> is the last component of <out>. Saved: run.json (the run's identity), every finished unit's result and
# compute seconds, and the training state of the units in progress (their in-unit checkpoints).
set -euo pipefail
[ $# -eq 3 ] || { sed -n 2,7p "$0" >&2; exit 2; }
mode=$1 out=$2 experiment=$3
here=$(cd "$(dirname "$0")" && pwd)
saved="$here/$(basename "$out")/$experiment"
work="$out/.work/$experiment"
case $mode in
  save)
    [ -f "$work/run.json" ] || { echo "no run record in $work" >&2; exit 2; }
    rm -rf "$saved" && mkdir -p "$saved"
    cp "$work"/run.json "$saved"/
    for f in "$work"/unit-*.json "$work"/unit-*.seconds "$work"/unit-*.state "$work"/unit-*.elapsed; do
      [ -e "$f" ] && cp "$f" "$saved"/
    done
    echo "saved $(ls "$saved"/unit-*.json 2>/dev/null | wc -l) finished unit(s), $(ls "$saved"/unit-*.state 2>/dev/null | wc -l) in progress, to $saved" ;;
  restore)
    [ -f "$saved/run.json" ] || { echo "nothing saved in $saved" >&2; exit 2; }
    mkdir -p "$work" && cp "$saved"/* "$work"/
    echo "restored $(ls "$work"/unit-*.json | wc -l) finished unit(s) to $work" ;;
  *) echo "unknown mode '$mode' (save or restore)" >&2; exit 2 ;;
esac
