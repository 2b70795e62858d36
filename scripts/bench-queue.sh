#!/usr/bin/env bash
# Outbound queue throughput to a local aiosmtpd sink over loopback, with connection reuse
# (scripts/bench_queue.py says how it is measured). Builds hato in release mode first, unless
# HATO names a binary to measure instead.
#   scripts/bench-queue.sh [N]                      (default 2000 messages of about 2 KB)
#   HATO=.build/debug/hato scripts/bench-queue.sh 1000
# Figures and how to read them: docs/PERFORMANCE.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
echo "cpus: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ -z "${HATO:-}" ]]; then
    swift build -c release --product hato >/dev/null
    HATO="$root/.build/release/hato"
fi
python3 scripts/bench_queue.py "$HATO" "${1:-2000}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
