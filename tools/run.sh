#!/usr/bin/env bash
# README command 1: install what is missing, build, and start kizuna-server in the foreground
# with default settings (port 7379). Arguments are passed to the server (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
exec build/server/kizuna-server "$@"
