#!/usr/bin/env bash
# Snapshots with 1,000,000 customers, side by side with redis-server holding the same data
# the way bench/memory_vs_redis.sh builds it (a hash per customer + 4 leaderboard zsets):
#   1. restart time: from exec until INFO says loading:0 (kizuna loads snapshot.ksnap, redis
#      dump.rdb), plus each server's own "loaded" log line; median of ROUNDS;
#   2. EVENT latency while BGSAVE runs: redis-benchmark (10 clients, random customers) for
#      BENCH_S seconds with a BGSAVE issued after 1 s, against a run without BGSAVE; for
#      redis the EVENT is the scoring Lua script (EVALSHA) that durability_vs_redis.sh uses.
#   bench/snapshot_vs_redis.sh [kizuna-server] [customers] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-1000000}
ROUNDS=${3:-3}
BENCH_N=${BENCH_N:-400000}
LUA=${LUA:-/work/shared/bench/redis-scoring.lua}
[ -f "$LUA" ] || LUA=../shared/bench/redis-scoring.lua
source bench/lib.sh
trap stop_servers EXIT

events() {
  awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) { id = "cust:" (100000000 + i);
    print "EVENT " id " view"; print "EVENT " id " purchase VALUE 10"; print "EVENT " id " visit" } }'
}
redis_data() {
  awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) { id = 100000000 + i;
    print "HSET cust:" id " product 16 lifestyle 6 lifestance 1 total 23 n:view 1 n:purchase 1 n:visit 1";
    print "ZADD lb:product 16 " id; print "ZADD lb:lifestyle 6 " id;
    print "ZADD lb:lifestance 1 " id; print "ZADD lb:total 23 " id } }'
}
now_ms() { date +%s%3N; }
wait_loaded() {  # port: until INFO persistence says loading:0
  until redis-cli -p "$1" INFO persistence 2>/dev/null | grep -q '^loading:0'; do sleep 0.005; done
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# max latency (ms) and rps of a redis-benchmark run: "rps,p99,max"
bench_max() {
  local port=$1; shift
  redis-benchmark -p "$port" -c 10 -n "$BENCH_N" --csv "$@" 2>/dev/null |
    awk -F, 'NR==2 {gsub(/"/,""); print $2","$7","$8}'
}
bgsave_after() {  # port delay: BGSAVE after `delay` seconds, in the background ($BGSAVE_PID)
  (sleep "$2"; redis-cli -p "$1" BGSAVE >/dev/null) &
  BGSAVE_PID=$!
}

# ---- build the same data in both, snapshot it, stop ----
start_kizuna "$KIZUNA" --save ''
redis-cli -p "$KIZUNA_PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
redis-cli -p "$KIZUNA_PORT" RULE.SET purchase ACTION purchase POINTS product 8 lifestyle 1 \
  lifestance 1 >/dev/null
redis-cli -p "$KIZUNA_PORT" RULE.SET visit ACTION visit POINTS product 5 >/dev/null
events | redis-cli -p "$KIZUNA_PORT" --pipe >/dev/null
t0=$(now_ms); redis-cli -p "$KIZUNA_PORT" SAVE >/dev/null; t1=$(now_ms)
echo "kizuna: customers=$(redis-cli -p "$KIZUNA_PORT" DBSIZE) SAVE=$((t1 - t0)) ms" \
  "snapshot=$(stat -c %s "$KIZUNA_DIR/snapshot.ksnap") bytes"
redis-cli -p "$KIZUNA_PORT" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
wait "$KIZUNA_PID" 2>/dev/null || true
KDIR=$KIZUNA_DIR; KIZUNA_PID=

start_redis
redis_data | redis-cli -p "$REDIS_PORT" --pipe >/dev/null
redis-cli -p "$REDIS_PORT" HSET rules:view product 3 lifestyle 5 >/dev/null
t0=$(now_ms); redis-cli -p "$REDIS_PORT" SAVE >/dev/null; t1=$(now_ms)
echo "redis:  keys=$(redis-cli -p "$REDIS_PORT" DBSIZE) SAVE=$((t1 - t0)) ms" \
  "rdb=$(stat -c %s "$REDIS_DIR/dump.rdb") bytes"
redis-cli -p "$REDIS_PORT" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
wait "$REDIS_PID" 2>/dev/null || true
RDIR=$REDIS_DIR; REDIS_PID=

# ---- restart times, alternating ----
restart_redis() {  # round: starts redis-server on the RDB, times it, leaves it running
  REDIS_PORT=$(free_port); local t0 t1 own; t0=$(now_ms)
  "${SERVER_PIN[@]}" redis-server --port "$REDIS_PORT" --save '' --appendonly no --dir "$RDIR" \
    --logfile "$RDIR/log" >/dev/null &
  REDIS_PID=$!
  wait_loaded "$REDIS_PORT"; t1=$(now_ms)
  own=$(sed -n 's/.*DB loaded from disk: \([0-9.]*\) seconds.*/\1/p' "$RDIR/log" | tail -1)
  r_times+=($((t1 - t0)))
  echo "  redis  round $1: $((t1 - t0)) ms (log: $own s) keys=$(redis-cli -p "$REDIS_PORT" DBSIZE)"
}
echo "restart with $N customers (ms from exec to loading:0; the server's own log figure):"
k_times=(); r_times=()
for round in $(seq "$ROUNDS"); do
  KIZUNA_PORT=$(free_port); t0=$(now_ms)
  "${SERVER_PIN[@]}" "$KIZUNA" --port "$KIZUNA_PORT" --dir "$KDIR" --appendonly no --save '' \
    >"$KDIR/log" 2>&1 &
  KIZUNA_PID=$!
  wait_loaded "$KIZUNA_PORT"; t1=$(now_ms)
  own=$(sed -n 's/.*DB loaded from the snapshot in \([0-9.]*\) s.*/\1/p' "$KDIR/log")
  k_times+=($((t1 - t0)))
  echo "  kizuna round $round: $((t1 - t0)) ms (log: $own s) customers=$(redis-cli -p "$KIZUNA_PORT" DBSIZE)"
  [ "$round" = "$ROUNDS" ] && break
  kill "$KIZUNA_PID"; wait "$KIZUNA_PID" 2>/dev/null || true; KIZUNA_PID=

  restart_redis "$round"
  kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true; REDIS_PID=
done
# The last round's kizuna stays up for the latency part; redis's last round runs after it.
restart_redis "$ROUNDS"
km=$(printf '%s\n' "${k_times[@]}" | median); rm_=$(printf '%s\n' "${r_times[@]}" | median)
echo "median: kizuna $km ms, redis $rm_ ms, ratio $(echo "$km / $rm_" | bc -l | xargs printf '%.2f')"

# ---- EVENT latency while BGSAVE runs (both servers hold the loaded data) ----
echo "EVENT latency (redis-benchmark -c 10 -n $BENCH_N, random customers): rps,p99_ms,max_ms"
k_base=$(bench_max "$KIZUNA_PORT" -r "$N" EVENT cust:__rand_int__ view)
bgsave_after "$KIZUNA_PORT" 0.5
k_save=$(bench_max "$KIZUNA_PORT" -r "$N" EVENT cust:__rand_int__ view)
wait "$BGSAVE_PID"
until redis-cli -p "$KIZUNA_PORT" INFO persistence | grep -q '^rdb_bgsave_in_progress:0'; do sleep 0.05; done
echo "  kizuna  no BGSAVE: $k_base   during BGSAVE: $k_save" \
  "($(redis-cli -p "$KIZUNA_PORT" INFO persistence | grep -E '^(rdb_saves|rdb_last_bgsave_status|rdb_last_bgsave_time_sec|latest_fork_usec)' | tr -d '\r' | tr '\n' ' '))"
SHA=$(redis-cli -p "$REDIS_PORT" SCRIPT LOAD "$(cat "$LUA")")
r_base=$(bench_max "$REDIS_PORT" -r "$N" EVALSHA "$SHA" 1 cust:__rand_int__ view)
bgsave_after "$REDIS_PORT" 0.5
r_save=$(bench_max "$REDIS_PORT" -r "$N" EVALSHA "$SHA" 1 cust:__rand_int__ view)
wait "$BGSAVE_PID"
until redis-cli -p "$REDIS_PORT" INFO persistence | grep -q '^rdb_bgsave_in_progress:0'; do sleep 0.05; done
echo "  redis   no BGSAVE: $r_base   during BGSAVE: $r_save" \
  "($(redis-cli -p "$REDIS_PORT" INFO | grep -E '^(rdb_last_bgsave_status|rdb_last_bgsave_time_sec|latest_fork_usec)' | tr -d '\r' | tr '\n' ' '))"
stop_servers
rm -rf "$KDIR" "$RDIR"
