#!/usr/bin/env bash
# IMAP load (issue 6): the same mix (scripts/bench-imap.py: C clients doing SELECT, FETCH 1:*
# FLAGS, FETCH bodies, STORE, APPEND, SEARCH, EXPUNGE, IDLE for T seconds) against Hato and
# against Dovecot from Debian, both on loopback in the same run; then the memory per idle
# connection with N sessions in IDLE on each. Prints every result and the ratios.
# See docs/PERFORMANCE.md.
#
#   scripts/bench-imap.sh                          # C=8 T=30 N=5000, builds the release binary if needed
#   C=16 T=60 N=1000 scripts/bench-imap.sh
#   HATO_BIN=/path/to/hato scripts/bench-imap.sh
#   SKIP_DOVECOT=1 scripts/bench-imap.sh           # Hato only
#   KEEP=1 scripts/bench-imap.sh                   # keep the data, logs and results.jsonl
#
# Needs python3 (standard library only); Dovecot (apt-get install -y dovecot-imapd) and root for
# the private Dovecot instance (scripts/dovecot-peer.sh: own config, state and Maildirs under a
# temporary folder; the system instance is not touched). Run it on a real disk ($TMPDIR,
# default /tmp), never on tmpfs: both servers fsync.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
C="${C:-8}"
T="${T:-30}"
N="${N:-5000}"
MESSAGES="${MESSAGES:-200}"
user="bench@bench.invalid"
password="a long enough password"
work="$(mktemp -d "${TMPDIR:-/tmp}/hato-bench-imap.XXXXXX")"
chmod 755 "$work"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    "$root/scripts/dovecot-peer.sh" stop "$work/dovecot" 2>/dev/null || true
    if [ -z "${KEEP:-}" ]; then sleep 1; rm -rf "$work"; else echo "kept: $work"; fi
}
trap cleanup EXIT

# N idle sessions need N client sockets here and N on the server side.
ulimit -n "$(( N * 2 + 1024 > 65536 ? N * 2 + 1024 : 65536 ))" 2>/dev/null || ulimit -n "$(ulimit -Hn)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 200); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2
    return 1
}

echo "== machine"
echo "cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)  disk: $(findmnt -n -o FSTYPE --target "$work" 2>/dev/null || echo ?)"
echo "mix: C=$C clients for T=$T s, $MESSAGES messages per client mailbox; idle: N=$N sessions; fd limit $(ulimit -n)"

hato="${HATO_BIN:-}"
# hato reads HATO_* variables as configuration overrides and refuses unknown ones.
unset HATO_BIN
if [ -z "$hato" ]; then
    (cd "$root" && swift build -c release --product hato >/dev/null)
    hato="$root/.build/release/hato"
fi

run_server() {  # label port pid
    local label="$1" port="$2" pid="$3"
    echo "== $label: mix"
    python3 "$root/scripts/bench-imap.py" --port "$port" --user "$user" --password "$password" \
        --clients "$C" --seconds "$T" --messages "$MESSAGES" --label "$label" --json "$work/results.jsonl"
    echo "== $label: $N idle sessions"
    python3 "$root/scripts/bench-imap.py" --port "$port" --user "$user" --password "$password" \
        --idle-sessions "$N" --server-pid "$pid" --label "$label" --json "$work/results.jsonl"
}

# --- Hato ---------------------------------------------------------------------------------
hato_port="$(free_port)"
cat > "$work/hato.toml" <<EOF
hostname = "imap.bench.invalid"
data_dir = "$work/hato-data"
[listen]
imap = ["127.0.0.1:$hato_port"]
[limits]
max_connections_per_ip = 100000
imap_sessions_per_user = 100000
[log]
level = "warning"
EOF
"$hato" domain add bench.invalid --config "$work/hato.toml" >/dev/null
echo "$password" | "$hato" account add "$user" --password-stdin --config "$work/hato.toml" >/dev/null
"$hato" serve --config "$work/hato.toml" > "$work/hato.log" 2>&1 &
hato_pid=$!
pids+=($hato_pid)
wait_port "$hato_port"
run_server hato "$hato_port" "$hato_pid"
kill "$hato_pid"; wait "$hato_pid" 2>/dev/null || true

# --- Dovecot -------------------------------------------------------------------------------
if [ -n "${SKIP_DOVECOT:-}" ] || ! command -v dovecot >/dev/null || [ "$(id -u)" != 0 ]; then
    echo "== dovecot: skipped (needs Debian's dovecot-imapd and root)"
    exit 0
fi
dovecot --version | sed 's/^/dovecot /'
dc_port="$(free_port)"
dc_pid="$("$root/scripts/dovecot-peer.sh" start "$work/dovecot" "$dc_port" "$user" "$password")"
wait_port "$dc_port"
run_server dovecot "$dc_port" "$dc_pid"

# --- ratios --------------------------------------------------------------------------------
python3 - "$work/results.jsonl" <<'EOF'
import json, sys
mix, idle = {}, {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    (idle if "idle_sessions" in r else mix)[r["label"]] = r
print("\n== Hato / Dovecot")
if "hato" in mix and "dovecot" in mix:
    h, d = mix["hato"]["operations"], mix["dovecot"]["operations"]
    print("%-12s %12s %12s %8s %12s %12s" % ("operation", "hato ops/s", "dovecot", "ratio", "hato p99 ms", "dovecot"))
    for name in h:
        ratio = h[name]["ops_per_second"] / d[name]["ops_per_second"] if d[name]["ops_per_second"] else float("nan")
        print("%-12s %12.1f %12.1f %8.2f %12.2f %12.2f" % (name, h[name]["ops_per_second"], d[name]["ops_per_second"],
                                                        ratio, h[name]["p99_ms"], d[name]["p99_ms"]))
if "hato" in idle and "dovecot" in idle and "kib_per_session" in idle["hato"]:
    print("memory per idle session: hato %.1f KiB, dovecot %.1f KiB (PSS)" % (
        idle["hato"]["kib_per_session"], idle["dovecot"]["kib_per_session"]))
EOF
