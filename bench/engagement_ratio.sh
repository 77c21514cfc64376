#!/bin/bash
# Issue 5's EVENT target: throughput with 10 badges, 10 segments and 10 triggers defined
# >= 0.8x of EVENT with none, in the same run. Runs BM_Event of each engagement_bench binary
# given (e.g. a copy built before a change, then the current one), alternating binaries round
# by round, with repetitions of both arguments randomly interleaved so that load from other
# processes hits both alike. Prints CPU ns per EVENT (median and min over the repetitions) and
# the ratio none / 10/10/10 for each binary and round.
#
#   bench/engagement_ratio.sh [rounds] [repetitions] build/bench/engagement_bench [other ...]
set -euo pipefail
rounds=${1:-2}
reps=${2:-10}
shift 2
[[ $# -ge 1 ]] || { echo "usage: $0 rounds repetitions engagement_bench..." >&2; exit 2; }

printf '%-5s %-40s %9s %9s %9s %9s %7s %7s\n' round binary none_med none_min ten_med ten_min \
  r_med r_min
for ((round = 1; round <= rounds; round++)); do
  for bin in "$@"; do
    "$bin" --benchmark_filter='BM_Event/' --benchmark_repetitions="$reps" \
      --benchmark_enable_random_interleaving=true --benchmark_format=json 2>/dev/null |
      python3 -c '
import json, statistics, sys
runs = [b for b in json.load(sys.stdin)["benchmarks"] if b.get("run_type") == "iteration"]
ns = {a: sorted(b["cpu_time"] for b in runs if b["name"].endswith(":" + a)) for a in ("0", "10")}
med = {a: statistics.median(v) for a, v in ns.items()}
low = {a: v[0] for a, v in ns.items()}
print("%-5s %-40s %9.0f %9.0f %9.0f %9.0f %7.2f %7.2f" % (sys.argv[1], sys.argv[2][-40:],
      med["0"], low["0"], med["10"], low["10"], med["0"] / med["10"], low["0"] / low["10"]))
' "$round" "$bin"
  done
done
