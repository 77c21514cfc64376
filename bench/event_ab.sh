#!/usr/bin/env bash
# A/B of two kizuna-server binaries on the issue's EVENT load. INSTANCES times: start one
# server of each binary (which starts first alternates), warm both alike (N EVENTs over
# CUSTOMERS random ids, the issue's example rules), then ROUNDS rounds of the same
# redis-benchmark load (50 clients, -P 16, -r CUSTOMERS, EVENT view), alternating which server
# goes first; stop both. Prints ops/s and server CPU µs per EVENT of each row, and the
# medians. Fresh servers per instance because two servers of the same binary differ by up to
# ~10% for their whole life (where their memory landed); rounds within an instance share that.
#   bench/event_ab.sh BASE NEW [requests] [customers] [instances] [rounds]
# P=1 measures unpipelined rounds (the warm-up stays at -P 16); p99 is in ms. WARM=0 skips
# the warm-up, so that the first round measures servers that grow from empty (WARM=M warms with
# M EVENTs instead of N).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=$1
NEW=$2
N=${3:-1000000}
CUSTOMERS=${4:-1000000}
INSTANCES=${5:-4}
ROUNDS=${6:-2}
source bench/lib.sh

# One server of each binary: A_* for BASE, B_* for NEW.
A_PID= A_DIR= B_PID= B_DIR=
stop_pair() {
  for pid in "$A_PID" "$B_PID"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf "$A_DIR" "$B_DIR"
  A_PID= A_DIR= B_PID= B_DIR=
  return 0
}
trap stop_pair EXIT
start_base() { start_kizuna "$BASE"; A_PID=$KIZUNA_PID A_PORT=$KIZUNA_PORT A_DIR=$KIZUNA_DIR; }
start_new() { start_kizuna "$NEW"; B_PID=$KIZUNA_PID B_PORT=$KIZUNA_PORT B_DIR=$KIZUNA_DIR; }
P=${P:-16}
printf "%-9s %12s %12s %8s %8s %8s %8s\n" inst.round base_ops/s new_ops/s base_p99 new_p99 \
  base_us new_us
base_us=() new_us=()
for i in $(seq "$INSTANCES"); do
  if [ $((i % 2)) = 1 ]; then start_base; start_new; else start_new; start_base; fi
  for port in "$A_PORT" "$B_PORT"; do
    redis-cli -p "$port" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
    [ "${WARM:-$N}" -gt 0 ] &&
      bench_csv "$port" "${WARM:-$N}" 16 -r "$CUSTOMERS" EVENT cust:__rand_int__ view >/dev/null
  done
  for r in $(seq "$ROUNDS"); do
    read -r a b <<<"$(measured_pair $((i + r)) "$A_PID" "$A_PORT" "$B_PID" "$B_PORT" \
      "$N" "$P" -r "$CUSTOMERS" EVENT cust:__rand_int__ view)"
    IFS=, read -r a_ops _ a_p99 a_us <<<"$a"
    IFS=, read -r b_ops _ b_p99 b_us <<<"$b"
    printf "%-9s %12s %12s %8s %8s %8s %8s\n" "$i.$r" "$a_ops" "$b_ops" "$a_p99" "$b_p99" \
      "$a_us" "$b_us"
    base_us+=("$a_us") new_us+=("$b_us")
  done
  stop_pair
done
median() { printf "%s\n" "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
echo "median cpu_us per EVENT: base $(median "${base_us[@]}"), new $(median "${new_us[@]}")"
