#!/usr/bin/env bash
# Where an EVENT's server CPU goes at -P 16: one kizuna-server, warmed with N EVENTs over
# CUSTOMERS random ids, then the same redis-benchmark load (50 clients, -P 16, -r CUSTOMERS)
# with commands that do more and more of an EVENT's work. Prints ops/s and server CPU µs per
# command (/proc/PID/stat), as bench/lib.sh's measured_run.
#   PING                          protocol, syscalls, wake-ups
#   SCORE cust:N                  + the customer hash lookup and the score row
#   EVENT cust:N none             + the record (no rule matches: no leaderboard moves)
#   EVENT cust:N one              + 2 leaderboards move (product, total)
#   EVENT cust:N view             + 3 leaderboards move (product, lifestyle, total)
#
#   bench/event_parts.sh [kizuna-server] [requests] [customers]
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-1000000}
CUSTOMERS=${3:-1000000}
source bench/lib.sh
start_kizuna "$KIZUNA"
trap stop_servers EXIT
redis-cli -p "$KIZUNA_PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
redis-cli -p "$KIZUNA_PORT" RULE.SET one ACTION one POINTS product 3 >/dev/null
bench_csv "$KIZUNA_PORT" "$N" 16 -r "$CUSTOMERS" EVENT cust:__rand_int__ view >/dev/null
echo "customers: $(redis-cli -p "$KIZUNA_PORT" DBSIZE)"
printf "%-22s %12s %8s\n" command ops/s cpu_us
run() {
  local name=$1; shift
  IFS=, read -r ops _ _ cpu <<<"$(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" "$N" 16 \
    -r "$CUSTOMERS" "$@")"
  printf "%-22s %12s %8s\n" "$name" "$ops" "$cpu"
}
run PING PING
run "SCORE" SCORE cust:__rand_int__
run "EVENT (no rule)" EVENT cust:__rand_int__ none
run "EVENT (2 boards)" EVENT cust:__rand_int__ one
run "EVENT (3 boards)" EVENT cust:__rand_int__ view
