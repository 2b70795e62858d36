#!/usr/bin/env bash
# Runs the mail store append benchmark (Benchmarks/, ordo-one/benchmark) and prints the machine
# it ran on. Extra arguments go to `swift package benchmark`, e.g.
#   scripts/bench-store.sh --filter '.*16 writers.*'
#   scripts/bench-store.sh --format markdown
# The store is created under $TMPDIR (default /tmp): point TMPDIR at the disk you want to
# measure, never at a tmpfs, where fsync costs nothing. See docs/PERFORMANCE.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
store_dir="${TMPDIR:-/tmp}"

echo "== machine"
echo "cpus: $(nproc)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
df -h "$store_dir" | sed 's/^/disk: /'
if command -v findmnt >/dev/null; then
    echo "store filesystem: $(findmnt -n -o FSTYPE --target "$store_dir")"
fi
swift --version 2>&1 | head -1
echo

cd "$root/Benchmarks"
exec swift package --disable-sandbox benchmark --target MailStoreBenchmarks --no-progress "$@"
