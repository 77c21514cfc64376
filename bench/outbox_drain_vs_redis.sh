#!/usr/bin/env bash
# A mail sender draining the outbox: XREADGROUP COUNT 100 then XACK of those 100, until empty,
# against kizuna's outbox and a redis-server stream holding the same entries (same fields),
# in the same run. Prints entries/s for each and the ratio, plus server CPU µs per entry (drain
# only; filling is done before). One redis-py client: its own parsing is part of the figure.
#   bench/outbox_drain_vs_redis.sh build/server/kizuna-server [entries] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
BIN=${1:?kizuna-server binary}; N=${2:-200000}; ROUNDS=${3:-3}
trap stop_servers EXIT

drain() {  # port fill-command phase(fill|drain) -> "seconds" for the drain phase
  /usr/bin/python3 - "$1" "$2" "$N" "$3" <<'PY'
import sys, time
import redis
port, fill, n, phase = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
r = redis.Redis(port=port)
fields = ["type", "trigger", "name", "welcome", "customer", "cust:100000001",
          "message", "welcome_mail", "due", "1700000000000", "fired", "1700000000000",
          "late", "0"]
if phase == "fill":
    pipe = r.pipeline(transaction=False)
    for i in range(n):
        if fill == "xadd":
            pipe.execute_command("XADD", "outbox", "*", *fields)
        else:
            pipe.execute_command("DEBUG", "OUTBOX.ADD", *fields)
        if i % 10000 == 9999:
            pipe.execute()
    pipe.execute()
    r.execute_command("XGROUP", "CREATE", "outbox", "senders", "0")
    sys.exit(0)
start = time.perf_counter()
done = 0
while True:
    reply = r.execute_command("XREADGROUP", "GROUP", "senders", "s1", "COUNT", 100,
                              "STREAMS", "outbox", ">")
    if not reply:
        break
    ids = [entry[0] for entry in reply[0][1]]
    if not ids:
        break
    done += r.execute_command("XACK", "outbox", "senders", *ids)
elapsed = time.perf_counter() - start
assert done == n, (done, n)
print(f"{elapsed:.6f}")
PY
}

printf "%-6s %12s %12s %8s %10s %10s\n" round redis_ent/s kizuna_ent/s ratio r_cpu_us k_cpu_us
for round in $(seq "$ROUNDS"); do
  start_redis
  drain "$REDIS_PORT" xadd fill
  c0=$(cpu_seconds "$REDIS_PID"); rs=$(drain "$REDIS_PORT" xadd drain); c1=$(cpu_seconds "$REDIS_PID")
  stop_servers; REDIS_PID=
  start_kizuna "$BIN" --enable-debug-command yes --outbox-maxlen "$N"
  drain "$KIZUNA_PORT" debug fill
  k0=$(cpu_seconds "$KIZUNA_PID"); ks=$(drain "$KIZUNA_PORT" debug drain); k1=$(cpu_seconds "$KIZUNA_PID")
  stop_servers; KIZUNA_PID=
  awk -v n="$N" -v rs="$rs" -v ks="$ks" -v rc="$(echo "$c1 - $c0" | bc)" -v kc="$(echo "$k1 - $k0" | bc)" \
      -v round="$round" 'BEGIN { printf "%-6s %12.0f %12.0f %8.2f %10.2f %10.2f\n", round, n/rs, n/ks, rs/ks, rc*1e6/n, kc*1e6/n }'
done
