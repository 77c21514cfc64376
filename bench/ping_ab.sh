#!/usr/bin/env bash
# A/B of two kizuna-server binaries on PING at -P 16 (50 clients, 3,000,000 requests): the
# request path alone. ROUNDS rounds, a fresh server per row, the binaries alternating.
# Prints ops/s, p50, p99 (ms) and server CPU µs per request of each row.
#   bench/ping_ab.sh BASE NEW [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
A=$1
B=$2
ROUNDS=${3:-3}
trap stop_servers EXIT
for _ in $(seq "$ROUNDS"); do
  for bin in "$A" "$B"; do
    start_kizuna "$bin"
    echo "$bin $(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" 3000000 16 PING)"
    stop_servers
    KIZUNA_PID=
  done
done
