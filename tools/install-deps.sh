#!/usr/bin/env bash
# Installs the Debian packages kizuna needs to build, test and benchmark; skips apt when
# everything is already there. Run as root on Debian 12.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libboost-dev libabsl-dev libxxhash-dev
  libssl-dev openssl  # OpenSSL: ACL password hashes, the TLS port; the CLI makes test certificates
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  redis-server redis-tools libhiredis-dev
  python3 python3-redis python3-pytest
  prometheus  # promtool, to validate /metrics
  dpkg-dev file  # cpack's DEB generator: dpkg-shlibdeps, and `file` to find the binaries
  systemd groff-base  # systemd-analyze verify of the unit; groff checks the man page
  chromium fonts-dejavu-core  # headless browser test of the dashboard (test_dashboard.py)
)
# The Node client examples need node and npm; take Debian's only when none is installed
# (a node from elsewhere already brings its own npm, which Debian's npm would conflict with).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
