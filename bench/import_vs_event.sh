#!/usr/bin/env bash
# kizuna-import's rate vs the server's own pipelined EVENT throughput, in the same run.
# Each load runs on a fresh kizuna-server (appendonly no, rule view -> product 3 lifestyle 5):
#   event    redis-benchmark -c 50 -P 16 -r 1000000 EVENT cust:__rand_int__ view
#   event+   the same with the arguments kizuna-import sends:
#            EVENT cust:__rand_int__ view TS <t> ID e__rand_int__ IMPORT
#   import   kizuna-import of a CSV of ROWS rows (cust:<random of 1M>, view, ts, id), one
#            connection, default window
# Columns: ops/s (import: rows / wall time from its summary), server CPU µs per EVENT
# (utime+stime from /proc/PID/stat), the importer's own CPU µs per row (bash `time`), and
# import ÷ event, import ÷ event+.
#   bench/import_vs_event.sh [kizuna-server] [kizuna-import] [rows] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
IMPORT=${2:-build/tools/kizuna-import}
ROWS=${3:-1000000}
ROUNDS=${4:-3}
source bench/lib.sh

WORK=$(mktemp -d)
trap 'stop_servers; rm -rf "$WORK"' EXIT
T=$(( $(date +%s) * 1000 - 86400000 ))
awk -v n="$ROWS" -v t="$T" 'BEGIN { srand(1); print "customer,action,ts,id";
  for (i = 0; i < n; i++) printf "cust:%d,view,%d,e%d\n", int(rand() * 1000000), t + i % 86400000, i }' \
  >"$WORK/events.csv"
echo "input: $ROWS rows, $(du -h "$WORK/events.csv" | cut -f1)"

fresh_kizuna() {
  stop_servers
  start_kizuna "$KIZUNA"
  redis-cli -p "$KIZUNA_PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
}

printf "%-7s %-6s %12s %9s %9s %9s %9s\n" round load ops/s k_cpu_us imp_cpu_us imp/event \
  imp/event+
for round in $(seq "$ROUNDS"); do
  fresh_kizuna
  e=$(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" "$ROWS" 16 -r 1000000 EVENT cust:__rand_int__ view)
  fresh_kizuna
  ep=$(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" "$ROWS" 16 -r 1000000 \
    EVENT cust:__rand_int__ view TS "$T" ID e__rand_int__ IMPORT)
  fresh_kizuna
  before=$(cpu_seconds "$KIZUNA_PID")
  TIMEFORMAT='%U %S'
  { time "${BENCH_PIN[@]}" "$IMPORT" -p "$KIZUNA_PORT" --progress none "$WORK/events.csv" \
      >"$WORK/summary"; } 2>"$WORK/time"
  after=$(cpu_seconds "$KIZUNA_PID")
  summary=$(cat "$WORK/summary")
  tcpu=$(awk -v n="$ROWS" '{printf "%.2f", ($1 + $2) * 1000000 / n}' "$WORK/time")
  imported=$(awk '/^imported:/ {print $2}' <<<"$summary")
  [ "$imported" = "$ROWS" ] || { echo "import incomplete: $summary" >&2; exit 1; }
  secs=$(awk '/^seconds:/ {print $2}' <<<"$summary")
  irate=$(echo "$ROWS / $secs" | bc -l)
  icpu=$(echo "($after - $before) * 1000000 / $ROWS" | bc -l)
  IFS=, read -r erate _ _ ecpu <<<"$e"
  IFS=, read -r eprate _ _ epcpu <<<"$ep"
  printf "%-7s %-6s %12.0f %9.2f\n" "$round" event "$erate" "$ecpu"
  printf "%-7s %-6s %12.0f %9.2f\n" "$round" event+ "$eprate" "$epcpu"
  printf "%-7s %-6s %12.0f %9.2f %9s %9.2f %9.2f\n" "$round" import "$irate" "$icpu" "$tcpu" \
    "$(echo "$irate / $erate" | bc -l)" "$(echo "$irate / $eprate" | bc -l)"
done
