#!/bin/bash
# Issue 5's EVENT ratio (none ÷ 10 badges, 10 segments, 10 triggers) made robust to a shared
# machine: BM_Event of each engagement_bench binary given, each argument in its own short run,
# binaries and arguments alternating, N times; the fastest run of each is kept (interference
# from other processes only ever adds time). Prints the minima and their ratio per binary.
#
#   bench/engagement_ratio_min.sh [runs] build/bench/engagement_bench [other ...]
# KIZUNA_HUGE_PAGES=no runs them with the store's huge pages off.
set -euo pipefail
runs=${1:-12}
shift
[[ $# -ge 1 ]] || { echo "usage: $0 runs engagement_bench..." >&2; exit 2; }
declare -A best
for ((i = 0; i < runs; i++)); do
  for bin in "$@"; do
    for arg in 0 10; do
      ns=$("$bin" --benchmark_filter="BM_Event/definitions:$arg\$" --benchmark_min_time=0.3 \
        --benchmark_format=csv 2>/dev/null | tail -1 | cut -d, -f4)
      key="$bin:$arg"
      if [[ -z "${best[$key]:-}" ]] || (($(echo "$ns < ${best[$key]}" | bc))); then
        best[$key]=$ns
      fi
    done
  done
done
printf '%9s %9s %7s  %s\n' none_min ten_min ratio binary
for bin in "$@"; do
  printf '%9.0f %9.0f %7.3f  %s\n' "${best[$bin:0]}" "${best[$bin:10]}" \
    "$(echo "${best[$bin:0]} / ${best[$bin:10]}" | bc -l)" "$bin"
done
