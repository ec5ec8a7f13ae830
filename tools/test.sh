#!/usr/bin/env bash
# Builds dfsim and runs the whole test suite with CTest (what CI runs). With
# DFSIM_SANITIZE_TESTS=1 it then builds again with AddressSanitizer and UndefinedBehaviorSanitizer
# (build-sanitize/, -O1) and runs the fast tests there (all but tests/sanitize_skip.txt, the fuzz
# regression corpus included), so that a memory error or undefined behaviour fails. Off by default
# for now: without ccache that build alone takes about 19 CPU-minutes (docs/robustness.md).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DDFSIM_WERROR=ON >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure -j2
if [ "${DFSIM_SANITIZE_TESTS:-0}" = 1 ]; then
  san=${DFSIM_SANITIZE_BUILD:-build-sanitize}
  cmake -S . -B "$san" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g1" \
    -DDFSIM_SANITIZE=ON -DDFSIM_WERROR=ON >/dev/null
  cmake --build "$san" -j2
  skip=$(grep -v '^#' tests/sanitize_skip.txt | grep -v '^$' | paste -sd'|')
  ctest --test-dir "$san" --output-on-failure -j2 -E "$skip"
fi
