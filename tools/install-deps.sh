#!/usr/bin/env bash
# Installs the Debian 12 packages dfsim needs, if any is missing (needs root or sudo). munge and
# slurm* are for the Slurm sweep test (tests/slurm/); their daemons are not started here.
set -euo pipefail
pkgs=(g++ cmake ninja-build pkg-config libsystemc-dev libyaml-cpp-dev nlohmann-json3-dev
      libcli11-dev libgtest-dev libboost-dev libonnx-dev libprotobuf-dev gnuplot-nox chromium
      clang-format python3-onnx munge slurmctld slurmd slurm-client)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
