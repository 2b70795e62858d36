#!/usr/bin/env bash
# The shared PostgreSQL store against the embedded one (issue 25): SMTP into the mailbox
# (scripts/bench_smtp_load.py) and the IMAP mix (scripts/bench-imap.py --profile mix), each on
# one node with SQLite, one node on PostgreSQL and two nodes on one PostgreSQL (the load split
# evenly between the nodes). Then, per run, where the time went: CPU seconds of the hato
# processes and of PostgreSQL, and PostgreSQL's statements by total time (pg_stat_statements).
# See docs/PERFORMANCE.md "Shared PostgreSQL store".
#
#   scripts/bench-postgres.sh                          # N=3000 C=16, IC=8 T=60, builds the release binary if needed
#   MODES="sqlite pg1" N=1000 T=20 scripts/bench-postgres.sh
#   HATO_BIN=/path/to/hato scripts/bench-postgres.sh
#   KEEP=1 scripts/bench-postgres.sh                   # keep data, logs and results
#
# PostgreSQL runs durably (fsync on, synchronous_commit on) like SQLite, on loopback, in a
# private cluster under $TMPDIR (initdb as nobody when run as root). Needs Debian's
# postgresql-15, python3 with dnspython. The machine is shared: keep runs short.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${N:-3000}"; C="${C:-16}"; SIZE="${SIZE:-10240}"
IC="${IC:-8}"; T="${T:-60}"; MESSAGES="${MESSAGES:-100}"
MODES="${MODES:-sqlite pg1 pg2}"
pgbin=/usr/lib/postgresql/15/bin
user="bench@bench.invalid"; password="a long enough password"
work="$(mktemp -d "${TMPDIR:-/tmp}/hato-bench-pg.XXXXXX")"
chmod 755 "$work"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -f "$work/pg/data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true
    if [ -z "${KEEP:-}" ]; then sleep 1; rm -rf "$work"; else echo "kept: $work"; fi
}
trap cleanup EXIT
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 300); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2; return 1
}
# CPU seconds (user + system) of the given processes and their children so far.
cpu() { python3 - "$@" <<'EOF'
import os, sys
tick = os.sysconf("SC_CLK_TCK"); total = 0
for pid in sys.argv[1:]:
    try: f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    except OSError: continue
    total += sum(int(x) for x in f[11:15])
print("%.1f" % (total / tick))
EOF
}
# The postmaster (ended backends are in its children's time) and the backends alive now.
pg_pids() {
    [ -f "$work/pg/data/postmaster.pid" ] || return 0
    local pm; pm="$(head -1 "$work/pg/data/postmaster.pid")"
    echo "$pm $(pgrep -P "$pm" | tr '\n' ' ')"
}

echo "== machine"
echo "cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)  disk: $(findmnt -n -o FSTYPE --target "$work" 2>/dev/null || echo ?)"
echo "smtp: N=$N messages of $SIZE bytes over C=$C connections; imap mix: IC=$IC clients for T=$T s, $MESSAGES messages per mailbox"

hato="${HATO_BIN:-}"
unset HATO_BIN  # hato reads HATO_* variables as configuration overrides
if [ -z "$hato" ]; then
    (cd "$root" && swift build -c release --product hato >/dev/null)
    hato="$root/.build/release/hato"
fi
dns_port="$(free_port)"
python3 "$root/scripts/bench_dns_nxdomain.py" "$dns_port" &
pids+=($!)

