#!/usr/bin/env bash
# EVENT throughput side by side with redis-server, same run, same redis-benchmark settings
# (50 clients, -r 1000000, -P 1 and -P 16):
#   event    kizuna  EVENT cust:__rand_int__ view          (issue's example rules loaded)
#   evalsha  redis   EVALSHA <redis-scoring.lua> 1 cust:__rand_int__ view   (../shared/bench)
#   hincrby  redis   HINCRBY cust:__rand_int__ product 3   (the cheapest Redis write)
# Columns as in compare_ping.sh; "ratio" = kizuna EVENT ops/s ÷ that redis row's ops/s, and
# k_cpu_us is kizuna's server CPU µs per EVENT (utime+stime from /proc/PID/stat).
#   bench/event_vs_redis.sh [path/to/kizuna-server] [requests at -P 16]
# AOF=everysec (or always) runs both servers with --appendonly yes --appendfsync $AOF.
# WARM_MIB=M first writes M MiB of fresh memory once (build/bench/first_touch), so that on a
# virtual machine neither server's growth pays for guest memory the host has not backed yet.
# PRELOAD=N: see below.
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-2000000}
LUA=${LUA:-/work/shared/bench/redis-scoring.lua}
[ -f "$LUA" ] || LUA=../shared/bench/redis-scoring.lua
source bench/lib.sh

if [ "${WARM_MIB:-0}" -gt 0 ]; then "${FIRST_TOUCH:-build/bench/first_touch}" "$WARM_MIB"; fi

PERSIST=()
[ -n "${AOF:-}" ] && PERSIST=(--appendonly yes --appendfsync "$AOF")
start_redis "${PERSIST[@]}"
start_kizuna "$KIZUNA" "${PERSIST[@]}"
trap stop_servers EXIT

redis-cli -p "$REDIS_PORT" HSET rules:view product 3 lifestyle 5 >/dev/null
redis-cli -p "$REDIS_PORT" HSET rules:purchase product 8 lifestyle 1 lifestance 1 >/dev/null
redis-cli -p "$REDIS_PORT" HSET rules:visit product 5 >/dev/null
SHA=$(redis-cli -p "$REDIS_PORT" SCRIPT LOAD "$(cat "$LUA")")
redis-cli -p "$KIZUNA_PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
redis-cli -p "$KIZUNA_PORT" RULE.SET purchase ACTION purchase POINTS product 8 lifestyle 1 \
  lifestance 1 >/dev/null
redis-cli -p "$KIZUNA_PORT" RULE.SET visit ACTION visit POINTS product 5 >/dev/null

# PRELOAD=N: an untimed first pass of N EVENTs (kizuna) and N EVALSHAs (redis, which also
# creates the hashes HINCRBY updates), so that the timed runs find the customers there, as a
# server in production does, instead of growing through the run.
if [ "${PRELOAD:-0}" -gt 0 ]; then
  bench_csv "$KIZUNA_PORT" "$PRELOAD" 16 -r 1000000 EVENT cust:__rand_int__ view >/dev/null
  bench_csv "$REDIS_PORT" "$PRELOAD" 16 -r 1000000 EVALSHA "$SHA" 1 cust:__rand_int__ view >/dev/null
  echo "preloaded: kizuna $(redis-cli -p "$KIZUNA_PORT" DBSIZE) customers," \
    "redis $(redis-cli -p "$REDIS_PORT" DBSIZE) keys"
fi

print_header
for P in 1 16; do
  n=$N; [ "$P" = 1 ] && n=$((N / 4))
  k=$(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" "$n" "$P" -r 1000000 EVENT cust:__rand_int__ view)
  r=$(measured_run "$REDIS_PID" "$REDIS_PORT" "$n" "$P" -r 1000000 \
    EVALSHA "$SHA" 1 cust:__rand_int__ view)
  print_row "evalsha" "$P" "$r" "$k"
  r=$(measured_run "$REDIS_PID" "$REDIS_PORT" "$n" "$P" -r 1000000 \
    HINCRBY cust:__rand_int__ product 3)
  print_row "hincrby" "$P" "$r" "$k"
done
echo "customers: kizuna $(redis-cli -p "$KIZUNA_PORT" DBSIZE), redis keys $(redis-cli -p "$REDIS_PORT" DBSIZE)"
