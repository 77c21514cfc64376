#!/usr/bin/env bash
# A/B of two kizuna-server binaries on the issue's EVENT load: both servers run at once
# (warmed alike: N EVENTs over CUSTOMERS random ids, the issue's example rules), then ROUNDS
# rounds of the same redis-benchmark load (50 clients, -P 16, -r CUSTOMERS, EVENT view),
# alternating which server goes first. Prints ops/s and server CPU µs per EVENT of each, and
# the medians. For a change's effect on a shared, noisy machine, where separate runs differ
# by more than the change.
#   bench/event_ab.sh BASE NEW [requests] [customers] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=$1
NEW=$2
N=${3:-1000000}
CUSTOMERS=${4:-1000000}
ROUNDS=${5:-6}
source bench/lib.sh
start_kizuna "$BASE"
A_PID=$KIZUNA_PID A_PORT=$KIZUNA_PORT A_DIR=$KIZUNA_DIR
start_kizuna "$NEW"
trap 'stop_servers; kill "$A_PID" 2>/dev/null; wait "$A_PID" 2>/dev/null; rm -rf "$A_DIR"' EXIT
for port in "$A_PORT" "$KIZUNA_PORT"; do
  redis-cli -p "$port" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
  bench_csv "$port" "$N" 16 -r "$CUSTOMERS" EVENT cust:__rand_int__ view >/dev/null
done
echo "customers: base $(redis-cli -p "$A_PORT" DBSIZE), new $(redis-cli -p "$KIZUNA_PORT" DBSIZE)"
printf "%-6s %12s %12s %8s %8s\n" round base_ops/s new_ops/s base_us new_us
base_us=() new_us=()
for r in $(seq "$ROUNDS"); do
  read -r a b <<<"$(measured_pair "$r" "$A_PID" "$A_PORT" "$KIZUNA_PID" "$KIZUNA_PORT" "$N" 16 \
    -r "$CUSTOMERS" EVENT cust:__rand_int__ view)"
  IFS=, read -r a_ops _ _ a_us <<<"$a"
  IFS=, read -r b_ops _ _ b_us <<<"$b"
  printf "%-6s %12s %12s %8s %8s\n" "$r" "$a_ops" "$b_ops" "$a_us" "$b_us"
  base_us+=("$a_us") new_us+=("$b_us")
done
median() { printf "%s\n" "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
echo "median cpu_us per EVENT: base $(median "${base_us[@]}"), new $(median "${new_us[@]}")"
