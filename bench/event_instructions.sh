#!/usr/bin/env bash
# Instructions per EVENT, counted by valgrind's callgrind (repeatable, unlike time on this VM):
# a kizuna-server under callgrind serves N EVENTs from redis-benchmark (50 clients, -P 16,
# -r 1000000, a store that grows from empty, the issue's example rules); a second run of 16
# EVENTs measures start-up and shutdown, which is subtracted. Prints the total per EVENT and
# the TOP functions by instructions per EVENT (their start-up share not subtracted).
#   bench/event_instructions.sh [kizuna-server] [N] [TOP]
# KEEP=FILE keeps the full run's callgrind output, for `callgrind_annotate --tree=caller FILE`.
# PRELOAD=M first sends M EVENTs uncounted (instrumentation off), so that the N counted ones
# meet a steady store; then only those N are counted (no start-up to subtract).
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-200000}
TOP=${3:-25}
source bench/lib.sh
WORK=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && cp "$WORK/full.out" "$KEEP"; rm -rf "$WORK"' EXIT

# run REQUESTS OUT: one server under callgrind, REQUESTS EVENTs, then SHUTDOWN NOSAVE.
run() {
  local port pid
  port=$(free_port)
  mkdir -p "$WORK/dir"
  local preload=${PRELOAD:-0}
  valgrind --tool=callgrind --callgrind-out-file="$2" --instr-atstart="$([ "$preload" -gt 0 ] &&
    echo no || echo yes)" "$KIZUNA" --port "$port" \
    --dir "$WORK/dir" --appendonly no --save '' >"$WORK/log" 2>&1 &
  pid=$!
  wait_ping "$port"
  redis-cli -p "$port" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
  if [ "$preload" -gt 0 ]; then
    redis-benchmark -p "$port" -c 50 -n "$preload" -P 16 -r 1000000 \
      EVENT cust:__rand_int__ view >/dev/null 2>&1
    callgrind_control -i on "$pid" >/dev/null
  fi
  redis-benchmark -p "$port" -c 50 -n "$1" -P 16 -r 1000000 EVENT cust:__rand_int__ view \
    >/dev/null 2>&1
  # With a preload, only the counted EVENTs: dumped before the shutdown frees the store.
  [ "$preload" -gt 0 ] && callgrind_control -d "$pid" >/dev/null
  redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  wait "$pid" || true
  [ "$preload" -gt 0 ] && mv "$2".1 "$2"  # the dump, not what the shutdown wrote
  rm -rf "$WORK/dir"
}
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'; }

run "$N" "$WORK/full.out"
if [ "${PRELOAD:-0}" -gt 0 ]; then
  echo "instructions per EVENT: $(echo "$(total "$WORK/full.out") / $N" | bc)"
else
  run 16 "$WORK/base.out"
  echo "instructions per EVENT: $(echo "($(total "$WORK/full.out") - $(total "$WORK/base.out")) / ($N - 16)" | bc)"
fi
callgrind_annotate "$WORK/full.out" 2>/dev/null | awk -v n="$N" -v top="$TOP" '
  /^ *[0-9,]+ \(/ && !/PROGRAM TOTALS/ && shown < top {
    count = $1; gsub(",", "", count)
    name = $0; sub(/^[^:]*:/, "", name); sub(/\(.*/, "", name)
    printf "%8.0f  %s\n", count / n, name; shown++
  }'
