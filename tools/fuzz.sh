#!/usr/bin/env bash
# Builds one libFuzzer harness (fuzz/, clang-14 with ASan+UBSan) and runs it for MINUTES on one
# core, from the seed corpus (the shipped files of its kind) and the regression corpus.
#   tools/fuzz.sh LOADER MINUTES [libFuzzer options...]
# LOADER: arch energy mapping sweep workload scalesim scalesim_cfg npy onnx timeloop. The working corpus
# grows in build-fuzz/corpus/LOADER; findings (crash-*, timeout-*, oom-*, leak-*) go to
# build-fuzz/findings/LOADER/, and the log to build-fuzz/fuzz-LOADER.log, whose last lines are
# libFuzzer's figures (executions, cov, ft). A finding becomes a regression file:
# tests/fuzz_regressions/LOADER/ (fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
loaders="arch energy mapping sweep workload scalesim scalesim_cfg npy onnx timeloop"
if [ $# -lt 2 ] || ! [[ " $loaders " == *" $1 "* ]] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
  echo "usage: tools/fuzz.sh LOADER MINUTES [libFuzzer options]   (LOADER: $loaders)" >&2
  exit 2
fi
loader=$1 minutes=$2
shift 2
build=${DFSIM_FUZZ_BUILD:-build-fuzz}
cxx=${DFSIM_FUZZ_CXX:-clang++-14}
command -v "$cxx" >/dev/null || { echo "fuzz.sh: $cxx not found (Debian: apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" -DDFSIM_FUZZ=ON \
  "${launcher[@]}" >/dev/null
cmake --build "$build" -j2 --target "fuzz_$loader"

# seeds: the shipped files of the loader's kind, and the regression corpus
seeds="$build/seeds/$loader"
rm -rf "$seeds"
mkdir -p "$seeds" "$build/corpus/$loader" "$build/findings/$loader"
case $loader in
  arch) src=(configs/arch/*.yaml configs/validation/*.yaml tests/golden/arch_rlc_skip.yaml) ;;
  energy) src=(configs/energy/*.yaml) ;;
  mapping) src=(configs/mappings/*.yaml) ;;
  workload) src=(workloads/*.yaml) ;;
  scalesim) src=(fuzz/seeds/scalesim/* tests/data/scalesim/*.csv) ;;
  scalesim_cfg) src=(tests/data/scalesim/*.cfg) ;;
  *) src=(fuzz/seeds/"$loader"/*) ;;
esac
cp "${src[@]}" "$seeds"/
[ -d "tests/fuzz_regressions/$loader" ] && find "tests/fuzz_regressions/$loader" -type f ! -name '*.md' -exec cp {} "$seeds"/ \;

log="$build/fuzz-$loader.log"
echo "fuzz.sh: fuzz_$loader for $minutes min; log $log, findings $build/findings/$loader/"
# -fork=1: one child at a time (one core), which libFuzzer restarts after a finding, so one run
# collects several; -timeout and -rss_limit_mb turn a hang or a runaway allocation into a finding
set +e
"$build/fuzz/fuzz_$loader" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -max_total_time=$((minutes * 60)) -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$build/findings/$loader/" "$@" "$build/corpus/$loader" "$seeds" >"$log" 2>&1
rc=$?
set -e
grep -E "^#[0-9]+" "$log" | tail -1 || true  # executions, cov, ft, corpus, findings
echo "fuzz.sh: exit $rc; findings: $(find "$build/findings/$loader" -type f | wc -l)"
