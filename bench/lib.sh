# Shared helpers for the side-by-side benchmark scripts (sourced, not run).
# Starts servers on free loopback ports, runs redis-benchmark in CSV mode, prints rows.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_ping() { for _ in $(seq 200); do redis-cli -p "$1" PING >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "server on $1 did not start" >&2; return 1; }

# Optional CPU pinning, e.g. SERVER_CPUS=1 BENCH_CPUS=0: servers on one set of cores,
# redis-benchmark on another. Unset: no pinning. (taskset execs the server, so $! stays the
# server's pid for the CPU accounting.)
SERVER_PIN=(); [ -n "${SERVER_CPUS:-}" ] && SERVER_PIN=(taskset -c "$SERVER_CPUS")
BENCH_PIN=(); [ -n "${BENCH_CPUS:-}" ] && BENCH_PIN=(taskset -c "$BENCH_CPUS")

start_redis() {  # extra args go to redis-server
  REDIS_PORT=$(free_port)
  REDIS_DIR=$(mktemp -d)
  "${SERVER_PIN[@]}" redis-server --port "$REDIS_PORT" --save '' --appendonly no --dir "$REDIS_DIR" "$@" >/dev/null &
  REDIS_PID=$!
  wait_ping "$REDIS_PORT"
}

# KIZUNA_FLAGS (e.g. "--busy-poll 0") are added to every kizuna-server a script starts, after
# its own flags, so an A/B of a setting needs no script change.
read -r -a EXTRA_KIZUNA_FLAGS <<<"${KIZUNA_FLAGS:-}"

# Like start_redis: no append-only log and no automatic snapshots (kizuna's default `save`
# would fork a BGSAVE child every minute of a long run, on the benchmark's cores), unless the
# flags say otherwise.
start_kizuna() {  # $1 = binary, rest = flags
  local bin=$1; shift
  KIZUNA_PORT=$(free_port)
  KIZUNA_DIR=$(mktemp -d)
  "${SERVER_PIN[@]}" "$bin" --port "$KIZUNA_PORT" --dir "$KIZUNA_DIR" --appendonly no --save '' "$@" \
    "${EXTRA_KIZUNA_FLAGS[@]}" >"$KIZUNA_DIR/log" 2>&1 &
  KIZUNA_PID=$!
  wait_ping "$KIZUNA_PORT"
}

stop_servers() {
  [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
  [ -n "${KIZUNA_PID:-}" ] && kill "$KIZUNA_PID" 2>/dev/null && wait "$KIZUNA_PID" 2>/dev/null
  rm -rf "${REDIS_DIR:-}" "${KIZUNA_DIR:-}"
  return 0
}

# bench_csv PORT REQUESTS PIPELINE [redis-benchmark args...] -> "rps,p50,p99" (CLIENTS clients, 50
# unless set)
bench_csv() {
  local port=$1 n=$2 p=$3; shift 3
  "${BENCH_PIN[@]}" redis-benchmark -p "$port" -c "${CLIENTS:-50}" -n "$n" -P "$p" --csv "$@" 2>/dev/null |
    awk -F, 'NR==2 {gsub(/"/,""); print $2","$5","$7}'
}

# CPU seconds (user+system) a process has used, from /proc/PID/stat.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14+$15)/hz}' "/proc/$1/stat"; }

# Waits until process PID has used no CPU for 100 ms (at most 10 s): work a server does after
# a run (kizuna puts memory on huge pages when idle, store/huge_pages.h) is charged to that
# run, and does not take the CPU from the next one.
wait_quiet() {
  local last now
  last=$(cpu_seconds "$1")
  for _ in $(seq 100); do
    sleep 0.1
    now=$(cpu_seconds "$1")
    [ "$now" = "$last" ] && return 0
    last=$now
  done
}

# measured_run PID PORT REQUESTS PIPELINE [args...] -> "rps,p50,p99,server_cpu_us_per_op"
# (the CPU includes what the server did right after the run, until it went quiet)
measured_run() {
  local pid=$1 port=$2 n=$3; shift 2
  local before after csv
  before=$(cpu_seconds "$pid")
  csv=$(bench_csv "$port" "$@")
  wait_quiet "$pid"
  after=$(cpu_seconds "$pid")
  echo "$csv,$(echo "($after - $before) * 1000000 / $n" | bc -l | xargs printf '%.2f')"
}

# summarize_rounds ROW... (rows of measured_run, each of the same request count) -> one row:
# requests ÷ total time, mean p50, mean p99, mean CPU per request.
summarize_rounds() {
  printf "%s\n" "$@" | awk -F, '{t += 1 / $1; p50 += $2; p99 += $3; cpu += $4}
    END {printf "%.2f,%.3f,%.3f,%.2f\n", NR / t, p50 / NR, p99 / NR, cpu / NR}'
}

# measured_pair ORDER PID_A PORT_A PID_B PORT_B REQUESTS PIPELINE [args...] -> "row_a row_b"
# The same load against two servers, A first when ORDER is even, else B first (callers flip
# ORDER between rounds so that neither always runs on a warm machine).
measured_pair() {
  local order=$1 pid_a=$2 port_a=$3 pid_b=$4 port_b=$5 a b
  shift 5
  if [ $((order % 2)) = 0 ]; then
    a=$(measured_run "$pid_a" "$port_a" "$@")
    b=$(measured_run "$pid_b" "$port_b" "$@")
  else
    b=$(measured_run "$pid_b" "$port_b" "$@")
    a=$(measured_run "$pid_a" "$port_a" "$@")
  fi
  echo "$a $b"
}

print_header() {  # [extra column title]
  printf "%-12s %-3s %12s %12s %6s %6s %6s %6s %8s %8s %6s %s\n" test P redis_ops/s kizuna_ops/s \
    r_p50 k_p50 r_p99 k_p99 r_cpu_us k_cpu_us ratio "${1:-}"
}

print_row() {  # test P redis_row kizuna_row [extra column] (rows from measured_run)
  local test=$1 p=$2
  IFS=, read -r rr rp50 rp99 rcpu <<<"$3"
  IFS=, read -r kr kp50 kp99 kcpu <<<"$4"
  printf "%-12s %-3s %12s %12s %6s %6s %6s %6s %8s %8s %6.2f %s\n" "$test" "$p" "$rr" "$kr" "$rp50" \
    "$kp50" "$rp99" "$kp99" "$rcpu" "$kcpu" "$(echo "$kr / $rr" | bc -l)" "${5:-}"
}
