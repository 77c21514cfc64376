#!/usr/bin/env bash
# Resident memory of a kizuna-server before SAVE and after a restart that loads that snapshot:
# 3M EVENTs over 1M random ids (~950k customers, the issue's view rule), SAVE, stop, start on
# the same directory. Prints customers, the store's estimate per customer and used_memory_rss.
#   bench/restart_memory.sh [kizuna-server]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/server/kizuna-server}
source bench/lib.sh
DIR=$(mktemp -d)
PORT=$(free_port)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$DIR"' EXIT
start() {
  "$BIN" --port "$PORT" --dir "$DIR" --appendonly no >/dev/null 2>&1 &
  PID=$!
  wait_ping "$PORT"
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }
field() { redis-cli -p "$PORT" INFO "$1" | tr -d '\r' | awk -F: -v k="$2" '$1 == k {print $2}'; }
report() {
  echo "$1 customers=$(redis-cli -p "$PORT" DBSIZE)" \
    "store_memory_per_customer=$(field scoring store_memory_per_customer)" \
    "used_memory_rss=$(field memory used_memory_rss)"
}
start
redis-cli -p "$PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
redis-benchmark -p "$PORT" -n 3000000 -P 16 -c 50 -r 1000000 -q EVENT cust:__rand_int__ view \
  >/dev/null
report "saved: "
redis-cli -p "$PORT" SAVE >/dev/null
stop
start
report "loaded:"
stop
