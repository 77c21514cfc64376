#!/usr/bin/env bash
# What an ACL user costs per request, side by side with redis-server in the same run: 50
# clients, -P 16, -r 1000000, the same request count for every row, as three users:
#   default  no AUTH (the default user: +@all ~*)
#   allkeys  AUTH as a user "+@all ~*" (kizuna: one bit test per request)
#   pattern  AUTH as a user "+@all ~cust:*" (plus one glob match per key)
# kizuna runs SCORE cust:__rand_int__, redis HGET cust:__rand_int__ product: reads of keys
# that do not exist, so the data set stays the same from row to row and the rows differ only
# in the user (a write would grow the store as the rows go).
# Columns as in compare_ping.sh (ratio = kizuna ops/s ÷ redis ops/s).
#   bench/acl_overhead_vs_redis.sh [path/to/kizuna-server] [requests per row]
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-2000000}
source bench/lib.sh

start_redis
start_kizuna "$KIZUNA"
trap stop_servers EXIT
for port in "$REDIS_PORT" "$KIZUNA_PORT"; do
  redis-cli -p "$port" ACL SETUSER allkeys on '>pw' '+@all' '~*' >/dev/null
  redis-cli -p "$port" ACL SETUSER pattern on '>pw' '+@all' '~cust:*' >/dev/null
done

print_header user
for user in default allkeys pattern; do
  auth=()
  [ "$user" != default ] && auth=(--user "$user" -a pw)
  k=$(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" "$N" 16 "${auth[@]}" -r 1000000 \
    SCORE cust:__rand_int__)
  r=$(measured_run "$REDIS_PID" "$REDIS_PORT" "$N" 16 "${auth[@]}" -r 1000000 \
    HGET cust:__rand_int__ product)
  print_row "score/hget" 16 "$r" "$k" "$user"
done
