#!/usr/bin/env bash
# README command 1: install what is missing, build, and start kizuna-server in the foreground
# with default settings (port 7379). Arguments are passed to the server (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
mkdir -p data
# Data files go to ./data unless --dir says otherwise (later flags win).
exec build/server/kizuna-server --dir data "$@"
