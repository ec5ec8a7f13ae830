#!/usr/bin/env bash
# Builds dfsim and runs the whole test suite with CTest (what CI runs), then the sanitizer step:
# the dfsim binary alone built again with AddressSanitizer and UndefinedBehaviorSanitizer
# (build-sanitize/, -O0, no debug info: about 6 CPU-minutes) and every test that runs the command
# line run again through it (DFSIM_TEST_BINARY; the bad-input corpus, the fuzz regression corpus,
# the golden runs), but the slow ones in tests/sanitize_skip.txt, so that a memory error, a leak
# or undefined behaviour on any of those paths fails. docs/robustness.md, "Sanitizers".
#   DFSIM_SANITIZE_TESTS=0     skip the sanitizer step
#   DFSIM_SANITIZE_TESTS=full  build the tests with the sanitizers too and run them in-process
#                              (about 19 CPU-minutes more to build; not what CI runs)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DDFSIM_WERROR=ON >/dev/null
cmake --build build
# as root, install-deps.sh has installed munge and Slurm: the Slurm sweep test must run, not skip
[ "$(id -u)" -eq 0 ] && export DFSIM_REQUIRE_SLURM=1
ctest --test-dir build --output-on-failure -j2

mode=${DFSIM_SANITIZE_TESTS:-cli}
[ "$mode" = 0 ] && exit 0
san=${DFSIM_SANITIZE_BUILD:-build-sanitize}
skip=$(grep -v '^#' tests/sanitize_skip.txt | grep -v '^$' | paste -sd'|')
# a sanitizer's report exits 86, which no dfsim exit code (0-4) or test expectation matches
export ASAN_OPTIONS=exitcode=86:detect_leaks=1 UBSAN_OPTIONS=exitcode=86:print_stacktrace=1
if [ "$mode" = full ]; then
  cmake -S . -B "$san" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1" \
    -DDFSIM_SANITIZE=ON -DDFSIM_WERROR=ON >/dev/null
  cmake --build "$san" -j2
  ctest --test-dir "$san" --output-on-failure -j2 -E "$skip"
else
  cmake -S . -B "$san" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O0" \
    -DDFSIM_SANITIZE=ON -DDFSIM_WERROR=ON >/dev/null
  cmake --build "$san" -j2 --target dfsim
  echo "sanitizer step: the tests again, through $san/dfsim (ASan+UBSan)"
  DFSIM_TEST_BINARY="$PWD/$san/dfsim" ctest --test-dir build --output-on-failure -j2 -E "$skip"
fi
