#!/usr/bin/env bash
# How EVENT's tail latency at -P 16 follows the growth of the customer table: one fresh
# kizuna-server, then ROUNDS runs of the issue's load (50 clients, -P 16, -r 1000000, EVENT
# view). The first run creates ~630k customers, later ones fewer and fewer. Prints each run's
# ops/s, p50 and p99 (ms), server CPU µs per EVENT, and the customers after it.
#   bench/event_p99_growth.sh [kizuna-server] [requests per run] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-1000000}
ROUNDS=${3:-4}
source bench/lib.sh
start_kizuna "$KIZUNA"
trap stop_servers EXIT
redis-cli -p "$KIZUNA_PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
printf "%-5s %12s %7s %7s %7s %10s\n" run ops/s p50 p99 cpu_us customers
for i in $(seq "$ROUNDS"); do
  IFS=, read -r ops p50 p99 cpu <<<"$(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" "$N" 16 \
    -r 1000000 EVENT cust:__rand_int__ view)"
  printf "%-5s %12s %7s %7s %7s %10s\n" "$i" "$ops" "$p50" "$p99" "$cpu" \
    "$(redis-cli -p "$KIZUNA_PORT" DBSIZE)"
done
