#!/usr/bin/env bash
# Passes when PrefetchProbe (prefetch_probe.cc) in the object file $1 still prefetches the
# customer table's hash slots: its control bytes and its slots.
set -euo pipefail
found=$(objdump -d --no-show-raw-insn -C "$1" |
  awk '/<kizuna::store::PrefetchProbe\(/ {on = 1; next} on && /^$/ {exit} on' |
  grep -c prefetch || true)
if [ "$found" -lt 2 ]; then
  echo "PrefetchProbe has $found prefetch instructions, expected at least 2: the compiler" \
    "deleted CustomerTable::Prefetch (see -fno-ipa-modref in CMakeLists.txt)" >&2
  exit 1
fi
echo "PrefetchProbe keeps $found prefetch instructions"
