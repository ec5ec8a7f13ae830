#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds dfsim (Release) and runs the default job:
# AlexNet CONV1-5 on the Eyeriss-like config with the row-stationary dataflow.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build
build/dfsim run --arch configs/arch/eyeriss.yaml --workload workloads/alexnet.yaml --dataflow rs "$@"
