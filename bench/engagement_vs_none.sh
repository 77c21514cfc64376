#!/usr/bin/env bash
# Issue 5's EVENT target end to end: kizuna-server's EVENT throughput with 10 badges, 10
# segments and 10 triggers defined vs with none, same binary, same run, same redis-benchmark
# load (50 clients, -r CUSTOMERS). The definitions are engagement_bench's (bench/engagement.conf).
#
#   bench/engagement_vs_none.sh [kizuna-server] [requests per load] [rounds] [customers]
#
# Both servers first get the same warm-up (every customer seen about once), then each round
# runs, on each server (the one that goes first alternates):
#   view      EVENT cust:__rand_int__ view ITEM product:3      (a trigger arms, badge counter,
#                                                               every segment re-evaluated)
#   purchase  EVENT cust:__rand_int__ purchase ITEM product:3  (UNLESS cancels that timer)
# at -P 1 and -P 16. Columns: ops/s and server CPU µs per EVENT (/proc/PID/stat) of each,
# ratio = ten ops/s ÷ none ops/s (target ≥ 0.8) and the CPU ratio none ÷ ten.
# SERVER_CPUS=1 BENCH_CPUS=0 pins the servers and redis-benchmark to separate cores.
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-1000000}
ROUNDS=${3:-3}
CUSTOMERS=${4:-1000000}
source bench/lib.sh

start_named() {  # name init-file -> NAME_PID, NAME_PORT
  start_kizuna "$KIZUNA" --init-file "$2"
  printf -v "${1}_PID" %s "$KIZUNA_PID"
  printf -v "${1}_PORT" %s "$KIZUNA_PORT"
  printf -v "${1}_DIR" %s "$KIZUNA_DIR"
}
stop_named() {
  kill "$NONE_PID" "$TEN_PID" 2>/dev/null || true
  wait "$NONE_PID" "$TEN_PID" 2>/dev/null || true
  rm -rf "$NONE_DIR" "$TEN_DIR"
}

RULES=$(mktemp)
grep '^RULE.SET' bench/engagement.conf >"$RULES"
start_named NONE "$RULES"
start_named TEN "$PWD/bench/engagement.conf"
trap 'stop_named; rm -f "$RULES"' EXIT

for port in "$NONE_PORT" "$TEN_PORT"; do
  bench_csv "$port" "$CUSTOMERS" 16 -r "$CUSTOMERS" EVENT cust:__rand_int__ view >/dev/null
done
echo "kizuna: $("$KIZUNA" --version)  customers: $(redis-cli -p "$NONE_PORT" DBSIZE) / \
$(redis-cli -p "$TEN_PORT" DBSIZE)  cores: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-5s %-9s %-3s %12s %12s %8s %8s %6s %6s\n" round event P none_ops/s ten_ops/s \
  none_us ten_us ratio cpu_r
for round in $(seq "$ROUNDS"); do
  for P in 1 16; do
    n=$N; [ "$P" = 1 ] && n=$((N / 4))
    for action in view purchase; do
      cmd=(-r "$CUSTOMERS" EVENT cust:__rand_int__ "$action" ITEM product:3)
      read -r a b <<<"$(measured_pair $((round + P)) "$NONE_PID" "$NONE_PORT" "$TEN_PID" \
        "$TEN_PORT" "$n" "$P" "${cmd[@]}")"
      IFS=, read -r ar _ _ acpu <<<"$a"
      IFS=, read -r br _ _ bcpu <<<"$b"
      printf "%-5s %-9s %-3s %12s %12s %8s %8s %6.2f %6.2f\n" "$round" "$action" "$P" "$ar" \
        "$br" "$acpu" "$bcpu" "$(echo "$br / $ar" | bc -l)" "$(echo "$acpu / $bcpu" | bc -l)"
    done
  done
done
echo "pending timers: $(redis-cli -p "$TEN_PORT" INFO | grep -m1 -i pending | tr -d '\r')"
