#!/usr/bin/env bash
# Builds dfsim and runs the whole test suite with CTest (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DDFSIM_WERROR=ON >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure -j2
