#!/usr/bin/env bash
# Memory under many large messages at once (issue #24 "DATA streams to disk"): C connections
# each send one SIZE-byte message at the same moment; prints the server's peak RSS. With the
# spool (limits.spool_threshold) and the processing bound (limits.processing_memory) it stays
# near the processing bound whatever C is; see docs/PERFORMANCE.md.
#
#   scripts/bench-spool.sh                      # C=200 SIZE=25000000, release binary
#   C=40 SIZE=5000000 scripts/bench-spool.sh --quick
#   HATO_BIN=.build/debug/hato scripts/bench-spool.sh
#   LIMITS='processing_memory = 33554432' scripts/bench-spool.sh   # extra [limits] lines
#
# Needs about C*SIZE*2 bytes of free disk under $TMPDIR (the spool, then the mailbox).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${1:-}" = "--quick" ]; then C="${C:-40}"; SIZE="${SIZE:-5000000}"; fi
C="${C:-200}"
SIZE="${SIZE:-25000000}"
work="$(mktemp -d "${TMPDIR:-/tmp}/hato-bench-spool.XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

hato="${HATO_BIN:-}"
unset HATO_BIN
if [ -z "$hato" ]; then
    (cd "$root" && swift build -c release --product hato >/dev/null)
    hato="$root/.build/release/hato"
fi
echo "== machine: cpus $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg); C=$C messages of $SIZE bytes at once; $hato"

dns_port="$(free_port)"
python3 "$root/scripts/bench_dns_nxdomain.py" "$dns_port" &
pids+=($!)
port="$(free_port)"
cat > "$work/hato.toml" <<TOML
hostname = "mx.bench.invalid"
data_dir = "$work/hato-data"
[listen]
smtp = ["127.0.0.1:$port"]
[limits]
max_connections_per_ip = $((C + 10))
max_message_size = $((SIZE + 1000000))
${LIMITS:-}
[dns]
servers = ["127.0.0.1:$dns_port"]
[log]
level = "warning"
TOML
"$hato" domain add bench.invalid --config "$work/hato.toml" >/dev/null
echo "a long enough password" | "$hato" account add rcpt@bench.invalid --password-stdin --config "$work/hato.toml" >/dev/null
"$hato" serve --config "$work/hato.toml" > "$work/hato.log" 2>&1 &
server=$!
pids+=($server)
for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break
    sleep 0.1
done
echo "idle RSS: $(awk '/VmRSS/{print int($2/1024)" MiB"}' /proc/$server/status)"
python3 "$root/scripts/bench_spool_load.py" --port "$port" --pid "$server" --recipient rcpt@bench.invalid -c "$C" --size "$SIZE"
echo "stored: $("$hato" mailbox list rcpt@bench.invalid --config "$work/hato.toml" 2>/dev/null | awk '$1=="INBOX"{print $3}')"
