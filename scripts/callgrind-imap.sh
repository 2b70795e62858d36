#!/usr/bin/env bash
# Instructions per round of the persistent IMAP loop under valgrind's callgrind (issue 24): the
# workload of scripts/bench-imap.sh's "persistent" profile (LOGIN once; SELECT, FETCH 1:* (UID
# FLAGS), FETCH a body, STORE, EXPUNGE, APPEND per round), one short run to fill the mailboxes,
# then SECONDS counted; instructions divided by the rounds done (docs/PERFORMANCE.md).
#
#   scripts/callgrind-imap.sh BINARY [SECONDS] [CLIENTS] [PROFILE]   # prints "<instructions per round>"
#   leaves $OUT (default /tmp/callgrind-imap.out) for callgrind_annotate --inclusive=yes
#
# PROFILE is "persistent" (default) or "mix" (bench-imap.py's weighted mix of issue 6: SELECT,
# FETCH 1:* FLAGS, FETCH of 5 bodies with BODYSTRUCTURE, STORE, APPEND, SEARCH, EXPUNGE, IDLE);
# for the mix a "round" is one operation of the mix, whichever it was. With OPERATIONS=N each
# client stops after N operations (mix only), so two builds are counted over the same sequence:
#   OPERATIONS=600 scripts/callgrind-imap.sh BINARY 300 1 mix
# WEIGHTS=fetch_body=1 (as for bench-imap.sh) counts one operation of the mix alone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$1"; seconds="${2:-60}"; clients="${3:-2}"; profile="${4:-persistent}"; messages="${MESSAGES:-200}"
out="${OUT:-/tmp/callgrind-imap.out}"
user="bench@bench.invalid"; password="a long enough password"
work="$(mktemp -d "${TMPDIR:-/tmp}/hato-callgrind-imap.XXXXXX")"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
# hato reads HATO_* variables as configuration overrides and refuses unknown ones.
unset HATO_BIN HATO_BIN_BEFORE
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Under valgrind the server takes far longer to open its port than bench-imap.sh's 20 s allow.
wait_port() { for _ in $(seq 600); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null && return 0
    sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
# valgrind cannot read the Swift binary's debug info.
objcopy --strip-debug "$bin" "$work/hato"
port="$(free_port)"
cat > "$work/hato.toml" <<EOF
hostname = "imap.bench.invalid"
data_dir = "$work/data"
[listen]
imap = ["127.0.0.1:$port"]
[limits]
max_connections_per_ip = 100000
imap_sessions_per_user = 100000
[log]
level = "warning"
[auth]
benchmark_throttle_exempt = ["127.0.0.1"]
EOF
"$work/hato" domain add bench.invalid --config "$work/hato.toml" >/dev/null
echo "$password" | "$work/hato" account add "$user" --password-stdin --config "$work/hato.toml" >/dev/null
rm -f "$out"*
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" "$work/hato" serve --config "$work/hato.toml" \
    >"$work/hato.log" 2>&1 &
vpid=$!; pids+=($vpid)
wait_port "$port"
load() {  # seconds
    python3 "$root/scripts/bench-imap.py" --port "$port" --user "$user" --password "$password" --profile "$profile" \
        --clients "$clients" --seconds "$1" --messages "$messages" --label hato --json "$work/results.jsonl" \
        ${OPERATIONS:+--operations "$OPERATIONS"} ${WEIGHTS:+--weights "$WEIGHTS"} >/dev/null
}
# With OPERATIONS the first run only fills the mailboxes (no operation), so both builds start alike.
if [ -n "${OPERATIONS:-}" ]; then load 0; else load 3; fi
rm -f "$work/results.jsonl"
callgrind_control -i on "$vpid" >/dev/null
load "$seconds"
callgrind_control -d "$vpid" >/dev/null
callgrind_control -i off "$vpid" >/dev/null
kill "$vpid"; wait "$vpid" 2>/dev/null || true
dump="$(ls "$out".* | head -1)"
total="$(grep -m1 '^summary:' "$dump" | awk '{print $2}')"
python3 - "$work/results.jsonl" "$total" "$dump" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
ops = r["operations"]
rounds = ops["append"]["count"] if r.get("profile") == "persistent" else ops["total"]["count"]
errors = r.get("errors", 0)
print("%.3f M instructions per round (%d rounds, %s errors) %s" % (int(sys.argv[2]) / rounds / 1e6, rounds, errors, sys.argv[3]))
EOF
