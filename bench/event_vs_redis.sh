#!/usr/bin/env bash
# EVENT throughput side by side with redis-server, same run, same redis-benchmark settings
# (50 clients, -r 1000000, -P 1 and -P 16):
#   event    kizuna  EVENT cust:__rand_int__ view          (issue's example rules loaded)
#   evalsha  redis   EVALSHA <redis-scoring.lua> 1 cust:__rand_int__ view   (../shared/bench)
#   hincrby  redis   HINCRBY cust:__rand_int__ product 3   (the cheapest Redis write)
# Columns as in compare_ping.sh; "ratio" = kizuna EVENT ops/s ÷ that redis row's ops/s, and
# k_cpu_us is kizuna's server CPU µs per EVENT (utime+stime from /proc/PID/stat).
# Each row runs kizuna's EVENTs and redis's command on servers in the same state, so that both
# sides do the same work: by default every row starts a fresh pair, both empty, and both
# create their customers as they go; with PRELOAD=N one pair serves every row, both having
# first done N untimed requests (kizuna N EVENTs, redis N EVALSHAs, which also create the
# hashes HINCRBY updates), so that they find their customers there, as a server in production
# does. Which server runs first alternates from row to row, and between the two P values, so
# that each comparison (EVALSHA, HINCRBY) has each server first once; FLIP=1 swaps every order.
# (On a VM the order matters while growing: the first server of a fresh pair reuses memory the
# last pair just freed, which the host still backs, bench/RESULTS.md.)
#   bench/event_vs_redis.sh [path/to/kizuna-server] [requests at -P 16]
# AOF=everysec (or always) runs both servers with --appendonly yes --appendfsync $AOF.
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-2000000}
LUA=${LUA:-/work/shared/bench/redis-scoring.lua}
[ -f "$LUA" ] || LUA=../shared/bench/redis-scoring.lua
source bench/lib.sh

PERSIST=()
[ -n "${AOF:-}" ] && PERSIST=(--appendonly yes --appendfsync "$AOF")
trap stop_servers EXIT

# Starts both servers with the rules (and the script: SHA), then the PRELOAD pass.
start_pair() {
  start_redis "${PERSIST[@]}"
  start_kizuna "$KIZUNA" "${PERSIST[@]}"
  redis-cli -p "$REDIS_PORT" HSET rules:view product 3 lifestyle 5 >/dev/null
  redis-cli -p "$REDIS_PORT" HSET rules:purchase product 8 lifestyle 1 lifestance 1 >/dev/null
  redis-cli -p "$REDIS_PORT" HSET rules:visit product 5 >/dev/null
  SHA=$(redis-cli -p "$REDIS_PORT" SCRIPT LOAD "$(cat "$LUA")")
  redis-cli -p "$KIZUNA_PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
  redis-cli -p "$KIZUNA_PORT" RULE.SET purchase ACTION purchase POINTS product 8 lifestyle 1 \
    lifestance 1 >/dev/null
  redis-cli -p "$KIZUNA_PORT" RULE.SET visit ACTION visit POINTS product 5 >/dev/null
  if [ "${PRELOAD:-0}" -gt 0 ]; then
    bench_csv "$KIZUNA_PORT" "$PRELOAD" 16 -r 1000000 EVENT cust:__rand_int__ view >/dev/null
    bench_csv "$REDIS_PORT" "$PRELOAD" 16 -r 1000000 EVALSHA "$SHA" 1 cust:__rand_int__ view \
      >/dev/null
  fi
}

ROW=0
# row NAME P REQUESTS redis-args...: kizuna's EVENTs against redis's command, on a fresh pair
# (or the preloaded one). In EVALSHA's arguments, the word after EVALSHA becomes the pair's SHA.
row() {
  local name=$1 p=$2 n=$3 k r first
  shift 3
  [ -n "${KIZUNA_PID:-}" ] || start_pair
  local args=("$@")
  [ "${args[0]}" = EVALSHA ] && args[1]=$SHA
  if [ $(((ROW + ROW / 2 + ${FLIP:-0}) % 2)) = 0 ]; then
    first=k
    k=$(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" "$n" "$p" -r 1000000 EVENT cust:__rand_int__ view)
    r=$(measured_run "$REDIS_PID" "$REDIS_PORT" "$n" "$p" -r 1000000 "${args[@]}")
  else
    first=r
    r=$(measured_run "$REDIS_PID" "$REDIS_PORT" "$n" "$p" -r 1000000 "${args[@]}")
    k=$(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" "$n" "$p" -r 1000000 EVENT cust:__rand_int__ view)
  fi
  print_row "$name" "$p" "$r" "$k" \
    "$first $(redis-cli -p "$KIZUNA_PORT" DBSIZE)/$(redis-cli -p "$REDIS_PORT" DBSIZE)"
  if [ "${PRELOAD:-0}" = 0 ]; then
    stop_servers
    REDIS_PID= KIZUNA_PID=
  fi
  ROW=$((ROW + 1))
}

if [ "${PRELOAD:-0}" -gt 0 ]; then
  echo "state: one pair for every row, preloaded with $PRELOAD requests each"
else
  echo "state: a fresh pair for every row, both empty"
fi
print_header "first customers k/r"
for P in 1 16; do
  n=$N; [ "$P" = 1 ] && n=$((N / 4))
  row evalsha "$P" "$n" EVALSHA SHA 1 cust:__rand_int__ view
  row hincrby "$P" "$n" HINCRBY cust:__rand_int__ product 3
done
