#!/usr/bin/env bash
# Stops the daemons tests/slurm/start_slurm.sh DIR started (by the pids in their pid files in
# DIR; safe to run after a failed or partial start, or twice).
#   tests/slurm/stop_slurm.sh DIR
dir=${1:?usage: stop_slurm.sh DIR}
pids=()
for f in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
  [ -s "$f" ] || continue
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null && pids+=("$pid")
done
# wait up to 10 s for them to go, then force
for _ in $(seq 20); do
  alive=0
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  [ "$alive" = 0 ] && exit 0
  sleep 0.5
done
for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
exit 0
