#!/usr/bin/env bash
# Replays the fuzzers' regression corpus (tests/fuzz_regressions/LOADER/FILE) through the dfsim
# command line, each file where the loader LOADER reads it: every one must exit 2 with a
# "dfsim: error:" line on stderr, and leave its output folder empty (nothing written).
# Files listed in tests/fuzz_regressions/known_failing.txt are findings not yet fixed: they are
# run and reported, and the test fails once one of them passes (remove it from the list then).
#   tests/fuzz_replay.sh DFSIM_BINARY SOURCE_DIR
# DFSIM_TEST_BINARY, if set, replaces DFSIM_BINARY (tools/test.sh's sanitizer step).
set -uo pipefail
dfsim=${DFSIM_TEST_BINARY:-$1} src=$2
corpus="$src/tests/fuzz_regressions"
known="$corpus/known_failing.txt"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dfsim_replay.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
lenet="$src/workloads/lenet5.yaml"
pass=0 fail=0 xfail=0

# The command that reads `in` (a copy of the regression file with the loader's extension) the
# way the loader's users do; `out` is the folder where a run would write.
replay() {
  local loader=$1 in=$2 out=$3
  case $loader in
    arch | scalesim_cfg) "$dfsim" run --arch "$in" --workload "$lenet" --layers CONV1 --json "$out/r.json" ;;
    energy) "$dfsim" run --energy "$in" --workload "$lenet" --layers CONV1 --json "$out/r.json" ;;
    mapping) "$dfsim" run --arch "$src/configs/arch/eyeriss-chip.yaml" \
      --workload "$src/workloads/alexnet_eyeriss_chip.yaml" --dataflow rs --mapping "$in" --json "$out/r.json" ;;
    sweep) (cd "$src" && "$dfsim" sweep --spec "$in" --no-plots --jobs 1 --out "$out/sw") ;;
    workload | scalesim | onnx | timeloop) "$dfsim" run --workload "$in" --layers all --json "$out/r.json" ;;
    npy)
      printf 'name: npy\nlayers:\n  - {name: L, C: 2, H: 5, W: 5, M: 3, R: 3, S: 3, data: {ifmap: {file: %s}}}\n' \
        "$in" >"${in%.npy}.yaml"
      "$dfsim" run --workload "${in%.npy}.yaml" --layers all --json "$out/r.json" ;;
  esac
}

ext_of() {
  case $1 in
    scalesim) echo .csv ;;
    scalesim_cfg) echo .cfg ;;
    onnx) echo .onnx ;;
    npy) echo .npy ;;
    *) echo .yaml ;;
  esac
}

for dir in "$corpus"/*/; do
  loader=$(basename "$dir")
  for f in "$dir"*; do
    [ -f "$f" ] || continue
    case $f in *.md) continue ;; esac
    name="$loader/$(basename "$f")"
    work="$tmp/$(basename "$f").d"
    mkdir -p "$work/in" "$work/out"
    in="$work/in/input$(ext_of "$loader")"
    cp "$f" "$in"
    replay "$loader" "$in" "$work/out" >"$work/stdout" 2>"$work/stderr" </dev/null
    code=$?
    why=""
    [ $code -eq 2 ] || why="exit $code (expected 2)"
    [ -z "$why" ] && ! grep -q "^dfsim: error: " "$work/stderr" && why="no 'dfsim: error:' line"
    [ -z "$why" ] && [ -n "$(ls -A "$work/out")" ] && why="wrote $(ls -A "$work/out" | tr '\n' ' ')"
    if [ -f "$known" ] && grep -q "^$name\b" "$known"; then
      if [ -z "$why" ]; then
        echo "XPASS $name: now exits 2 cleanly; remove it from tests/fuzz_regressions/known_failing.txt"
        fail=$((fail + 1))
      else
        echo "XFAIL $name: $why (known, not yet fixed)"
        xfail=$((xfail + 1))
      fi
    elif [ -z "$why" ]; then
      pass=$((pass + 1))
    else
      echo "FAIL  $name: $why"
      head -c 600 "$work/stderr"
      fail=$((fail + 1))
    fi
    rm -rf "$work"
  done
done
echo "fuzz regressions: $pass passed, $xfail known failing, $fail failed"
[ $fail -eq 0 ]
