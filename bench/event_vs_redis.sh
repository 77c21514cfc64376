#!/usr/bin/env bash
# EVENT throughput side by side with redis-server, same run, same redis-benchmark settings
# (50 clients, -r 1000000, -P 1 and -P 16):
#   event    kizuna  EVENT cust:__rand_int__ view          (issue's example rules loaded)
#   evalsha  redis   EVALSHA <redis-scoring.lua> 1 cust:__rand_int__ view   (../shared/bench)
#   hincrby  redis   HINCRBY cust:__rand_int__ product 3   (the cheapest Redis write)
# Columns as in compare_ping.sh; "ratio" = kizuna EVENT ops/s ÷ that redis row's ops/s, and
# k_cpu_us is kizuna's server CPU µs per EVENT (utime+stime from /proc/PID/stat).
# Each row runs kizuna's EVENTs and redis's command on servers in the same state, so that both
# sides do the same work: by default every row starts a fresh pair, both empty, and both
# create their customers as they go; with PRELOAD=N one pair serves every row, both having
# first done N untimed requests (kizuna N EVENTs, redis N EVALSHAs, which also create the
# hashes HINCRBY updates), so that they find their customers there, as a server in production
# does. Each row runs in ROUNDS rounds (4 unless set) that alternate the servers, k r r k or
# r k k r (see row below); FLIP=1 swaps every order.
#   bench/event_vs_redis.sh [path/to/kizuna-server] [requests at -P 16]
# AOF=everysec (or always) runs both servers with --appendonly yes --appendfsync $AOF.
# ONLY="hincrby/16 evalsha/1" runs just those rows (name/pipeline), for repeats of one row.
set -euo pipefail
cd "$(dirname "$0")/.."
KIZUNA=${1:-build/server/kizuna-server}
N=${2:-2000000}
LUA=${LUA:-/work/shared/bench/redis-scoring.lua}
[ -f "$LUA" ] || LUA=../shared/bench/redis-scoring.lua
source bench/lib.sh

PERSIST=()
[ -n "${AOF:-}" ] && PERSIST=(--appendonly yes --appendfsync "$AOF")
trap stop_servers EXIT

# Starts both servers with the rules (and the script: SHA), then the PRELOAD pass.
start_pair() {
  start_redis "${PERSIST[@]}"
  start_kizuna "$KIZUNA" "${PERSIST[@]}"
  redis-cli -p "$REDIS_PORT" HSET rules:view product 3 lifestyle 5 >/dev/null
  redis-cli -p "$REDIS_PORT" HSET rules:purchase product 8 lifestyle 1 lifestance 1 >/dev/null
  redis-cli -p "$REDIS_PORT" HSET rules:visit product 5 >/dev/null
  SHA=$(redis-cli -p "$REDIS_PORT" SCRIPT LOAD "$(cat "$LUA")")
  redis-cli -p "$KIZUNA_PORT" RULE.SET view ACTION view POINTS product 3 lifestyle 5 >/dev/null
  redis-cli -p "$KIZUNA_PORT" RULE.SET purchase ACTION purchase POINTS product 8 lifestyle 1 \
    lifestance 1 >/dev/null
  redis-cli -p "$KIZUNA_PORT" RULE.SET visit ACTION visit POINTS product 5 >/dev/null
  if [ "${PRELOAD:-0}" -gt 0 ]; then
    bench_csv "$KIZUNA_PORT" "$PRELOAD" 16 -r 1000000 EVENT cust:__rand_int__ view >/dev/null
    bench_csv "$REDIS_PORT" "$PRELOAD" 16 -r 1000000 EVALSHA "$SHA" 1 cust:__rand_int__ view \
      >/dev/null
  fi
}

ROW=0
# row NAME P REQUESTS redis-args...: kizuna's EVENTs against redis's command, on a fresh pair
# (or the preloaded one), in ROUNDS rounds of REQUESTS/ROUNDS each. The rounds alternate
# k r r k k r r k ... (r k k r ... in every other row, and with FLIP=1), so that each server runs
# first and second equally often, and right after the other as often: on this VM a server's
# speed drifts from one minute to the next and can drop for a while after the other server's
# run (bench/RESULTS.md), and a comparison must not hand that to one side. A row gives the
# request rate over the whole row (requests ÷ the sum of the rounds' times), the CPU per request
# over all rounds, and the mean of the rounds' p50s and p99s. In EVALSHA's arguments, the word
# after EVALSHA becomes the pair's SHA. VERBOSE=1 prints each round.
ROUNDS=${ROUNDS:-4}
row() {
  local name=$1 p=$2 n=$3 i csv ks=() rs=()
  shift 3
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name/$p "* ]]; then
    ROW=$((ROW + 1))
    return 0
  fi
  [ -n "${KIZUNA_PID:-}" ] || start_pair
  local args=("$@")
  [ "${args[0]}" = EVALSHA ] && args[1]=$SHA
  local per=$((n / ROUNDS))
  for i in $(seq 0 $((ROUNDS - 1))); do
    # ABBA: round i's first server is k when (ROW + FLIP + (i+1)/2) is even.
    if [ $(((ROW + ${FLIP:-0} + (i + 1) / 2) % 2)) = 0 ]; then
      ks+=("$(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" "$per" "$p" -r 1000000 EVENT cust:__rand_int__ view)")
      rs+=("$(measured_run "$REDIS_PID" "$REDIS_PORT" "$per" "$p" -r 1000000 "${args[@]}")")
      csv=k
    else
      rs+=("$(measured_run "$REDIS_PID" "$REDIS_PORT" "$per" "$p" -r 1000000 "${args[@]}")")
      ks+=("$(measured_run "$KIZUNA_PID" "$KIZUNA_PORT" "$per" "$p" -r 1000000 EVENT cust:__rand_int__ view)")
      csv=r
    fi
    [ -n "${VERBOSE:-}" ] && print_row "  round$i" "$p" "${rs[$i]}" "${ks[$i]}" "first $csv" >&2
  done
  local kn rn
  kn=$(redis-cli -p "$KIZUNA_PORT" DBSIZE)
  rn=$(redis-cli -p "$REDIS_PORT" DBSIZE)
  print_row "$name" "$p" "$(summarize_rounds "${rs[@]}")" "$(summarize_rounds "${ks[@]}")" "$kn/$rn"
  # redis-benchmark seeds its keys with time(NULL) ^ its pid, so two runs can draw the same
  # keys: then one server created fewer customers than the other, and the row compares
  # unlike work.
  if [ $(((kn > rn ? kn - rn : rn - kn) * 100 > rn)) = 1 ]; then
    echo "  ^ customer counts differ by over 1%: a round repeated another's keys; rerun the row" >&2
  fi
  if [ "${PRELOAD:-0}" = 0 ]; then
    stop_servers
    REDIS_PID= KIZUNA_PID=
  fi
  ROW=$((ROW + 1))
}

if [ "${PRELOAD:-0}" -gt 0 ]; then
  echo "state: one pair for every row, preloaded with $PRELOAD requests each"
else
  echo "state: a fresh pair for every row, both empty"
fi
print_header "customers k/r"
for P in 1 16; do
  n=$N; [ "$P" = 1 ] && n=$((N / 4))
  row evalsha "$P" "$n" EVALSHA SHA 1 cust:__rand_int__ view
  row hincrby "$P" "$n" HINCRBY cust:__rand_int__ product 3
done
