#!/usr/bin/env bash
# The longest EVENTs while the store grows: one kizuna-server with SLOWLOG at SLOWER_THAN µs
# (default 5000) loads CUSTOMERS mostly new customers (redis-benchmark -c 20 -P 16
# -r 100000000, EVENT view), then prints every EVENT over it, longest first, in µs. The
# per-customer columns and the customer hash set double on the way (2^20 customers is the last
# doubling below 1.2M).
#   bench/growth_stalls.sh [kizuna-server] [customers]
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
CUSTOMERS=${2:-1200000}
SLOWER_THAN=${SLOWER_THAN:-5000}
source bench/lib.sh
start_kizuna "$KIZUNA" --slowlog-log-slower-than "$SLOWER_THAN" --slowlog-max-len 1000
trap stop_servers EXIT
redis-cli -p "$KIZUNA_PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
"${BENCH_PIN[@]}" redis-benchmark -p "$KIZUNA_PORT" -c 20 -n "$CUSTOMERS" -P 16 -r 100000000 \
  -q EVENT cust:__rand_int__ view >/dev/null
/usr/bin/python3 - "$KIZUNA_PORT" "$SLOWER_THAN" <<'PY'
import sys
import redis
r = redis.Redis(port=int(sys.argv[1]))
durations = sorted((e["duration"] for e in r.slowlog_get(1000)), reverse=True)
print(f"customers {r.dbsize()}, EVENTs over {sys.argv[2]} µs: {len(durations)}")
print("µs:", " ".join(str(d) for d in durations))
PY
