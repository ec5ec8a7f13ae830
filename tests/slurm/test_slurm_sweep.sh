#!/usr/bin/env bash
# The Slurm executor against a real Slurm: starts a single-node Slurm (start_slurm.sh), runs a
# small sweep through it with --executor slurm --wait and checks that its point files and
# results equal a local --jobs 2 sweep's byte for byte (the results but for the command line
# their provenance names), that a rerun submits nothing, that a
# deleted point file makes a rerun submit exactly that point, and that --collect alone assembles
# the same results. Slurm is stopped however the test ends.
# Exit 77 (CTest's SKIP_RETURN_CODE) with the reason when Slurm cannot run here (not root, the
# packages missing, a daemon that does not start), unless DFSIM_REQUIRE_SLURM=1 (tools/test.sh
# sets it as root, after tools/install-deps.sh installed them): then that is a failure.
#   tests/slurm/test_slurm_sweep.sh DFSIM SOURCE_DIR   (DFSIM_TEST_BINARY overrides DFSIM)
set -uo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # the daemons, for a PATH without the sbin folders
dfsim=${DFSIM_TEST_BINARY:-${1:?usage: test_slurm_sweep.sh DFSIM SOURCE_DIR}}
src=${2:?usage: test_slurm_sweep.sh DFSIM SOURCE_DIR}
skip() {
  if [ "${DFSIM_REQUIRE_SLURM:-0}" = 1 ]; then echo "FAILED (DFSIM_REQUIRE_SLURM=1): $*"; exit 1; fi
  echo "SKIPPED: $*"
  exit 77
}
fail() { echo "FAILED: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "the test starts Slurm's daemons as root; running as uid $(id -u)"
for b in munged slurmctld slurmd sbatch squeue sinfo; do
  command -v "$b" >/dev/null || skip "$b is not installed (tools/install-deps.sh installs munge, slurmctld, slurmd and slurm-client)"
done
work=$(mktemp -d /tmp/dfsim_slurm.XXXXXX)
cleanup() {
  "$src/tests/slurm/stop_slurm.sh" "$work/slurm"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM  # the daemons are stopped on a signal too (through the EXIT trap)
"$src/tests/slurm/start_slurm.sh" "$work/slurm" >"$work/env" 2>"$work/start.err" ||
  skip "Slurm did not start: $(cat "$work/start.err")"
# shellcheck disable=SC1091
source "$work/env"
export SLURM_CONF

# LeNet-5's conv layers simulated (the pass-level timing) at 8 points: 2 dataflows x 2 arrays x 2
# buffers, so that the tasks run the simulator, not the analytical model only
sweep=(sweep --arch "$src/configs/arch/eyeriss.yaml" --workload "$src/workloads/lenet5.yaml"
  --energy "$src/configs/energy/45nm.yaml" --layers conv --dataflows ws,rs --pe-array 8x8,12x14
  --glb-kb 54,108 --no-plots)
run() { # run NAME ARGS...: dfsim ARGS with stdout and stderr in $work/NAME.{out,err}; its exit code
  local name=$1
  shift
  "$dfsim" "$@" >"$work/$name.out" 2>"$work/$name.err"
}
# a results file without the command line that wrote it (its provenance: the JSON's "command"
# and the CSV's last column) and, in JSON, without the rows' mapper statistics: they say how long
# the mapper took on this machine, and a task rerun may find its mappings in the folder's cache
masked() {
  if [[ $1 == *.json ]]; then
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for r in d.get("rows", []) + ([d["row"]] if "row" in d else []):
    r.pop("mapper", None)
print(json.dumps(d, indent=2, sort_keys=True))' "$1"
  else
    cat "$1"
  fi | sed -e 's/"command": "dfsim .*"/"command": COMMAND/' -e 's/,"\{0,1\}dfsim .*$/,COMMAND/'
}
same_results() { # same_results DIR: DIR's results (but for the command) and point files equal the local sweep's
  for f in results.csv results.json; do
    cmp -s <(masked "$work/local/$f") <(masked "$1/$f") ||
      fail "$1/$f differs from the local sweep's: $(diff <(masked "$work/local/$f") <(masked "$1/$f") | head -5)"
  done
  for p in "$work"/local/points/*.json; do
    cmp -s <(masked "$p") <(masked "$1/points/$(basename "$p")") ||
      fail "$1/points/$(basename "$p") differs from the local sweep's"
  done
}

run local "${sweep[@]}" --jobs 2 --out "$work/local" || fail "the local sweep failed: $(cat "$work/local.err")"
[ "$(ls "$work/local/points" | wc -l)" = 8 ] || fail "the local sweep wrote $(ls "$work/local/points" | wc -l) point files, not 8"

# the sweep on Slurm, waited for
run slurm1 "${sweep[@]}" --executor slurm --wait --max-running 2 --sbatch-arg=--time=00:05:00 --out "$work/s" ||
  fail "the Slurm sweep exited $?: $(cat "$work/slurm1.err" "$work/slurm1.out")"
grep -q "submitted Slurm job .*: 8 of 8 points (0 done already) in 8 tasks, --array=0-7%2" "$work/slurm1.err" ||
  fail "no submission of the 8 points: $(cat "$work/slurm1.err")"
tail -1 "$work/slurm1.err" | grep -q "job [0-9]*: 8 COMPLETED; 8/8 of its points written" ||
  fail "the job's last states are not 8 COMPLETED: $(tail -3 "$work/slurm1.err")"
grep -q "8 points collected .* (0 missing, 0 failed)" "$work/slurm1.out" || fail "not collected: $(cat "$work/slurm1.out")"
same_results "$work/s"
[ "$(ls "$work/s/slurm/logs" | wc -l)" = 8 ] || fail "expected 8 task logs in $work/s/slurm/logs"
job1=$(sed -n 's/.*"job_id": "\([0-9]*\)".*/\1/p' "$work/s/slurm/job.json")

# a rerun: every point is there, nothing is submitted
run slurm2 "${sweep[@]}" --executor slurm --wait --out "$work/s" || fail "the rerun failed: $(cat "$work/slurm2.err")"
grep -q "all 8 points have their files in .* already: nothing to submit" "$work/slurm2.err" ||
  fail "the rerun did not say there is nothing to submit: $(cat "$work/slurm2.err")"
grep -q submitted "$work/slurm2.err" && fail "the rerun submitted a job: $(cat "$work/slurm2.err")"
[ "$(sed -n 's/.*"job_id": "\([0-9]*\)".*/\1/p' "$work/s/slurm/job.json")" = "$job1" ] || fail "job.json changed"
same_results "$work/s"

# one point file gone: the rerun submits exactly that point
rm "$work/s/points/5.json" "$work/s/results.csv"
run slurm3 "${sweep[@]}" --executor slurm --wait --out "$work/s" || fail "the third run failed: $(cat "$work/slurm3.err")"
grep -q "submitted Slurm job .*: 1 of 8 points (7 done already) in 1 tasks, --array=5;" "$work/slurm3.err" ||
  fail "the third run did not submit point 5 alone: $(cat "$work/slurm3.err")"
grep -q "^#SBATCH --array=5$" "$work/s/slurm/sweep.sbatch" || fail "the job script's array is not 5"
tail -1 "$work/slurm3.err" | grep -q ": 1 COMPLETED; 1/1 of its points written" ||
  fail "the third job's last states are not 1 COMPLETED: $(tail -3 "$work/slurm3.err")"
same_results "$work/s"

# --collect with no sweep options: the sweep recorded in the folder, the same results
rm "$work/s/results.csv" "$work/s/results.json"
run collect sweep --collect --no-plots --out "$work/s" || fail "--collect failed: $(cat "$work/collect.err")"
same_results "$work/s"
echo "PASSED: the Slurm sweep's results equal the local sweep's; reruns submit only the missing points"