pg_port=""
start_postgres() {
    [ -n "$pg_port" ] && return 0
    pg_port="$(free_port)"
    mkdir -p "$work/pg"; [ "$(id -u)" = 0 ] && chown nobody "$work/pg"
    as_pg "$pgbin/initdb" -D "$work/pg/data" -U hato --auth=trust -E UTF8 --no-locale >/dev/null
    as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 \
        -c max_connections=200 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" start >/dev/null
    echo "postgres $("$pgbin/postgres" --version | awk '{print $3}') on port $pg_port (fsync on, synchronous_commit on)"
}
psql_() { "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U hato -X -q -v ON_ERROR_STOP=1 "$@"; }

node_config() {  # mode node port-smtp port-imap database
    cat <<EOF
hostname = "mx.bench.invalid"
data_dir = "$work/$1-$2-data"
[listen]
smtp = ["127.0.0.1:$3"]
imap = ["127.0.0.1:$4"]
[limits]
max_connections_per_ip = 100000
imap_sessions_per_user = 100000
[dns]
servers = ["127.0.0.1:$dns_port"]
[auth]
benchmark_throttle_exempt = ["127.0.0.1"]
[log]
level = "warning"
EOF
    if [ "$1" != sqlite ]; then
        printf '[store]\nbackend = "postgres"\nurl = "postgres://hato@127.0.0.1:%s/%s"\npassword_file = "%s"\ntls = "disable"\nmax_connections = 20\n' \
            "$pg_port" "$5" "$work/pg-password"
    fi
}

run_mode() {  # sqlite | pg1 | pg2
    local mode="$1" nodes=1 db="bench_$1" i
    [ "$mode" = pg2 ] && nodes=2
    if [ "$mode" != sqlite ]; then
        start_postgres
        echo "unused" > "$work/pg-password"
        psql_ -d postgres -c "CREATE DATABASE $db"
    fi
    local smtp_ports=() imap_ports=() node_pids=()
    for i in $(seq "$nodes"); do
        smtp_ports+=("$(free_port)"); imap_ports+=("$(free_port)")
        node_config "$mode" "$i" "${smtp_ports[-1]}" "${imap_ports[-1]}" "$db" > "$work/$mode-$i.toml"
    done
    "$hato" domain add bench.invalid --config "$work/$mode-1.toml" >/dev/null
    echo "$password" | "$hato" account add "$user" --password-stdin --config "$work/$mode-1.toml" >/dev/null
    for i in $(seq "$nodes"); do
        "$hato" serve --config "$work/$mode-$i.toml" > "$work/$mode-$i.log" 2>&1 &
        node_pids+=($!); pids+=($!)
    done
    for i in $(seq "$nodes"); do wait_port "${smtp_ports[$((i-1))]}"; wait_port "${imap_ports[$((i-1))]}"; done
    [ "$mode" != sqlite ] && psql_ -d "$db" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null

    echo "== $mode: smtp into the mailbox ($nodes node(s))"
    local h0 p0 h1 p1 out=()
    h0="$(cpu "${node_pids[@]}")"; p0="$(cpu $(pg_pids))"
    for i in $(seq "$nodes"); do
        python3 "$root/scripts/bench_smtp_load.py" --port "${smtp_ports[$((i-1))]}" -n $((N / nodes)) -c $((C / nodes)) --size "$SIZE" \
            --recipient "$user" --label "$mode-node$i" > "$work/$mode-smtp-$i.json" &
        out+=($!)
    done
    for p in "${out[@]}"; do wait "$p"; done
    h1="$(cpu "${node_pids[@]}")"; p1="$(cpu $(pg_pids))"
    python3 - "$mode" "$h0" "$h1" "$p0" "$p1" "$work"/$mode-smtp-*.json <<'EOF' | tee -a "$work/summary.txt"
import json, sys
mode, h0, h1, p0, p1 = sys.argv[1], *map(float, sys.argv[2:6])
runs = [json.load(open(f)) for f in sys.argv[6:]]
msgs = sum(r["messages"] for r in runs); secs = max(r["seconds"] for r in runs)
print("smtp %-6s %5d msgs %6.1f s %7.1f msg/s  p50 %s ms p99 %s ms  failures %d  cpu: hato %.1f s, postgres %.1f s (%.1f ms/msg)"
      % (mode, msgs, secs, msgs / secs, max(r["latency_ms"]["p50"] for r in runs), max(r["latency_ms"]["p99"] for r in runs),
         sum(r["failures"] for r in runs), h1 - h0, p1 - p0, 1000 * (h1 - h0 + p1 - p0) / max(msgs, 1)))
EOF
    [ "$mode" != sqlite ] && top_statements "$db" "smtp $mode"

    echo "== $mode: imap mix ($nodes node(s))"
    [ "$mode" != sqlite ] && psql_ -d "$db" -c "SELECT pg_stat_statements_reset()" >/dev/null
    out=()
    h0="$(cpu "${node_pids[@]}")"; p0="$(cpu $(pg_pids))"
    for i in $(seq "$nodes"); do
        python3 "$root/scripts/bench-imap.py" --port "${imap_ports[$((i-1))]}" --user "$user" --password "$password" --profile mix \
            --clients $((IC / nodes)) --seconds "$T" --messages "$MESSAGES" --mailbox-prefix "n$i-bench" --label "$mode-node$i" \
            --json "$work/$mode-imap.jsonl" > "$work/$mode-imap-$i.out" 2>&1 &
        out+=($!)
    done
    for p in "${out[@]}"; do wait "$p"; done
    h1="$(cpu "${node_pids[@]}")"; p1="$(cpu $(pg_pids))"
    python3 - "$mode" "$h0" "$h1" "$p0" "$p1" "$work/$mode-imap.jsonl" <<'EOF' | tee -a "$work/summary.txt"
import json, sys
mode, h0, h1, p0, p1 = sys.argv[1], *map(float, sys.argv[2:6])
runs = [json.loads(l) for l in open(sys.argv[6])]
ops = {}
for r in runs:
    for name, o in r["operations"].items():
        a = ops.setdefault(name, [0.0, 0.0]); a[0] += o["ops_per_second"]; a[1] = max(a[1], o["p99_ms"])
total = sum(a[0] for a in ops.values())
print("imap %-6s %8.1f ops/s in all  cpu: hato %.1f s, postgres %.1f s  | " % (mode, total, h1 - h0, p1 - p0)
      + "  ".join("%s %.1f/s p99 %.0f ms" % (n, a[0], a[1]) for n, a in ops.items()))
EOF
    [ "$mode" != sqlite ] && top_statements "$db" "imap $mode"
    for p in "${node_pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
}

top_statements() {  # database label
    echo "-- $2: PostgreSQL statements by total time (calls, total ms, mean ms)"
    psql_ -d "$1" -A -F ' | ' -t -c "SELECT calls, round(total_exec_time::numeric, 0), round(mean_exec_time::numeric, 3),
        left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 8" \
        | tee -a "$work/summary.txt"
}

for mode in $MODES; do run_mode "$mode"; done
echo "== summary"; cat "$work/summary.txt"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
