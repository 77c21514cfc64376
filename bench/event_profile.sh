#!/usr/bin/env bash
# Where a kizuna-server's time goes under the issue's EVENT load: perf samples the server
# (cpu-clock, 4 kHz; this VM has no hardware counters) while redis-benchmark sends N EVENTs
# (50 clients, -P P, -r 1000000, the issue's example rules) from another core. Prints the
# run's rate, the server's CPU µs per EVENT, and the TOP symbols by share of the samples.
#   bench/event_profile.sh [kizuna-server] [N] [TOP]
# PRELOAD=M first sends M EVENTs unsampled (a steady store of ~1M customers with 3000000);
# P=1 profiles unpipelined requests. KEEP=FILE keeps perf.data, for `perf annotate -i FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-2000000}
TOP=${3:-30}
P=${P:-16}
source bench/lib.sh
SERVER_PIN=(taskset -c 1)
BENCH_PIN=(taskset -c 0)
DATA=$(mktemp)
trap 'stop_servers; [ -n "${KEEP:-}" ] && cp "$DATA" "$KEEP"; rm -f "$DATA"' EXIT
start_kizuna "$KIZUNA"
redis-cli -p "$KIZUNA_PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
if [ "${PRELOAD:-0}" -gt 0 ]; then
  bench_csv "$KIZUNA_PORT" "$PRELOAD" 16 -r 1000000 EVENT cust:__rand_int__ view >/dev/null
  wait_quiet "$KIZUNA_PID"
fi
perf record -e cpu-clock -F 4000 -o "$DATA" -p "$KIZUNA_PID" -- sleep 600 >/dev/null 2>&1 &
perf_pid=$!
sleep 0.3
before=$(cpu_seconds "$KIZUNA_PID")
echo "rps,p50,p99: $(bench_csv "$KIZUNA_PORT" "$N" "$P" -r 1000000 EVENT cust:__rand_int__ view)"
after=$(cpu_seconds "$KIZUNA_PID")
echo "server cpu us per EVENT: $(echo "($after - $before) * 1000000 / $N" | bc -l | xargs printf '%.2f')"
pkill -INT -P "$perf_pid" sleep || true  # perf writes its data when its command ends
wait "$perf_pid" || true
perf report -i "$DATA" --no-children --sort sym 2>/dev/null | grep -v '^#' | grep '%' |
  grep -v -- '--' | head -n "$TOP"
