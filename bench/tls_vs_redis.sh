#!/usr/bin/env bash
# PING_MBULK through the plain port and through the TLS port, side by side with redis-server in
# the same run; optionally also a baseline kizuna binary (e.g. main before the TLS change) on
# the plain port, to show that the plain path did not get slower.
#
#   bench/tls_vs_redis.sh [kizuna-server] [baseline kizuna-server|""] [rounds]
#
# 50 clients, -P 16 (4,000,000 requests) and -P 1 (300,000 requests). TLS: a CA, a server and
# a client certificate made with the openssl CLI; both servers require the client certificate
# (tls-auth-clients yes) and redis-benchmark runs with --tls --cacert --cert --key. Within a
# round the order of the servers rotates. Columns: ops/s, p50/p99 latency (ms), server CPU µs
# per request (utime+stime from /proc/PID/stat before and after).
# PIPELINES="16" runs only -P 16; PLAIN_ONLY=1 skips the TLS rows (for a longer before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
BASELINE=${2:-}
ROUNDS=${3:-3}
PIPELINES=${PIPELINES:-16 1}
PLAIN_ONLY=${PLAIN_ONLY:-0}
source bench/lib.sh

[ -x "$KIZUNA" ] || { echo "no kizuna-server at $KIZUNA (build it first)" >&2; exit 1; }

CERTS=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf "$CERTS" "${DIRS[@]}"
  return 0
}
DIRS=()
trap cleanup EXIT

ossl() { openssl "$@" >/dev/null 2>&1; }
ec_key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
ossl req -x509 "${ec_key[@]}" -keyout "$CERTS/ca.key" -out "$CERTS/ca.crt" -days 2 -subj /CN=bench-ca
for who in server client; do
  ossl req "${ec_key[@]}" -keyout "$CERTS/$who.key" -out "$CERTS/$who.csr" -subj "/CN=$who"
  echo "subjectAltName=IP:127.0.0.1" >"$CERTS/$who.ext"
  ossl x509 -req -in "$CERTS/$who.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" \
    -CAcreateserial -out "$CERTS/$who.crt" -days 2 -extfile "$CERTS/$who.ext"
done
server_tls() {  # the flags are spelled the same for both servers
  echo --tls-port "$1" --tls-cert-file "$CERTS/server.crt" --tls-key-file "$CERTS/server.key" \
    --tls-ca-cert-file "$CERTS/ca.crt"
}
CLIENT_TLS=(--tls --cacert "$CERTS/ca.crt" --cert "$CERTS/client.crt" --key "$CERTS/client.key")

R_TLS=$(free_port)
# shellcheck disable=SC2046
start_redis $(server_tls "$R_TLS")
R_PID=$REDIS_PID R_PORT=$REDIS_PORT
PIDS+=("$R_PID") DIRS+=("$REDIS_DIR")
K_TLS=$(free_port)
# shellcheck disable=SC2046
start_kizuna "$KIZUNA" $(server_tls "$K_TLS")
K_PID=$KIZUNA_PID K_PORT=$KIZUNA_PORT
PIDS+=("$K_PID") DIRS+=("$KIZUNA_DIR")
if [ -n "$BASELINE" ]; then
  start_kizuna "$BASELINE"
  B_PID=$KIZUNA_PID B_PORT=$KIZUNA_PORT
  PIDS+=("$B_PID") DIRS+=("$KIZUNA_DIR")
fi

echo "redis: $(redis-server --version | cut -d' ' -f3)  kizuna: $("$KIZUNA" --version)  \
clients: 50  cores: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-10s %-3s %-6s %-16s %12s %6s %6s %7s\n" test P port server ops/s p50 p99 cpu_us
row() {  # label P port-kind PID PORT REQUESTS [client args...]
  local label=$1 p=$2 kind=$3 pid=$4 port=$5 n=$6; shift 6
  IFS=, read -r rps p50 p99 cpu <<<"$(measured_run "$pid" "$port" "$n" "$p" -t ping_mbulk "$@")"
  printf "%-10s %-3s %-6s %-16s %12s %6s %6s %7s\n" ping_mbulk "$p" "$kind" "$label" "$rps" \
    "$p50" "$p99" "$cpu"
}
for round in $(seq "$ROUNDS"); do
  for P in $PIPELINES; do
    n=$((P == 1 ? 300000 : 4000000))
    plain=("redis-server $R_PID $R_PORT" "kizuna $K_PID $K_PORT")
    [ -n "$BASELINE" ] && plain+=("kizuna-baseline $B_PID $B_PORT")
    tls=("redis-server $R_PID $R_TLS" "kizuna $K_PID $K_TLS")
    # Rotate who goes first, so no server always gets the warm or the cold slot.
    for ((i = 0; i < ${#plain[@]}; i++)); do
      read -r label pid port <<<"${plain[$(((i + round) % ${#plain[@]}))]}"
      row "$label" "$P" plain "$pid" "$port" "$n"
    done
    [ "$PLAIN_ONLY" = 1 ] && continue
    for ((i = 0; i < ${#tls[@]}; i++)); do
      read -r label pid port <<<"${tls[$(((i + round) % ${#tls[@]}))]}"
      row "$label" "$P" tls "$pid" "$port" "$n" "${CLIENT_TLS[@]}"
    done
  done
done
