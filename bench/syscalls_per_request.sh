#!/usr/bin/env bash
# System calls per request at -P P (default 1; 50 clients), kizuna EVENT against redis
# HINCRBY, counted with perf's syscall tracepoints on each server while it serves N requests
# (both warmed with 300,000 requests at -P 16 first). Needs perf and tracefs (run as root).
#   bench/syscalls_per_request.sh [kizuna-server] [requests] [P]
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-100000}
P=${3:-1}
source bench/lib.sh
start_redis
start_kizuna "$KIZUNA"
OUT=$(mktemp)
trap 'stop_servers; rm -f "$OUT"' EXIT
redis-cli -p "$KIZUNA_PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
bench_csv "$KIZUNA_PORT" 300000 16 -r 1000000 EVENT cust:__rand_int__ view >/dev/null
bench_csv "$REDIS_PORT" 300000 16 -r 1000000 HINCRBY cust:__rand_int__ product 3 >/dev/null
EVENTS=syscalls:sys_enter_recvfrom,syscalls:sys_enter_read,syscalls:sys_enter_sendto
EVENTS+=,syscalls:sys_enter_write,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_ctl
count() {  # name pid port command...
  local name=$1 pid=$2 port=$3 stat
  shift 3
  perf stat -e "$EVENTS" -p "$pid" -o "$OUT" -- sleep 600 2>/dev/null &
  stat=$!
  sleep 0.5
  local row
  row=$(bench_csv "$port" "$N" "$P" -r 1000000 "$@")
  pkill -P "$stat" sleep  # perf stat prints its counts when its command ends
  wait "$stat" || true
  printf "%-7s rps,p50,p99 %s; per request:" "$name" "$row"
  awk -v n="$N" '/syscalls:/ {sub("syscalls:sys_enter_", "", $2); printf " %s %.2f", $2, $1 / n}' \
    "$OUT" | sed 's/,//g'
  echo
}
count kizuna "$KIZUNA_PID" "$KIZUNA_PORT" EVENT cust:__rand_int__ view
count redis "$REDIS_PID" "$REDIS_PORT" HINCRBY cust:__rand_int__ product 3
