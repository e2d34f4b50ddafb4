#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine (run as root; idempotent): install everything, start berthd in the
# background, import the local busybox image, run a container that serves HTTP, and show how to use it.
set -euo pipefail
# Everything here needs root (mounts, namespaces, nftables, apt-get): re-run through sudo when started as a user.
if [ "$(id -u)" -ne 0 ]; then exec sudo --preserve-env=PATH bash "$0" "$@"; fi
repo=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$repo"
bash scripts/install-deps.sh

DATA_ROOT=${BERTH_DATA_ROOT:-/var/lib/berth}
SOCK=${BERTH_SOCK:-/run/berth/berth.sock}
LOG=${BERTH_LOG:-/var/log/berthd.log}
export DOCKER_HOST="unix://$SOCK"
berth="$repo/bin/berth"

ping_daemon() { curl -sf --unix-socket "$SOCK" http://berth/_ping >/dev/null 2>&1; }
if ! ping_daemon; then
  echo "starting berthd (data root $DATA_ROOT, socket $SOCK, log $LOG)"
  mkdir -p "$(dirname "$SOCK")"
  nohup "$repo/bin/berthd" --data-root "$DATA_ROOT" --host "unix://$SOCK" --pidfile /run/berth/berthd.pid >>"$LOG" 2>&1 &
  for _ in $(seq 1 100); do ping_daemon && break; sleep 0.1; done
  ping_daemon || { echo "berthd did not start; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1; }
fi

if ! "$berth" image inspect busybox:latest >/dev/null 2>&1; then
  cache="$DATA_ROOT/cache"
  mkdir -p "$cache"
  bash scripts/make-busybox-tar.sh "$cache/busybox.tar"
  "$berth" import --change 'CMD ["sh"]' "$cache/busybox.tar" busybox:latest
fi

"$berth" run --rm busybox echo "hello from a Berth container"
if [ -z "$("$berth" ps -q --filter name=^berth-hello$)" ]; then
  "$berth" rm -f berth-hello >/dev/null 2>&1 || true
  "$berth" run -d --name berth-hello --network host busybox \
    sh -c 'mkdir -p /www && echo "<h1>Hello from Berth</h1>" > /www/index.html && exec httpd -f -p 127.0.0.1:8088 -h /www' >/dev/null
  sleep 0.5
fi
echo "--- curl http://127.0.0.1:8088/ (served by container berth-hello):"
curl -s http://127.0.0.1:8088/ || true
"$berth" ps
cat <<USAGE

Berth is running. Use it with the berth CLI or with the real docker CLI:
  $berth ps                      # berth CLI (reads BERTH_HOST, then DOCKER_HOST)
  export DOCKER_HOST=$DOCKER_HOST
  docker run --rm -it busybox sh        # the docker CLI, unchanged
Stop the daemon with: kill \$(cat /run/berth/berthd.pid)   (containers keep running)
USAGE
