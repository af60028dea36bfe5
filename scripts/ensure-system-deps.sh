#!/usr/bin/env bash
# Install, through apt, what the test suites need and the machine lacks: PostgreSQL 15 (server
# binaries), Debian's Chromium and a CJK font for the browser tests.
set -euo pipefail
need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wqy" || need+=(fonts-wqy-microhei)
command -v runuser >/dev/null || need+=(util-linux)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "installing system packages: ${need[*]}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
