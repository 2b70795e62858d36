#!/usr/bin/env bash
# IMAP load (issues 6 and 24): the same workloads against Hato and against Dovecot from Debian,
# both on loopback in the same run, then the memory per idle connection with N sessions in IDLE
# on each. Prints every result and the ratios. See docs/PERFORMANCE.md. The profiles
# (scripts/bench-imap.py --profile):
#   mix         C clients doing a weighted mix of SELECT, FETCH 1:* FLAGS, FETCH bodies, STORE,
#               APPEND, SEARCH, EXPUNGE, IDLE for T seconds (one mailbox each, MESSAGES messages)
#   persistent  C clients that stay logged in, looping SELECT, FETCH 1:* FLAGS, FETCH a body,
#               STORE, EXPUNGE, APPEND over 2C mailboxes (scripts/bench_imap_sessions.py:
#               messages of 1-80 KB, median 5 KB, 70% text/plain, 20% multipart/alternative,
#               10% with a base64 attachment)
#   churn       the persistent loop with LOGIN and LOGOUT around every round
#
#   scripts/bench-imap.sh                          # C=8 T=30 N=5000, builds the release binary if needed
#   scripts/bench-imap.sh --quick                  # before a change: persistent and mix, C=4 T=10, no idle step
#   C=16 T=60 N=1000 PROFILES="persistent" scripts/bench-imap.sh
#   HATO_BIN=/path/to/hato scripts/bench-imap.sh
#   HATO_BIN_BEFORE=/path/to/older/hato scripts/bench-imap.sh   # two Hato builds and Dovecot in one run
#   SKIP_DOVECOT=1 scripts/bench-imap.sh           # Hato only
#   WEIGHTS=search=1 PROFILES=mix scripts/bench-imap.sh   # the mix with other weights (here SEARCH alone)
#   KEEP=1 scripts/bench-imap.sh                   # keep the data, logs and results.jsonl
#   CLIENT=imaplib scripts/bench-imap.sh           # Python's imaplib as the client (every figure before
#                   2026-12-07's "cheaper load generator"); default: scripts/bench_imap_wire.py
# Each profile prints the clients' own CPU per operation too: on a two-core machine the load
# generator shares the cores with the server, and a costly one caps both servers alike.
# Every profile also reports the server's CPU time per operation over the timed window (the
# process and its children, scripts/proc_tree_cpu.py; "cpu/op" in the ratios), and the mix's
# ops/s leaves out its scripted IDLE pauses (both servers sleep them alike).
#   FSYNC=1 PROFILES=persistent scripts/bench-imap.sh  # also count each server's fsync/fdatasync
#                   calls per round of the persistent and churn loops (strace attached to the
#                   server and its children; it slows both servers, so take ops/s from a run
#                   without it)
#
# Needs python3 (standard library only); Dovecot (apt-get install -y dovecot-imapd) and root for
# the private Dovecot instance (scripts/dovecot-peer.sh: own config, state and Maildirs under a
# temporary folder; the system instance is not touched). Run it on a real disk ($TMPDIR,
# default /tmp), never on tmpfs: both servers fsync.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${1:-}" = "--quick" ]; then
    C="${C:-4}"; T="${T:-10}"; N="${N:-0}"; MESSAGES="${MESSAGES:-100}"; PROFILES="${PROFILES:-persistent mix}"
fi
C="${C:-8}"
T="${T:-30}"
N="${N:-5000}"
MESSAGES="${MESSAGES:-200}"
PROFILES="${PROFILES:-persistent churn mix}"
user="bench@bench.invalid"
password="a long enough password"
work="$(mktemp -d "${TMPDIR:-/tmp}/hato-bench-imap.XXXXXX")"
chmod 755 "$work"
pids=()
strace_pids=()
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
echo "profiles: $PROFILES; C=$C clients for T=$T s, $MESSAGES messages per mailbox; idle: N=$N sessions; fd limit $(ulimit -n)"

hato="${HATO_BIN:-}"
hato_before="${HATO_BIN_BEFORE:-}"
# hato reads HATO_* variables as configuration overrides and refuses unknown ones.
unset HATO_BIN HATO_BIN_BEFORE
if [ -z "$hato" ]; then
    (cd "$root" && swift build -c release --product hato >/dev/null)
    hato="$root/.build/release/hato"
fi

# FSYNC=1: every fsync and fdatasync of the server (all its threads and the processes it
# forks from now on), with wall-clock times and file names, to count them per round.
trace_flushes() {  # label pid
    [ -n "${FSYNC:-}" ] || return 0
    strace -f -ttt -y -e trace=fsync,fdatasync -o "$work/$1.fsync" -p "$2" 2>/dev/null &
    strace_pids+=($!)
    pids+=($!)
    sleep 1
}

run_server() {  # label port pid
    local label="$1" port="$2" pid="$3" profile
    for profile in $PROFILES; do
        echo "== $label: $profile"
        python3 "$root/scripts/bench-imap.py" --port "$port" --user "$user" --password "$password" --profile "$profile" \
            --clients "$C" --seconds "$T" --messages "$MESSAGES" --label "$label" --json "$work/results.jsonl" \
            --server-pid "$pid" ${WEIGHTS:+--weights "$WEIGHTS"} ${CLIENT:+--client "$CLIENT"}
    done
    [ "$N" -gt 0 ] || return 0
    echo "== $label: $N idle sessions"
    python3 "$root/scripts/bench-imap.py" --port "$port" --user "$user" --password "$password" \
        --idle-sessions "$N" --server-pid "$pid" --label "$label" --json "$work/results.jsonl"
}

