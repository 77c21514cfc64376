#!/usr/bin/env bash
# EVENT with the append-only log on, side by side with redis-server running the scoring Lua
# script (../shared/bench/redis-scoring.lua) with its AOF on, same fsync policy, same load:
# 50 clients, -r 1000000, -P 16, for appendfsync always and everysec.
#   bench/durability_vs_redis.sh [path/to/kizuna-server] [requests]
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-500000}
LUA=${LUA:-/work/shared/bench/redis-scoring.lua}
[ -f "$LUA" ] || LUA=../shared/bench/redis-scoring.lua
source bench/lib.sh

print_header
for mode in always everysec; do
  start_redis --appendonly yes --appendfsync "$mode"
  start_kizuna "$KIZUNA" --appendonly yes --appendfsync "$mode"
  redis-cli -p "$REDIS_PORT" HSET rules:view product 3 lifestyle 5 >/dev/null
  SHA=$(redis-cli -p "$REDIS_PORT" SCRIPT LOAD "$(cat "$LUA")")
  redis-cli -p "$KIZUNA_PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
  for P in 16 1; do
    n=$N; [ "$P" = 1 ] && n=$((N / 5))
    k=$(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" "$n" "$P" -r 1000000 EVENT cust:__rand_int__ view)
    r=$(measured_run "$REDIS_PID" "$REDIS_PORT" "$n" "$P" -r 1000000 \
      EVALSHA "$SHA" 1 cust:__rand_int__ view)
    print_row "$mode" "$P" "$r" "$k"
  done
  stop_servers
  REDIS_PID= KIZUNA_PID=
done
