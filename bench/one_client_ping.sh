#!/usr/bin/env bash
# One client sending PINGs back to back (redis-benchmark -c 1 -P 1, 50,000 requests): the
# cost of a turn that serves a single request. Prints ops/s, p50, p99 (ms), server CPU µs per
# request and the event-loop figures of INFO stats.
#   bench/one_client_ping.sh [kizuna-server]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
start_kizuna "${1:-build/server/kizuna-server}"
trap stop_servers EXIT
N=50000
before=$(cpu_seconds "$KIZUNA_PID")
csv=$(CLIENTS=1 bench_csv "$KIZUNA_PORT" "$N" 1 PING)
after=$(cpu_seconds "$KIZUNA_PID")
loop=$(redis-cli -p "$KIZUNA_PORT" INFO stats | grep -E '^(eventloop|reply_batch)' | tr -d '\r' |
  tr '\n' ' ')
echo "$csv cpu_us=$(echo "($after - $before) * 1000000 / $N" | bc -l | xargs printf '%.2f') $loop"
