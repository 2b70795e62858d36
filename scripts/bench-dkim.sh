#!/usr/bin/env bash
# Runs the DKIM benchmark (Benchmarks/, ordo-one/benchmark): signatures and verifications per
# second on a 20 KB message for rsa-2048 and ed25519, next to the bare signature algorithms and
# SHA-256 in the same run. Extra arguments go to `swift package benchmark`, e.g.
#   scripts/bench-dkim.sh --filter '.*ed25519.*'
#   scripts/bench-dkim.sh --format markdown
# Run it on a quiet machine: the load average is printed first. See docs/PERFORMANCE.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

echo "== machine"
echo "cpus: $(nproc)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
swift --version 2>&1 | head -1
echo

cd "$root/Benchmarks"
exec swift package --disable-sandbox benchmark --target DKIMBenchmarks --no-progress "$@"
