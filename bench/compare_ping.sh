#!/usr/bin/env bash
# Side-by-side PING_MBULK and ECHO: redis-server and kizuna-server on loopback, the same
# redis-benchmark load against each in the same run (50 clients, -P 1 and -P 16).
#   bench/compare_ping.sh [path/to/kizuna-server] [requests]
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-1000000}
source bench/lib.sh

start_redis
start_kizuna "$KIZUNA"
trap stop_servers EXIT

print_header
for P in 1 16; do
  n=$N; [ "$P" = 1 ] && n=$((N / 4))
  for test in ping_mbulk echo; do
    if [ "$test" = echo ]; then cmd=(ECHO hello); else cmd=(-t ping_mbulk); fi
    r=$(measured_run "$REDIS_PID" "$REDIS_PORT" "$n" "$P" "${cmd[@]}")
    k=$(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" "$n" "$P" "${cmd[@]}")
    print_row "$test" "$P" "$r" "$k"
  done
done
