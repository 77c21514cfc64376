#!/usr/bin/env bash
# Side-by-side PING_MBULK and ECHO: redis-server and kizuna-server on loopback ports, the same
# redis-benchmark load against each in the same run: 50 clients, -P 1 and -P 16.
#
#   bench/compare_ping.sh [path/to/kizuna-server] [seconds per run] [rounds]
#
# Defaults: build/server/kizuna-server (build it Release), 4 s, 1 round. Each load is sized so
# that the faster server needs about that many seconds (a short calibration run against both
# picks the request count), and both servers get exactly the same request count. Within a
# round the server that goes first alternates, so neither always benefits from a warm cache.
# Columns: ops/s, p50 and p99 latency (ms, from redis-benchmark --csv), server CPU µs per
# request (utime+stime from /proc/PID/stat before and after), ratio = kizuna ops/s / redis ops/s.
# SERVER_CPUS=1 BENCH_CPUS=0 pins the servers and redis-benchmark to separate cores (taskset).
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
SECONDS_PER_RUN=${2:-4}
ROUNDS=${3:-1}
source bench/lib.sh

[ -x "$KIZUNA" ] || { echo "no kizuna-server at $KIZUNA (build it first)" >&2; exit 1; }
command -v redis-benchmark >/dev/null || { echo "redis-benchmark not installed" >&2; exit 1; }

start_redis
start_kizuna "$KIZUNA"
trap stop_servers EXIT

# requests PIPELINE ARGS... -> a request count that takes ~SECONDS_PER_RUN on the faster server
requests_for() {
  local p=$1; shift
  local probe=$((p == 1 ? 30000 : 300000)) r k best
  r=$(bench_csv "$REDIS_PORT" "$probe" "$p" "$@" | cut -d, -f1)
  k=$(bench_csv "$KIZUNA_PORT" "$probe" "$p" "$@" | cut -d, -f1)
  best=$(echo "if ($r > $k) $r else $k" | bc -l)
  echo "$best * $SECONDS_PER_RUN / 1" | bc
}

echo "redis: $(redis-server --version | cut -d' ' -f3)  kizuna: $("$KIZUNA" --version)  \
clients: 50  cores: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)  \
pinning: servers ${SERVER_CPUS:-any} bench ${BENCH_CPUS:-any}"
print_header requests
for round in $(seq "$ROUNDS"); do
  for P in 1 16; do
    for test in ping_mbulk echo; do
      if [ "$test" = echo ]; then cmd=(ECHO hello); else cmd=(-t ping_mbulk); fi
      n=$(requests_for "$P" "${cmd[@]}")
      read -r r k <<<"$(measured_pair $((round + P)) "$REDIS_PID" "$REDIS_PORT" "$KIZUNA_PID" \
        "$KIZUNA_PORT" "$n" "$P" "${cmd[@]}")"
      print_row "$test" "$P" "$r" "$k" "$n"
    done
  done
done