# --- Hato ---------------------------------------------------------------------------------
run_hato() {  # label binary
    local label="$1" bin="$2" port
    port="$(free_port)"
    cat > "$work/$label.toml" <<EOF
hostname = "imap.bench.invalid"
data_dir = "$work/$label-data"
[listen]
imap = ["127.0.0.1:$port"]
[limits]
max_connections_per_ip = 100000
imap_sessions_per_user = 100000
[log]
level = "warning"
EOF
    # Thousands of logins a second from one address would be throttled (docs/configuration.md
    # [auth]); builds from before auth.benchmark_throttle_exempt do not know the key.
    if grep -q benchmark_throttle_exempt "$bin"; then
        printf '[auth]\nbenchmark_throttle_exempt = ["127.0.0.1"]\n' >> "$work/$label.toml"
    fi
    "$bin" domain add bench.invalid --config "$work/$label.toml" >/dev/null
    echo "$password" | "$bin" account add "$user" --password-stdin --config "$work/$label.toml" >/dev/null
    "$bin" serve --config "$work/$label.toml" > "$work/$label.log" 2>&1 &
    local pid=$!
    pids+=($pid)
    wait_port "$port"
    trace_flushes "$label" "$pid"
    run_server "$label" "$port" "$pid"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}
run_hato hato "$hato"
if [ -n "$hato_before" ]; then run_hato hato-before "$hato_before"; fi

# --- Dovecot -------------------------------------------------------------------------------
if [ -n "${SKIP_DOVECOT:-}" ] || ! command -v dovecot >/dev/null || [ "$(id -u)" != 0 ]; then
    echo "== dovecot: skipped (needs Debian's dovecot-imapd and root)"
else
    dovecot --version | sed 's/^/dovecot /'
    dc_port="$(free_port)"
    dc_pid="$("$root/scripts/dovecot-peer.sh" start "$work/dovecot" "$dc_port" "$user" "$password")"
    wait_port "$dc_port"
    trace_flushes dovecot "$dc_pid"
    run_server dovecot "$dc_port" "$dc_pid"
    [ -z "${FSYNC:-}" ] || "$root/scripts/dovecot-peer.sh" stop "$work/dovecot" 2>/dev/null || true
fi
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${FSYNC:-}" ]; then
    sleep 1
    for p in "${strace_pids[@]}"; do kill -INT "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    python3 - "$work" "$root/scripts/bench_fsync_count.py" <<'EOF'
import json, subprocess, sys
work, counter = sys.argv[1], sys.argv[2]
for line in open(work + "/results.jsonl"):
    r = json.loads(line)
    if "window" not in r:
        continue
    rounds = r["operations"]["append"]["count"]
    subprocess.run([sys.executable, counter, "%s/%s.fsync" % (work, r["label"]), "--start", str(r["window"][0]),
                    "--end", str(r["window"][1]), "--rounds", str(rounds), "--strip", work + "/",
                    "--label", "%s %s" % (r["label"], r["profile"])], check=False)
EOF
fi

# RESULTS=FILE: every result line is also appended there (scripts/bench-imap-ops.sh reads it).
if [ -n "${RESULTS:-}" ]; then cat "$work/results.jsonl" >> "$RESULTS"; fi

# --- ratios --------------------------------------------------------------------------------
python3 - "$work/results.jsonl" <<'EOF'
import json, sys
runs, idle = {}, {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "idle_sessions" in r:
        idle[r["label"]] = r
    else:
        runs.setdefault(r.get("profile", "mix"), {})[r["label"]] = r
for profile, by_label in runs.items():
    if "dovecot" not in by_label:
        continue
    d = by_label["dovecot"]["operations"]
    for label in [l for l in by_label if l != "dovecot"]:
        h = by_label[label]["operations"]
        print("\n== %s / dovecot, profile %s" % (label, profile))
        print("%-12s %12s %12s %8s %12s %12s" % ("operation", label + " ops/s", "dovecot", "ratio", "p99 ms", "dovecot"))
        for name in h:
            ratio = h[name]["ops_per_second"] / d[name]["ops_per_second"] if d[name]["ops_per_second"] else float("nan")
            print("%-12s %12.1f %12.1f %8.2f %12.2f %12.2f" % (name, h[name]["ops_per_second"], d[name]["ops_per_second"],
                                                            ratio, h[name]["p99_ms"], d[name]["p99_ms"]))
        # dovecot / hato server CPU per operation: the engines' own speed ratio.
        hc, dc = by_label[label].get("server_cpu_ms_per_operation"), by_label["dovecot"].get("server_cpu_ms_per_operation")
        if hc and dc:
            print("%-12s %12.3f %12.3f %8.2f   (server CPU ms per operation; ratio = dovecot / %s)" % ("cpu/op", hc, dc, dc / hc, label))
for label in [l for l in idle if l != "dovecot"]:
    if "dovecot" in idle and "kib_per_session" in idle[label]:
        print("memory per idle session: %s %.1f KiB, dovecot %.1f KiB (PSS)" % (
            label, idle[label]["kib_per_session"], idle["dovecot"]["kib_per_session"]))
EOF
