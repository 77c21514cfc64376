#!/usr/bin/env bash
# Resident memory per customer for 1,000,000 customers (ids of 14 bytes, "cust:100000042"),
# each with one view, one purchase (VALUE 10) and one visit under the issue's example rules:
#   store    in-process Store (bench/store_memory: RSS growth of the process)
#   kizuna   kizuna-server RSS growth after loading the events with redis-cli --pipe
#   redis    redis-server holding the same data the way a Redis user would: a hash per
#            customer (product, lifestyle, lifestance, total, n:view, n:purchase, n:visit)
#            plus leaderboard sorted sets lb:product, lb:lifestyle, lb:lifestance, lb:total;
#            RSS growth and used_memory growth; and with the total leaderboard only.
#   bench/memory_vs_redis.sh [kizuna-server] [store_memory] [customers]
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
STORE_MEMORY=${2:-build/bench/store_memory}
N=${3:-1000000}
source bench/lib.sh

rss() { awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$1/status"; }
used_memory() { redis-cli -p "$1" INFO memory | awk -F: '/^used_memory:/ {print $2+0}'; }
per() { echo "($2 - $1) / $N" | bc -l | xargs printf '%.1f'; }

events() {  # RESP-free inline commands are fine for --pipe
  awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) { id = "cust:" (100000000 + i);
    print "EVENT " id " view"; print "EVENT " id " purchase VALUE 10"; print "EVENT " id " visit" } }'
}
redis_data() {  # $1 = 1 for all four leaderboards, 0 for lb:total only
  awk -v n="$N" -v all="$1" 'BEGIN { for (i = 0; i < n; i++) { id = 100000000 + i;
    print "HSET cust:" id " product 16 lifestyle 6 lifestance 1 total 23 n:view 1 n:purchase 1 n:visit 1";
    if (all) { print "ZADD lb:product 16 " id; print "ZADD lb:lifestyle 6 " id;
               print "ZADD lb:lifestance 1 " id }
    print "ZADD lb:total 23 " id } }'
}

if [ -x "$STORE_MEMORY" ]; then
  echo "store (in-process): $("$STORE_MEMORY" "$N")"
fi

start_kizuna "$KIZUNA"
trap stop_servers EXIT
redis-cli -p "$KIZUNA_PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
redis-cli -p "$KIZUNA_PORT" RULE.SET purchase ACTION purchase POINTS product 8 lifestyle 1 \
  lifestance 1 >/dev/null
redis-cli -p "$KIZUNA_PORT" RULE.SET visit ACTION visit POINTS product 5 >/dev/null
k0=$(rss "$KIZUNA_PID")
events | redis-cli -p "$KIZUNA_PORT" --pipe >/dev/null
k1=$(rss "$KIZUNA_PID")
echo "kizuna-server: customers=$(redis-cli -p "$KIZUNA_PORT" DBSIZE) rss_per_customer=$(per "$k0" "$k1")" \
  "store_estimate=$(redis-cli -p "$KIZUNA_PORT" INFO scoring | awk -F: '/store_memory_per_customer/ {print $2+0}')"

for all in 1 0; do
  start_redis
  r0=$(rss "$REDIS_PID"); u0=$(used_memory "$REDIS_PORT")
  redis_data "$all" | redis-cli -p "$REDIS_PORT" --pipe >/dev/null
  r1=$(rss "$REDIS_PID"); u1=$(used_memory "$REDIS_PORT")
  label="hash + 4 leaderboards"; [ "$all" = 0 ] && label="hash + lb:total only"
  echo "redis-server ($label): keys=$(redis-cli -p "$REDIS_PORT" DBSIZE)" \
    "rss_per_customer=$(per "$r0" "$r1") used_memory_per_customer=$(per "$u0" "$u1")"
  kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true; rm -rf "$REDIS_DIR"; REDIS_PID=
done
