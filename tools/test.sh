#!/usr/bin/env bash
# README command 2: install what is missing, build from scratch, run every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
cd build
ctest --output-on-failure --timeout 900 -j "$(nproc)"
